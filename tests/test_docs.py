"""Meta-tests: the docs cannot fall behind the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer.main

from hipflex.cli.app import app
from hipflex.settings import ReminderSettings, UserSettings

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, "-m", "typer", "hipflex.cli.app", "utils", "docs", "--name", "hipflex",
         "--title", "hipflex command reference", "--output", str(out)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: run scripts/gen-cli-docs"
    )


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert len(names) >= 10
    missing = [name for name in names if not re.search(rf"hipflex {name}\b", readme)]
    assert not missing, f"README.md does not show: {missing}"


def test_every_setting_is_documented() -> None:
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    fields = set(UserSettings.model_fields) | set(ReminderSettings.model_fields)
    missing = sorted(f for f in fields if f"`{f}`" not in docs)
    assert not missing, f"settings not documented in docs/: {missing}"
