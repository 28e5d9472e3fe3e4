"""Speech back ends: espeak-ng as a child process that never blocks, a bell, or silence."""

from __future__ import annotations

import io
import stat
import time
from pathlib import Path

import pytest

from hipflex.cues.speech import BellSpeaker, EspeakSpeaker, SilentSpeaker, make_speaker


def fake_espeak(tmp_path: Path, seconds: float = 0.0) -> tuple[Path, Path]:
    """A stand-in for espeak-ng that logs its arguments (and takes ``seconds`` to speak)."""
    log = tmp_path / "said.txt"
    program = tmp_path / "espeak-ng"
    program.write_text(f'#!/bin/sh\necho "$@" >> {log}\nsleep {seconds}\n')
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return program, log


def wait_for(path: Path, lines: int) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= lines:
            break
        time.sleep(0.02)
    return path.read_text().splitlines()


def test_espeak_speaks_without_blocking(tmp_path: Path) -> None:
    program, log = fake_espeak(tmp_path, seconds=5)
    speaker = EspeakSpeaker(str(program), words_per_minute=140)
    started = time.monotonic()
    speaker.say("Hold.")
    assert time.monotonic() - started < 1.0  # the session does not wait for the voice
    assert wait_for(log, 1) == ["-s 140 -- Hold."]
    speaker.close()


def test_a_new_cue_cuts_off_the_old_one_and_nothing_is_left_running(tmp_path: Path) -> None:
    program, log = fake_espeak(tmp_path, seconds=30)
    speaker = EspeakSpeaker(str(program))
    speaker.say("Get ready: right knee down.")
    wait_for(log, 1)
    first = speaker._current
    speaker.say("Hold.")
    assert first is not None and first.returncode is not None  # stopped and reaped
    assert wait_for(log, 2)[1].endswith("-- Hold.")
    second = speaker._current
    speaker.close()
    assert second is not None and second.returncode is not None


def test_a_missing_program_never_stops_a_session(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(tmp_path / "gone"))
    speaker.say("Hold.")  # no exception
    speaker.close()


def test_text_that_looks_like_an_option_is_spoken_as_text() -> None:
    assert EspeakSpeaker("espeak-ng").command("-w /tmp/x") == [
        "espeak-ng", "-s", "155", "--", "-w /tmp/x",
    ]  # fmt: skip


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bell_rings_only_on_a_terminal() -> None:
    terminal, pipe = Tty(), io.StringIO()
    BellSpeaker(terminal).say("Hold.")
    BellSpeaker(pipe).say("Hold.")
    assert terminal.getvalue() == "\a" and pipe.getvalue() == ""


def test_make_speaker_picks_the_best_there_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(make_speaker(quiet=True), SilentSpeaker)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert isinstance(make_speaker(), BellSpeaker)
    fake_espeak(tmp_path)
    chosen = make_speaker()
    assert isinstance(chosen, EspeakSpeaker) and chosen.name == "espeak-ng"
