"""Corrections: edit pain, note and demo; soft delete with an undo window; short ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.insights.synthetic import synthetic_session
from hipflex.storage.corrections import (
    UNDO_WINDOW,
    SessionCorrection,
    SessionIdError,
    unique_prefix_length,
)
from hipflex.storage.db import Database
from hipflex.storage.tables import HoldRow, NoteRow, PainRatingRow, SessionRow

from .conftest import T0, make_hold


def _session(database: Database, protocol: Protocol, start=T0, demo: bool = False) -> str:  # type: ignore[no-untyped-def]
    repo = database.repository
    session_id = repo.start_session(protocol, "timer", start, demo=demo)
    for index in range(2):
        repo.record_hold(session_id, make_hold(index, Side.RIGHT, start=start), "timer")
    repo.record_pain(session_id, "before", 5, start)
    repo.add_note(session_id, "first note", start + timedelta(minutes=5))
    repo.add_note(session_id, "second note", start + timedelta(minutes=6))
    repo.finish_session(session_id, SessionStatus.COMPLETED, start + timedelta(minutes=6))
    return session_id


def _count(database: Database, table: type) -> int:  # type: ignore[type-arg]
    with database.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_demo_is_stored_and_read_back(memory_db: Database, protocol: Protocol) -> None:
    real = _session(memory_db, protocol)
    demo = _session(memory_db, protocol, T0 + timedelta(hours=1), demo=True)
    stored = {s.id: s.demo for s in memory_db.repository.sessions_between(None, None)}
    assert stored == {real: False, demo: True}
    assert memory_db.repository.first_session_started_at() == T0
    memory_db.repository.correct_session(real, SessionCorrection(demo=True), T0)
    assert memory_db.repository.first_session_started_at() is None
    assert memory_db.repository.first_session_started_at(include_demo=True) == T0


def test_edit_pain_and_note(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    session_id = _session(memory_db, protocol)
    edited = repo.correct_session(
        session_id,
        SessionCorrection(pain_before=3, pain_after=1, note="  knee sore  "),
        T0 + timedelta(days=1),
    )
    assert (edited.pain_before, edited.pain_after) == (3, 1)
    assert [n.text for n in edited.notes] == ["knee sore"]
    after = next(p for p in edited.pain_ratings if p.moment.value == "after")
    assert after.recorded_at == T0 + timedelta(minutes=6)  # dated at the session's end
    before = next(p for p in edited.pain_ratings if p.moment.value == "before")
    assert before.recorded_at == T0  # an edited rating keeps its time
    cleared = repo.correct_session(session_id, SessionCorrection(pain_after=None, note=""), T0)
    assert (cleared.pain_before, cleared.pain_after, cleared.notes) == (3, None, ())
    untouched = repo.correct_session(session_id, SessionCorrection(), T0)
    assert untouched == cleared


@pytest.mark.parametrize("value", [-1, 11, 4.5, True])
def test_an_edit_outside_0_to_10_changes_nothing(
    memory_db: Database, protocol: Protocol, value: object
) -> None:
    repo = memory_db.repository
    session_id = _session(memory_db, protocol)
    before = repo.get_session(session_id)
    with pytest.raises(ValueError, match="pain must be a whole number"):
        repo.correct_session(session_id, SessionCorrection(pain_after=value, note="x"), T0)  # type: ignore[arg-type]
    assert repo.get_session(session_id) == before


def test_delete_hides_at_once_and_undo_restores(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    keep = _session(memory_db, protocol)
    gone = _session(memory_db, protocol, T0 + timedelta(hours=2))
    original = repo.get_session(gone)
    deleted_at = T0 + timedelta(days=1)
    assert repo.delete_session(gone, deleted_at) == original
    assert [s.id for s in repo.sessions_between(None, None)] == [keep]
    assert [s.id for s in repo.recent_sessions()] == [keep]
    assert repo.get_session(gone) is None
    with pytest.raises(SessionIdError):
        repo.resolve_session_id(gone[:8])
    restored = repo.undo_delete(deleted_at + UNDO_WINDOW - timedelta(seconds=1))
    assert restored == original
    assert repo.undo_delete(deleted_at + timedelta(minutes=1)) is None  # nothing left to undo


def test_undo_restores_the_latest_deletion_first(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    first = _session(memory_db, protocol)
    second = _session(memory_db, protocol, T0 + timedelta(hours=2))
    now = T0 + timedelta(days=1)
    repo.delete_session(first, now)
    repo.delete_session(second, now + timedelta(minutes=1))
    assert [s and s.id for s in (repo.undo_delete(now + timedelta(minutes=2)),)] == [second]
    assert [s and s.id for s in (repo.undo_delete(now + timedelta(minutes=2)),)] == [first]


def test_after_the_window_undo_finds_nothing_and_purge_removes_everything(
    memory_db: Database, protocol: Protocol
) -> None:
    repo = memory_db.repository
    keep = _session(memory_db, protocol)
    gone = _session(memory_db, protocol, T0 + timedelta(hours=2))
    deleted_at = T0 + timedelta(days=1)
    repo.delete_session(gone, deleted_at)
    late = deleted_at + UNDO_WINDOW + timedelta(seconds=1)
    assert repo.undo_delete(late) is None
    assert _count(memory_db, SessionRow) == 2  # still there until purged
    assert repo.purge_deleted(deleted_at + timedelta(minutes=1)) == 0  # within the window
    assert repo.purge_deleted(late) == 1
    assert _count(memory_db, SessionRow) == 1
    assert (_count(memory_db, HoldRow), _count(memory_db, PainRatingRow)) == (2, 1)
    assert _count(memory_db, NoteRow) == 2
    assert [s.id for s in repo.sessions_between(None, None)] == [keep]


def test_an_in_progress_session_cannot_be_deleted(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    session_id = repo.start_session(protocol, "timer", T0)
    with pytest.raises(ValueError, match="still in progress"):
        repo.delete_session(session_id, T0 + timedelta(minutes=1))
    assert repo.get_session(session_id) is not None


def test_ids_resolve_from_a_unique_prefix(memory_db: Database, protocol: Protocol) -> None:
    repo = memory_db.repository
    ids = [_session(memory_db, protocol, T0 + timedelta(hours=h)) for h in range(3)]
    length = repo.short_id_length()
    assert length >= 6
    for session_id in ids:
        assert repo.resolve_session_id(session_id[:length].upper()) == session_id
        assert repo.resolve_session_id(session_id) == session_id
    with pytest.raises(SessionIdError, match="no session"):
        repo.resolve_session_id("zzzzzz")
    with pytest.raises(SessionIdError, match="give a session id"):
        repo.resolve_session_id("  ")
    with pytest.raises(SessionIdError, match="no session"):
        repo.resolve_session_id("%")  # a LIKE wildcard is a plain character here


def test_an_ambiguous_prefix_asks_for_more(memory_db: Database) -> None:
    ids = ["aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"]
    records = [
        replace(synthetic_session(T0 + timedelta(hours=h), reps=1), id=session_id, holds=())
        for h, session_id in enumerate(ids)
    ]
    memory_db.repository.import_sessions(records)
    with pytest.raises(SessionIdError, match="more than one session"):
        memory_db.repository.resolve_session_id("aaaaaaaa")
    assert memory_db.repository.short_id_length() == len(ids[0])
    assert memory_db.repository.resolve_session_id(ids[1]) == ids[1]


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ([], 6),
        (["abcdef12", "abcdff34"], 6),
        (["abcdef12", "abcdef34"], 7),
        (["abcdef1234", "abcdef1235", "b0000000"], 10),
    ],
)
def test_unique_prefix_length(ids: list[str], expected: int) -> None:
    assert unique_prefix_length(sorted(ids)) == expected
