# Two commands for a fresh machine: `make run` starts hipflex, `make test` runs the tests.
# Each creates .venv and installs what it needs the first time.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# In-browser pose: @mediapipe/pose from npm (package-lock.json pins it), copied into the package's
# static files. Without npm, `make run` still works and the page uses the server-side pose path.
NPM := $(shell command -v npm 2>/dev/null)
NODE_STAMP := node_modules/.package-lock.json
POSE_PACKAGE := node_modules/@mediapipe/pose
POSE_ASSETS := src/hipflex/web/static/vendor/mediapipe-pose/manifest.json

.PHONY: run test check bench docs clean web-assets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[clinic,dev]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

$(POSE_ASSETS): $(NODE_STAMP) src/hipflex/web/pose_assets.py scripts/vendor-pose-assets | $(STAMP)
	$(BIN)/python scripts/vendor-pose-assets $(POSE_PACKAGE) package-lock.json

web-assets: $(POSE_ASSETS)

run: $(STAMP)
ifeq ($(NPM),)
	@[ -f $(POSE_ASSETS) ] || echo "npm not found: in-browser pose is off, the page sends camera frames to hipflex instead (install Node.js with npm and run make run again to keep frames on the device)."
else
	@$(MAKE) --no-print-directory web-assets || echo "in-browser pose files could not be installed: the page uses the server-side pose path."
endif
	$(BIN)/hipflex $(ARGS)

test: $(STAMP)
	scripts/ensure-system-packages
	$(MAKE) --no-print-directory web-assets
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/eval_images.py
	$(BIN)/python bench/pipeline.py

docs: $(STAMP)
	scripts/gen-cli-docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules src/hipflex/web/static/vendor
