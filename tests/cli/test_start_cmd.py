"""``hipflex start`` as a real process: whole sessions, kill -9, Ctrl-C, keys on a terminal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.cli.terminal import Terminal

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.storage.db import open_database

# What the live view shows: a hold's header, a completed hold on the progress bar, the keys line.
HOLD = "HOLD ·".encode()
DONE_REP = "●".encode()
KEYS = b"space pause/resume"


def env_for(data_dir: Path) -> dict[str, str]:
    return {"HIPFLEX_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "COLUMNS": "120"}


def start(data_dir: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hipflex", "start", *args],
        env=env_for(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def sessions(data_dir: Path):  # type: ignore[no-untyped-def]
    with open_database(data_dir) as db:
        return db.repository.recent_sessions(10)


def wait_for_holds(data_dir: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        db_file = data_dir / "hipflex.db"
        if db_file.exists():
            found = sessions(data_dir)
            if found and len(found[0].holds) >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"no {count} holds within 60 s")


def test_whole_default_session_with_check_in(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "hipflex", "start", "--no-input", "--speed", "100",
            "--pain-before", "5", "--pain-after", "3", "--note", "tight <b>left</b> hip",
        ],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Saved: 8 of 8 holds (right 120 s, left 120 s); session completed." in result.stdout
    [session] = sessions(tmp_path)
    assert session.status is SessionStatus.COMPLETED
    assert session.protocol_name == "kneeling-hip-flexor"
    assert len(session.holds) == 8
    assert session.counted_s_by_side() == {Side.RIGHT: 120.0, Side.LEFT: 120.0}
    assert (session.pain_before, session.pain_after) == (5, 3)
    assert [n.text for n in session.notes] == ["tight <b>left</b> hip"]
    assert session.demo  # --speed: a demo, which the figures leave out unless asked
    figures = [
        json.loads(
            subprocess.run(
                [sys.executable, "-m", "hipflex", "stats", "--json", *extra],
                env=env_for(tmp_path), capture_output=True, text=True, timeout=60, check=True,
            ).stdout
        )["today"]["counted_s"]
        for extra in ([], ["--include-demo"])
    ]  # fmt: skip
    assert figures == [0, 240]
    history = subprocess.run(
        [sys.executable, "-m", "hipflex", "history"],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "completed, demo" in history.stdout


def test_kill_9_mid_hold_keeps_the_completed_holds(tmp_path: Path) -> None:
    proc = start(tmp_path, "--no-input", "--speed", "20")
    wait_for_holds(tmp_path, 2, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    [session] = sessions(tmp_path)  # opening recovers sessions of dead processes
    assert session.status is SessionStatus.PARTIAL
    assert len(session.holds) >= 2
    assert all(h.outcome is HoldOutcome.COMPLETED for h in session.holds)
    assert session.holds[0].counted_s == 30


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_ctrl_c_or_closed_terminal_saves_a_partial_session(tmp_path: Path, stop: int) -> None:
    proc = start(tmp_path, "--no-input", "--speed", "20")
    wait_for_holds(tmp_path, 1, proc)
    proc.send_signal(stop)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "Completed holds are saved" in out
    [session] = sessions(tmp_path)
    assert session.status is SessionStatus.PARTIAL
    assert session.ended_at is not None
    assert len(session.holds) >= 1


def test_two_terminals_at_once_both_sessions_saved(tmp_path: Path) -> None:
    procs = [start(tmp_path, "--no-input", "--speed", "100") for _ in range(2)]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    found = sessions(tmp_path)
    assert len(found) == 2
    assert {s.status for s in found} == {SessionStatus.COMPLETED}
    assert all(len(s.holds) == 8 for s in found)


def test_unknown_protocol_and_bad_pain_are_user_errors(tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--protocol", "yoga"],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "unknown protocol 'yoga'" in bad.stderr and "prone-hip-flexor" in bad.stderr
    pain = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--pain-before", "11"],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert pain.returncode == 2
    assert "--pain-before" in pain.stderr and "less than or equal to 10" in pain.stderr
    assert not (tmp_path / "hipflex.db").exists() or sessions(tmp_path) == []


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--data-dir", str(blocker / "x")],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "cannot create data dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_keys_on_a_terminal_pause_skip_and_quit(tmp_path: Path) -> None:
    """Drive the live view through a pseudo-terminal like a person at the keyboard."""
    term = Terminal(
        ["start", "--speed", "10", "--quiet", "--pain-before", "2", "--pain-after", "1",
         "--note", "keys"],
        tmp_path,
        {"COLUMNS": "120"},
    )  # fmt: skip
    term.read_until(b"GET READY")  # the live view is up and reading keys
    term.press("n", HOLD)  # skip get-ready: the first hold starts
    term.press(" ", b"PAUSED")  # pause
    term.press(" ", HOLD)  # resume
    term.read_until(DONE_REP)  # 30 s hold at 10x: the first hold completes
    term.press("q", b"Quit now?")  # asks first, and waits while asking
    term.press("x", KEYS)  # anything else goes on: the keys line is back
    assert term.proc.poll() is None
    term.press("q", b"Quit now?")
    term.type("q")  # a second q confirms
    code = term.close()
    assert code == 0, term.text[-2000:]
    assert b"HOLD" in term.screen
    [session] = sessions(tmp_path)
    assert session.status is SessionStatus.PARTIAL
    assert session.holds[0].outcome is HoldOutcome.COMPLETED
    assert (session.pain_before, session.pain_after) == (2, 1)
