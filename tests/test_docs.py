"""Meta-tests: the docs cannot fall behind the code."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import typer.main

from hipflex.cli.app import app
from hipflex.settings import ReminderSettings, UserSettings

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "gen-cli-docs"), str(out)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: run scripts/gen-cli-docs"
    )


def test_cli_reference_has_no_html_entities() -> None:
    """Typer's generator writes &#x27; and &lt;= ; the reference is read as plain Markdown."""
    text = (ROOT / "docs" / "cli.md").read_text()
    assert re.findall(r"&(?:#x?[0-9a-fA-F]+|[a-z]+);", text) == []
    assert "platform's user data dir" in text and "0<=x<=10" in text


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
