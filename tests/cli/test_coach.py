"""The terminal coach: words instead of event names, a view that fits a short terminal, a pain
prompt that re-asks, and a quit that asks first."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from tests.cli.terminal import Terminal
from tests.services.conftest import MemoryHistory

from hipflex.cli.coach import Coach, describe
from hipflex.cli.render import CONFIRM_QUIT, KEYS_HELP, session_panel
from hipflex.cli.session_cmd import ask_pain
from hipflex.cues.speech import SilentSpeaker
from hipflex.domain.clock import FakeClock
from hipflex.domain.events import (
    HoldCompleted,
    HoldOutcome,
    Phase,
    PhaseStarted,
    SessionFinished,
    SessionStatus,
    SideSwitched,
)
from hipflex.domain.protocol import Side
from hipflex.domain.records import parse_pain_rating
from hipflex.domain.session import SessionView
from hipflex.protocols.loader import load_protocol
from hipflex.services.guided_session import GuidedSession, SessionMode
from hipflex.storage.db import open_database

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (
            PhaseStarted(Phase.SWITCH_SIDE, Side.LEFT, 1, 10, "Switch sides: left knee down.", ""),
            "Switch sides: left side, hold 1 — Switch sides: left knee down.",
        ),
        (
            PhaseStarted(Phase.GET_READY, Side.RIGHT, 1, 10, "Get ready.", ""),
            "Get ready: right side, hold 1 — Get ready.",
        ),
        (
            HoldCompleted(Side.RIGHT, 2, 30, 12, T0, T0, HoldOutcome.SKIPPED),
            "Hold 2, right side: 12 of 30 s (skipped), saved.",
        ),
        (
            HoldCompleted(Side.LEFT, 1, 30, 30, T0, T0, HoldOutcome.TIMED_OUT),
            "Hold 1, left side: 30 of 30 s (time limit reached), saved.",
        ),
        (SideSwitched(Side.RIGHT, Side.LEFT), "Switch sides: right → left."),
        (
            SessionFinished(SessionStatus.PARTIAL, 3, 8, {}),
            "Session saved as partial: 3 of 8 holds.",
        ),
    ],
)
def test_log_lines_are_words_not_event_names(event: object, words: str) -> None:
    line = describe(event)
    assert line == words
    for internal in ("switch_side", "get_ready", "timed_out", "session_finished"):
        assert internal not in line


def test_no_input_prints_words(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--speed", "1000", "--quiet"],
        env={"HIPFLEX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "COLUMNS": "80"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Switch sides: left side, hold 1" in result.stdout
    assert "Session complete: 8 of 8 holds." in result.stdout
    for internal in ("switch_side", "get_ready", "hold_completed", "(completed)"):
        assert internal not in result.stdout


def _view(seconds: float, *, camera: bool = False) -> SessionView:
    clock = FakeClock()
    mode = SessionMode.CAMERA if camera else SessionMode.TIMER
    session = GuidedSession(load_protocol("kneeling-hip-flexor"), MemoryHistory(), clock, mode=mode)
    session.begin()
    clock.advance(seconds)
    session.update()
    return session.snapshot()


@pytest.mark.parametrize("rows", [16, 14, 12])
@pytest.mark.parametrize("camera", [False, True])
def test_a_short_terminal_still_shows_what_is_next_and_the_keys(rows: int, camera: bool) -> None:
    console = Console(width=80, height=rows, file=io.StringIO(), color_system=None)
    view = _view(10 + 5, camera=camera)  # into the first hold
    panel = session_panel(view, "hipflex", "good form", console=console)
    lines = console.render_lines(panel, pad=False)
    text = "\n".join("".join(seg.text for seg in line) for line in lines)
    assert len(lines) <= rows
    assert "Next: Then rest" in text
    assert KEYS_HELP in text
    assert "HOLD · right side · hold 1 of 4" in text
    if camera:
        assert "Camera:" in text


def test_a_tall_terminal_keeps_the_big_countdown() -> None:
    console = Console(width=80, height=40, file=io.StringIO(), color_system=None)
    panel = session_panel(_view(3), "hipflex", console=console)
    text = "\n".join(
        "".join(seg.text for seg in line) for line in console.render_lines(panel, pad=False)
    )
    assert "███" in text
    confirm = session_panel(_view(3), "hipflex", confirm_quit=True, console=console)
    asked = "".join(seg.text for line in console.render_lines(confirm) for seg in line)
    assert "Quit now?" in asked and KEYS_HELP not in asked and CONFIRM_QUIT[:20] in asked


@pytest.mark.parametrize(
    ("typed", "value"),
    [("3", 3), (" 10 ", 10), ("0", 0), ("²", None), ("٣", None), ("11", None), ("-1", None),
     ("3.5", None), ("", None), ("three", None)],
)  # fmt: skip
def test_parse_pain_accepts_only_ascii_whole_numbers_on_the_scale(
    typed: str, value: int | None
) -> None:
    assert parse_pain_rating(typed) == value


def test_the_pain_prompt_re_asks_until_it_is_a_rating(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("²\n٣\n11\n4\n"))
    assert ask_pain("Pain now") == 4
    out = capsys.readouterr().out
    assert out.count("Please type a whole number from 0 (no pain) to 10 (worst pain).") == 3
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert ask_pain("Pain now") is None  # Enter skips


def test_the_pain_prompt_on_a_terminal(tmp_path: Path) -> None:
    """``²`` typed at the real prompt is asked again, never a traceback."""
    term = Terminal(
        ["start", "--speed", "1000", "--quiet", "--pain-after", "1", "--note", "pty"], tmp_path
    )
    term.read_until(b"Enter to skip")
    term.type("²\n")
    term.read_until(b"Please type a whole number")
    term.type("3\n")
    term.read_until(b"Saved:", 120)
    code = term.close()
    assert code == 0, term.text[-2000:]
    assert "Traceback" not in term.text
    with open_database(tmp_path) as db:
        [session] = db.repository.recent_sessions(1)
    assert (session.pain_before, session.pain_after) == (3, 1)


def test_a_stop_signal_ends_the_session_at_the_next_beat(tmp_path: Path) -> None:
    clock = FakeClock()
    with open_database(tmp_path) as db:
        session = GuidedSession(load_protocol("kneeling-hip-flexor"), db.repository, clock)
        console = Console(file=io.StringIO(), force_terminal=False)
        coach = Coach(session, SilentSpeaker(), console, interactive=False, poll_s=0)
        beats = 0

        def step_then_signal() -> None:
            nonlocal beats
            beats += 1
            clock.advance(20)
            if beats == 3:
                coach._note_stop("SIGTERM")  # what the signal handler does

        coach.on_step = lambda step: step_then_signal()
        finished = coach.run()
        [record] = db.repository.recent_sessions(1)
    assert coach.interrupted and finished is not None
    assert finished.status is SessionStatus.PARTIAL
    assert record.status is SessionStatus.PARTIAL
    assert [h.outcome for h in record.holds] == [HoldOutcome.COMPLETED, HoldOutcome.INTERRUPTED]
    assert "Completed holds are saved" in console.file.getvalue()  # type: ignore[attr-defined]
