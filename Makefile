# Two commands for a fresh machine: `make run` starts hipflex, `make test` runs the tests.
# Each creates .venv and installs what it needs the first time.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[clinic,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hipflex $(ARGS)

test: $(STAMP)
	scripts/ensure-system-packages
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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
