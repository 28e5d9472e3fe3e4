"""Crash recovery copes with any stored pid and host; import never brings in a live session."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol
from hipflex.errors import ImportFileError
from hipflex.storage.db import open_database
from hipflex.storage.exchange import import_file, read_history_file
from hipflex.storage.processes import MAX_PID, process_is_alive, this_host

from .conftest import T0, make_hold

# Values a hand-edited or imported row may hold: beyond pid_t, beyond SQLite's int64,
# negative, zero, missing, text, a fraction.
HOSTILE_PIDS: list[Any] = [2**31, 2**63 - 1, -(2**63), -5, 0, None, "abc", "", 1.5]


@pytest.mark.parametrize("pid", [*HOSTILE_PIDS, 2**64, 10**30, True, False, [1]])
def test_process_is_alive_answers_false_for_any_impossible_pid(pid: Any) -> None:
    assert process_is_alive(pid) is False


def _insert_in_progress(db_file: Path, pid: Any, host: str | None) -> str:
    """A raw row, as a hand edit (or an older hipflex's import) could have left it."""
    session_id = str(uuid.uuid4())
    with sqlite3.connect(db_file) as conn:
        conn.execute(
            "INSERT INTO sessions (id, protocol_name, protocol_title, hold_target_s, "
            "holds_planned, started_at, ended_at, status, source, pid, host) "
            "VALUES (?, 'kneeling-hip-flexor', 'K', 30.0, 8, '2026-03-01 07:00:00.000000', "
            "NULL, 'in_progress', 'timer', ?, ?)",
            (session_id, pid, host),
        )
    conn.close()
    return session_id


@pytest.mark.parametrize("pid", HOSTILE_PIDS)
def test_opening_survives_any_stored_pid_and_closes_the_session(
    tmp_path: Path, protocol: Protocol, pid: Any
) -> None:
    with open_database(tmp_path) as database:  # creates the schema
        earlier = database.repository.start_session(protocol, "timer", T0)
        database.repository.record_hold(earlier, make_hold(0), "timer")
        database.repository.finish_session(earlier, SessionStatus.COMPLETED, T0)
    hostile = _insert_in_progress(tmp_path / "hipflex.db", pid, this_host())

    with open_database(tmp_path) as database:
        stored = database.repository.get_session(hostile)
        everything = database.repository.sessions_between(None, None)
    assert stored is not None
    # No live process can have this pid: the session is over, kept as partial.
    assert stored.status is SessionStatus.PARTIAL
    assert stored.ended_at == stored.started_at
    assert {s.id for s in everything} == {earlier, hostile}


@pytest.mark.parametrize("host", ["another-machine", None, ""])
def test_sessions_of_other_or_unknown_hosts_are_left_alone_whatever_their_pid(
    tmp_path: Path, host: str | None
) -> None:
    open_database(tmp_path).close()
    hostile = _insert_in_progress(tmp_path / "hipflex.db", 2**40, host)
    with open_database(tmp_path) as database:
        stored = database.repository.get_session(hostile)
    assert stored is not None and stored.status is SessionStatus.IN_PROGRESS


def test_recovery_ends_the_session_at_its_last_hold_in_sql(
    tmp_path: Path, protocol: Protocol
) -> None:
    with open_database(tmp_path) as database:
        session_id = database.repository.start_session(protocol, "timer", T0)
        for index in range(3):
            database.repository.record_hold(session_id, make_hold(index), "timer")
    with sqlite3.connect(tmp_path / "hipflex.db") as conn:
        conn.execute("UPDATE sessions SET pid = ? WHERE id = ?", (2**62, session_id))
    conn.close()
    with open_database(tmp_path) as database:
        stored = database.repository.get_session(session_id)
    assert stored is not None and stored.status is SessionStatus.PARTIAL
    assert stored.ended_at == make_hold(2).ended_at


# -- import -----------------------------------------------------------------------------------


def _session_json(**changes: Any) -> dict[str, Any]:
    session: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "protocol_name": "kneeling-hip-flexor",
        "protocol_title": "Half-kneeling hip flexor stretch",
        "hold_target_s": 30.0,
        "holds_planned": 8,
        "started_at": "2026-03-01T07:00:00+00:00",
        "ended_at": None,
        "status": "completed",
        "source": "timer",
        "pid": 1234,
        "host": this_host(),
        "holds": [],
        "pain_ratings": [],
        "notes": [],
    }
    session.update(changes)
    return session


def _write(path: Path, *sessions: dict[str, Any]) -> Path:
    document = {"format": "hipflex-history", "format_version": 1, "sessions": list(sessions)}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("pid", [MAX_PID + 1, 2**63, 0, -1])
def test_import_refuses_a_pid_outside_the_range_of_process_ids(tmp_path: Path, pid: int) -> None:
    path = _write(tmp_path / "hostile.json", _session_json(pid=pid))
    with pytest.raises(ImportFileError) as caught:
        read_history_file(path)
    assert "sessions[0].pid" in caught.value.message


def test_import_accepts_the_largest_process_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.json", _session_json(pid=MAX_PID))
    assert read_history_file(path)[0].pid == MAX_PID


def test_an_in_progress_session_is_imported_as_partial_ending_at_its_last_hold(
    tmp_path: Path,
) -> None:
    holds = [
        {
            "id": str(uuid.uuid4()),
            "side": "right",
            "rep": rep,
            "target_s": 30.0,
            "counted_s": 30.0,
            "started_at": f"2026-03-01T07:0{rep}:00+00:00",
            "ended_at": f"2026-03-01T07:0{rep}:30+00:00",
            "outcome": "completed",
            "source": "timer",
        }
        for rep in (1, 2)
    ]
    running = _session_json(status="in_progress", pid=MAX_PID, holds=holds)
    empty = _session_json(status="in_progress", pid=None)
    path = _write(tmp_path / "running.json", running, empty)
    with open_database(tmp_path / "data") as database:
        result = import_file(database.repository, path)
        first = database.repository.get_session(running["id"])
        second = database.repository.get_session(empty["id"])
    assert result.closed_as_partial == 2
    assert first is not None and second is not None
    assert first.status is SessionStatus.PARTIAL and second.status is SessionStatus.PARTIAL
    assert first.ended_at is not None and first.ended_at.isoformat() == "2026-03-01T07:02:30+00:00"
    assert second.ended_at == second.started_at


def test_the_repository_never_imports_a_session_as_in_progress(tmp_path: Path) -> None:
    path = _write(tmp_path / "running.json", _session_json(status="in_progress"))
    records = read_history_file(path)
    with open_database(tmp_path / "data") as database:
        with pytest.raises(ValueError, match="in progress"):
            database.repository.import_sessions(records)
        assert database.repository.sessions_between(None, None) == []
