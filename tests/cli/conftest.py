"""Fixtures for the CLI tests."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from hipflex.cli.app import main
from hipflex.domain.clock import Clock


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run ``hipflex ARGS...`` in-process through the real ``main()``: (exit code, out, err);
    ``clock=`` runs it at another time (the wall clock every command is handed)."""

    def run(*args: str, clock: Clock | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["hipflex", *args])
        monkeypatch.setenv("COLUMNS", "200")
        try:
            main(clock=clock)
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
