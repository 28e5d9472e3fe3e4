"""The repository: what goes in comes back, each hold committed at once, pain checked."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import update

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import PainMoment, Source
from hipflex.storage.db import Database, open_database
from hipflex.storage.processes import process_is_alive
from hipflex.storage.repository import Repository
from hipflex.storage.tables import SessionRow

from .conftest import T0, make_hold


def test_a_full_session_comes_back_as_recorded(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    session_id = repo.start_session(protocol, "camera", T0)
    sides = [Side.RIGHT] * 4 + [Side.LEFT] * 4
    for index, side in enumerate(sides):
        repo.record_hold(
            session_id,
            make_hold(index, side),
            "camera",
            hip_extension_max_deg=14.5,
            hip_extension_median_deg=11.0,
            faults={"back_arch": 2.5} if index == 0 else None,
        )
    repo.record_pain(session_id, "before", 5, T0)
    repo.record_pain(session_id, "after", 3, T0 + timedelta(minutes=12))
    repo.add_note(session_id, "left side tighter", T0 + timedelta(minutes=12))
    repo.finish_session(session_id, SessionStatus.COMPLETED, T0 + timedelta(minutes=12))

    [stored] = repo.recent_sessions()
    assert stored.id == session_id
    assert (stored.status, stored.source, stored.holds_planned) == (
        SessionStatus.COMPLETED,
        Source.CAMERA,
        8,
    )
    assert stored.pid == os.getpid() and stored.host
    assert [h.side for h in stored.holds] == sides
    assert stored.reps_done == 8
    assert stored.counted_s_by_side() == {Side.RIGHT: 120.0, Side.LEFT: 120.0}
    assert stored.holds[0].faults == {"back_arch": 2.5}
    assert stored.holds[1].faults is None
    assert stored.holds[0].hip_extension_max_deg == 14.5
    assert (stored.pain_before, stored.pain_after) == (5, 3)
    assert [n.text for n in stored.notes] == ["left side tighter"]
    assert stored.ended_at == T0 + timedelta(minutes=12)


def test_times_come_back_as_aware_utc(memory_db: Database, protocol: Protocol) -> None:
    local = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    session_id = memory_db.repository.start_session(protocol, "timer", local)
    [stored] = memory_db.repository.recent_sessions()
    assert stored.id == session_id
    assert stored.started_at == local
    assert stored.started_at.utcoffset() == timedelta(0)
    assert stored.started_at.hour == 7


def test_a_naive_time_is_refused(memory_db: Database, protocol: Protocol) -> None:
    with pytest.raises(ValueError, match="no timezone"):
        memory_db.repository.start_session(protocol, "timer", datetime(2026, 3, 2, 7, 30))
    assert memory_db.repository.recent_sessions() == []


def test_each_hold_is_visible_to_another_connection_at_once(
    tmp_path: Path, protocol: Protocol
) -> None:
    # Committed means another process could read it now, before the session finishes.
    writer = open_database(tmp_path)
    reader = open_database(tmp_path)
    session_id = writer.repository.start_session(protocol, "timer", T0)
    for index in range(3):
        writer.repository.record_hold(session_id, make_hold(index), "timer")
        seen = reader.repository.get_session(session_id)
        assert seen is not None and len(seen.holds) == index + 1
    writer.close()
    reader.close()


@pytest.mark.parametrize("value", [-1, 11, 3.5, True, "3", None, 100])
def test_pain_outside_0_to_10_integers_is_refused(
    memory_db: Database, protocol: Protocol, value: object
) -> None:
    session_id = memory_db.repository.start_session(protocol, "timer", T0)
    with pytest.raises(ValueError, match="whole number from 0 to 10"):
        memory_db.repository.record_pain(session_id, "before", value, T0)  # type: ignore[arg-type]
    stored = memory_db.repository.get_session(session_id)
    assert stored is not None and stored.pain_ratings == ()


@pytest.mark.parametrize("value", [0, 10])
def test_pain_bounds_are_accepted(memory_db: Database, protocol: Protocol, value: int) -> None:
    session_id = memory_db.repository.start_session(protocol, "timer", T0)
    memory_db.repository.record_pain(session_id, "after", value, T0)
    stored = memory_db.repository.get_session(session_id)
    assert stored is not None and stored.pain_after == value


def test_a_new_pain_rating_replaces_the_old_one(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    session_id = repo.start_session(protocol, "timer", T0)
    first = repo.record_pain(session_id, "before", 6, T0)
    second = repo.record_pain(session_id, "before", 4, T0 + timedelta(seconds=5))
    stored = repo.get_session(session_id)
    assert first == second
    assert stored is not None and stored.pain_before == 4 and len(stored.pain_ratings) == 1
    assert stored.pain_ratings[0].moment is PainMoment.BEFORE


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r, s: r.record_pain(s, "during", 3, T0), "'before' or 'after'"),
        (lambda r, s: r.add_note(s, "   ", T0), "must not be empty"),
        (lambda r, s: r.record_hold(s, make_hold(0), "radar"), "unknown source"),
        (lambda r, s: r.record_hold(s, make_hold(0, counted_s=-1), "timer"), "non-negative"),
        (lambda r, s: r.record_hold(s, make_hold(0), "timer", faults={"arch": -2}), "≥ 0"),
        (lambda r, s: r.record_pain("nope", "before", 3, T0), "no session"),
        (lambda r, s: r.add_note("nope", "hi", T0), "no session"),
        (lambda r, s: r.finish_session("nope", SessionStatus.COMPLETED, T0), "no session"),
        (lambda r, s: r.recent_sessions(0), "at least 1"),
        (lambda r, s: r.add_note(s, "hi", datetime(2026, 3, 2)), "no timezone"),
    ],
)
def test_bad_writes_are_refused_with_a_clear_message(
    memory_db: Database,
    protocol: Protocol,
    call: Callable[[Repository, str], object],
    message: str,
) -> None:
    session_id = memory_db.repository.start_session(protocol, "timer", T0)
    with pytest.raises(ValueError, match=message):
        call(memory_db.repository, session_id)
    stored = memory_db.repository.get_session(session_id)
    assert stored is not None and stored.holds == () and stored.notes == ()


def test_recent_sessions_newest_first_with_a_limit(memory_db: Database, protocol: Protocol) -> None:
    ids = [
        memory_db.repository.start_session(protocol, "timer", T0 + timedelta(days=day))
        for day in (2, 0, 1)
    ]
    recent = memory_db.repository.recent_sessions(limit=2)
    assert [s.id for s in recent] == [ids[0], ids[2]]


def test_sessions_between_is_half_open_and_oldest_first(
    memory_db: Database, protocol: Protocol
) -> None:
    repo = memory_db.repository
    ids = [repo.start_session(protocol, "timer", T0 + timedelta(days=d)) for d in range(4)]
    between = repo.sessions_between(T0 + timedelta(days=1), T0 + timedelta(days=3))
    assert [s.id for s in between] == ids[1:3]
    assert [s.id for s in repo.sessions_between(None, T0 + timedelta(days=1))] == ids[:1]
    assert [s.id for s in repo.sessions_between(T0 + timedelta(days=3), None)] == ids[3:]
    assert [s.id for s in repo.sessions_between(None, None)] == ids


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_is_alive(child.pid)
    return child.pid


def _set_pid(database: Database, session_id: str, pid: int, host: str | None = None) -> None:
    values: dict[str, object] = {"pid": pid}
    if host is not None:
        values["host"] = host
    with database.engine.begin() as conn:
        conn.execute(update(SessionRow).where(SessionRow.id == session_id).values(**values))


def test_a_dead_process_session_becomes_partial_ending_at_its_last_hold(
    memory_db: Database, protocol: Protocol
) -> None:
    repo = memory_db.repository
    with_holds = repo.start_session(protocol, "timer", T0)
    for index in range(3):
        repo.record_hold(with_holds, make_hold(index), "timer")
    without_holds = repo.start_session(protocol, "timer", T0 + timedelta(hours=1))
    dead = _dead_pid()
    _set_pid(memory_db, with_holds, dead)
    _set_pid(memory_db, without_holds, dead)

    assert sorted(repo.recover_interrupted()) == sorted([with_holds, without_holds])
    first, second = repo.get_session(with_holds), repo.get_session(without_holds)
    assert first is not None and second is not None
    assert first.status is SessionStatus.PARTIAL and len(first.holds) == 3
    assert first.ended_at == make_hold(2).ended_at
    assert second.status is SessionStatus.PARTIAL and second.ended_at == second.started_at
    assert repo.recover_interrupted() == []


def test_a_live_process_session_and_another_hosts_session_are_left_alone(
    memory_db: Database, protocol: Protocol
) -> None:
    repo = memory_db.repository
    mine = repo.start_session(protocol, "timer", T0)  # this process: alive
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = repo.start_session(protocol, "timer", T0)
        _set_pid(memory_db, theirs, sleeper.pid)
        remote = repo.start_session(protocol, "timer", T0)
        _set_pid(memory_db, remote, _dead_pid(), host="another-machine")
        assert repo.recover_interrupted() == []
        for session_id in (mine, theirs, remote):
            stored = repo.get_session(session_id)
            assert stored is not None and stored.status is SessionStatus.IN_PROGRESS
    finally:
        sleeper.kill()
        sleeper.wait()
    assert repo.recover_interrupted() == [theirs]


def test_opening_the_database_recovers_interrupted_sessions(
    tmp_path: Path, protocol: Protocol
) -> None:
    with open_database(tmp_path) as database:
        session_id = database.repository.start_session(protocol, "timer", T0)
        database.repository.record_hold(session_id, make_hold(0), "timer")
        _set_pid(database, session_id, _dead_pid())
    with open_database(tmp_path) as database:
        stored = database.repository.get_session(session_id)
    assert stored is not None and stored.status is SessionStatus.PARTIAL


def test_finish_session_records_status_and_end(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    session_id = repo.start_session(protocol, "timer", T0)
    repo.record_hold(session_id, make_hold(0, outcome=HoldOutcome.SKIPPED, counted_s=4), "timer")
    repo.finish_session(session_id, SessionStatus.PARTIAL, T0 + timedelta(minutes=2))
    stored = repo.get_session(session_id)
    assert stored is not None
    assert stored.status is SessionStatus.PARTIAL
    assert stored.ended_at == datetime(2026, 3, 2, 7, 32, tzinfo=UTC)
    assert stored.reps_done == 0 and stored.holds[0].counted_s == 4
