"""One hostile row in the history never locks the person out of any command (issue 10.1)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from hipflex.domain.events import SessionStatus
from hipflex.storage.db import open_database
from hipflex.storage.processes import this_host

Cli = Callable[..., tuple[int, str, str]]


def _hostile_file(path: Path, pid: int) -> Path:
    session = {
        "id": str(uuid.uuid4()),
        "protocol_name": "kneeling-hip-flexor",
        "protocol_title": "Half-kneeling hip flexor stretch",
        "hold_target_s": 30.0,
        "holds_planned": 8,
        "started_at": "2026-03-01T07:00:00+00:00",
        "ended_at": None,
        "status": "in_progress",
        "source": "timer",
        "pid": pid,
        "host": this_host(),
    }
    document = {"format": "hipflex-history", "format_version": 1, "sessions": [session]}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_importing_a_pid_beyond_any_process_is_refused_and_nothing_changes(
    cli: Cli, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    hostile = _hostile_file(tmp_path / "x.json", 2**32)
    code, _out, err = cli("import", str(hostile), "--data-dir", str(data))
    assert code == 2
    assert "Traceback" not in err
    assert "sessions[0].pid" in err and "2147483647" in err
    code, out, err = cli("history", "--data-dir", str(data))
    assert code == 0, err
    assert "No sessions yet" in out


def test_an_in_progress_session_in_a_file_is_imported_as_partial_and_said_so(
    cli: Cli, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    running = _hostile_file(tmp_path / "running.json", 4242)
    code, out, err = cli("import", str(running), "--data-dir", str(data))
    assert code == 0, err
    assert "1 of them still in progress in the file, imported as partial" in out
    code, out, err = cli("history", "--json", "--data-dir", str(data))
    assert code == 0, err
    assert [s["status"] for s in json.loads(out)] == ["partial"]


@pytest.fixture
def poisoned(tmp_path: Path) -> Path:
    """A data dir whose history holds an in-progress session of this host with an impossible
    pid, as an older hipflex's import could leave it."""
    data = tmp_path / "data"
    open_database(data).close()
    with sqlite3.connect(data / "hipflex.db") as conn:
        conn.execute(
            "INSERT INTO sessions (id, protocol_name, protocol_title, hold_target_s, "
            "holds_planned, started_at, ended_at, status, source, pid, host) VALUES "
            "('11111111-1111-4111-8111-111111111111', 'kneeling-hip-flexor', 'K', 30.0, 8, "
            "'2026-03-01 07:00:00.000000', NULL, 'in_progress', 'timer', ?, ?)",
            (2**40, this_host()),
        )
    conn.close()
    return data


@pytest.mark.parametrize(
    "args", [["history"], ["history", "--json"], ["stats"], ["export", "--format", "csv"]]
)
def test_read_commands_work_over_a_poisoned_history(
    cli: Cli, poisoned: Path, args: list[str]
) -> None:
    code, out, err = cli(*args, "--data-dir", str(poisoned))
    assert code == 0, err
    assert "Traceback" not in err
    if args[0] == "export":
        assert "11111111-1111-4111-8111-111111111111" in out
        assert "partial" in out  # the dead session was closed, not left running


def _env(data: Path) -> dict[str, str]:
    return {"HIPFLEX_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", "COLUMNS": "120"}


def test_start_works_over_a_poisoned_history(poisoned: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--speed", "200"],
        env=_env(poisoned), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with open_database(poisoned) as database:
        statuses = sorted(s.status.value for s in database.repository.recent_sessions(10))
    assert statuses == [SessionStatus.COMPLETED.value, SessionStatus.PARTIAL.value]


def test_serve_works_over_a_poisoned_history(poisoned: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "hipflex", "serve", "--port", "0", "--no-browser",
         "--data-dir", str(poisoned)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "running at http://127.0.0.1:" in line, line + (
            server.stderr.read() if server.stderr else ""
        )
        url = line.split("running at ")[1].split()[0].rstrip("/")
        with urllib.request.urlopen(f"{url}/history", timeout=30) as response:
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=30)
    assert "Traceback" not in err


def test_importing_a_time_that_overflows_is_a_message_not_a_traceback(
    cli: Cli, tmp_path: Path
) -> None:
    path = _hostile_file(tmp_path / "old.json", 4242)
    document = json.loads(path.read_text())
    document["sessions"][0]["started_at"] = "0001-01-01T00:00:00+05:00"
    path.write_text(json.dumps(document))
    code, _out, err = cli("import", str(path), "--data-dir", str(tmp_path / "data"))
    assert code == 2
    assert "Traceback" not in err
    assert "sessions[0].started_at" in err and "2000-01-01 and 2100-01-01 UTC" in err
