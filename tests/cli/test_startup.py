"""``hipflex --help`` stays light: no heavy library is imported to print help."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "mediapipe",
    "cv2",
    "numpy",
    "sqlalchemy",
    "alembic",
    "fastapi",
    "uvicorn",
    "matplotlib",
    "fhir",  # fhir.resources: most of a second to import
]

PROBE = """
import json, sys, io, contextlib
from hipflex.cli.app import app
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        app(["--help"], standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps({"help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_help_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    loaded = {name.split(".")[0] for name in data["modules"]}
    assert not loaded & set(HEAVY), f"--help imported {sorted(loaded & set(HEAVY))}"
    assert "start" in data["help"] and "protocols" in data["help"]


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("hipflex ")
