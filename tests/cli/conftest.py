"""Fixtures for the CLI tests."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hipflex.cli.app import main
from hipflex.settings import ReminderSettings, UserSettings, save_settings


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run ``hipflex ARGS...`` in-process through the real ``main()``: (exit code, out, err)."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["hipflex", *args])
        monkeypatch.setenv("COLUMNS", "200")
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data dir (as ``$HIPFLEX_DATA_DIR``) whose settings put the person in UTC."""
    directory = tmp_path / "data"
    directory.mkdir()
    monkeypatch.setenv("HIPFLEX_DATA_DIR", str(directory))
    save_settings(directory, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    return directory
