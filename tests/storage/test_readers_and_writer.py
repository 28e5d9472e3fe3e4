"""Reads never take the write lock: people looking at their history never cost a hold (10.2).

The first tests pin the mechanism (a read transaction in progress leaves the write lock free);
the last one is real load: reader processes hammering the read paths of a large history while
real ``hipflex start`` sessions record their holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import HoldRecord, PainMoment, PainRecord, SessionRecord, Source
from hipflex.storage import db as db_module
from hipflex.storage.db import open_database
from hipflex.storage.repository import Repository, pain_rating_id
from hipflex.storage.tables import SessionRow

from .conftest import T0, make_hold


def _history(sessions: int) -> list[SessionRecord]:
    """``sessions`` daily completed sessions of 8 holds with pain ratings: a year is 365."""
    records = []
    for day in range(sessions):
        session_id = str(uuid.uuid4())
        start = T0 - timedelta(days=sessions - day)
        holds = tuple(
            HoldRecord(
                id=str(uuid.uuid4()),
                session_id=session_id,
                side=Side.RIGHT if index < 4 else Side.LEFT,
                rep=index % 4 + 1,
                target_s=30.0,
                counted_s=30.0,
                started_at=start + timedelta(minutes=index),
                ended_at=start + timedelta(minutes=index, seconds=30),
                outcome=HoldOutcome.COMPLETED,
                source=Source.TIMER,
            )
            for index in range(8)
        )
        pain = tuple(
            PainRecord(pain_rating_id(session_id, moment), session_id, moment, 3, start)
            for moment in PainMoment
        )
        records.append(
            SessionRecord(
                id=session_id,
                protocol_name="kneeling-hip-flexor",
                protocol_title="Half-kneeling hip flexor stretch",
                hold_target_s=30.0,
                holds_planned=8,
                started_at=start,
                ended_at=start + timedelta(minutes=10),
                status=SessionStatus.COMPLETED,
                source=Source.TIMER,
                pid=None,
                host=None,
                holds=holds,
                pain_ratings=pain,
            )
        )
    return records


def test_a_read_in_progress_leaves_the_write_lock_free(
    tmp_path: Path, protocol: Protocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short busy wait: with the old BEGIN IMMEDIATE reads, the writer below waited for the
    # reader's whole transaction and failed with "database is locked".
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.5)
    with open_database(tmp_path) as reader_db, open_database(tmp_path) as writer_db:
        session_id = writer_db.repository.start_session(protocol, "timer", T0)
        reading, release = threading.Event(), threading.Event()

        def long_read() -> None:
            with reader_db.repository.read_session() as db:
                db.execute(select(SessionRow.id)).all()  # the read transaction is open now
                reading.set()
                release.wait(timeout=30)

        reader = threading.Thread(target=long_read)
        reader.start()
        try:
            assert reading.wait(timeout=30)
            for index in range(3):
                writer_db.repository.record_hold(session_id, make_hold(index), "timer")
            writer_db.repository.finish_session(session_id, SessionStatus.COMPLETED, T0)
        finally:
            release.set()
            reader.join(timeout=30)
        stored = reader_db.repository.get_session(session_id)
    assert stored is not None and len(stored.holds) == 3


def _hold_the_write_lock(
    repository: Repository, session_id: str, release: threading.Event
) -> threading.Thread:
    """A thread in a write transaction (it holds the write lock) until ``release`` is set."""
    holding = threading.Event()

    def long_write() -> None:
        with repository.write_session() as db:
            db.get(SessionRow, session_id)
            holding.set()
            release.wait(timeout=30)

    writer = threading.Thread(target=long_write)
    writer.start()
    assert holding.wait(timeout=30)
    return writer


def test_writes_still_wait_for_each_other(tmp_path: Path, protocol: Protocol) -> None:
    """Two writers: the second waits (busy wait) for the first's transaction, then commits."""
    with open_database(tmp_path) as first, open_database(tmp_path) as second:
        session_id = first.repository.start_session(protocol, "timer", T0)
        release = threading.Event()
        writer = _hold_the_write_lock(first.repository, session_id, release)
        threading.Timer(0.3, release.set).start()
        second.repository.record_hold(session_id, make_hold(0), "timer")  # waits, then commits
        writer.join(timeout=30)
        stored = second.repository.get_session(session_id)
    assert stored is not None and len(stored.holds) == 1


@pytest.mark.parametrize(
    "read",
    [
        lambda repo: repo.pain_checkins_between(None, None),
        lambda repo: repo.first_session_started_at(),
        lambda repo: repo.short_id_length(),
        lambda repo: repo.resolve_session_id(repo.recent_sessions(1)[0].id[:8]),
        lambda repo: repo.recent_sessions(5),
    ],
    ids=["check-ins", "first-use", "short-ids", "resolve-id", "recent"],
)
def test_every_read_works_while_a_writer_holds_the_lock(
    tmp_path: Path,
    protocol: Protocol,
    monkeypatch: pytest.MonkeyPatch,
    read: Callable[[Repository], object],
) -> None:
    """The pages' other reads (check-ins, first use, short ids) take no write lock either:
    each answers while another terminal's write transaction is open."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.5)
    with open_database(tmp_path) as writer_db, open_database(tmp_path) as reader_db:
        session_id = writer_db.repository.start_session(protocol, "timer", T0)
        writer_db.repository.finish_session(session_id, SessionStatus.COMPLETED, T0)
        release = threading.Event()
        writer = _hold_the_write_lock(writer_db.repository, session_id, release)
        try:
            read(reader_db.repository)  # "database is locked" if the read wanted the lock
        finally:
            release.set()
            writer.join(timeout=30)


READER = """
import json, random, sys, time, traceback
from pathlib import Path
from hipflex.storage.db import open_database

data_dir, stop, ready = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
deadline = time.monotonic() + 240
reads, opens, errors = 0, 0, []
while not stop.exists() and time.monotonic() < deadline:
    try:
        # As a CLI `history` does (open, read, close) and as the pages do (read again and again).
        with open_database(data_dir) as database:
            opens += 1
            repo = database.repository
            for _ in range(5):
                everything = repo.sessions_between(None, None)
                repo.recent_sessions(20)
                repo.get_session(random.choice(everything).id)
                reads += 3
                ready.touch()  # this reader is at work
                if stop.exists():
                    break
    except Exception:
        errors.append(traceback.format_exc(limit=3))
print(json.dumps({"reads": reads, "opens": opens, "errors": errors}))
"""

# Three readers a core: the writers wait on them often (12 took twice as long, same finding).
READERS = 6
SESSIONS_WRITTEN = 2


def test_sessions_lose_no_hold_while_many_readers_hammer_a_large_history(tmp_path: Path) -> None:
    data_dir, stop = tmp_path / "data", tmp_path / "stop"
    with open_database(data_dir) as database:
        database.repository.import_sessions(_history(365))
    env = {**os.environ, "HIPFLEX_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env.pop("HIPFLEX_DATABASE_URL", None)
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(data_dir), str(stop), str(tmp_path / f"r{n}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for n in range(READERS)
    ]
    try:
        # Every reader is at work before the sessions open the database.
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"r{n}").exists() for n in range(READERS)):
            assert time.monotonic() < deadline, "the readers did not start"
            assert all(reader.poll() is None for reader in readers)
            time.sleep(0.1)
        # Two terminals at once, each a whole session: 8 holds, each committed as it ends.
        sessions = [
            subprocess.Popen(
                [sys.executable, "-m", "hipflex", "start", "--no-input", "--speed", "100"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                stdin=subprocess.DEVNULL,
            )
            for _ in range(SESSIONS_WRITTEN)
        ]
        for session in sessions:
            _out, err = session.communicate(timeout=240)
            assert session.returncode == 0, err
            assert "Traceback" not in err
    finally:
        stop.touch()
        results = [json.loads(reader.communicate(timeout=120)[0]) for reader in readers]
    with open_database(data_dir) as database:
        written = database.repository.recent_sessions(SESSIONS_WRITTEN)
    reads = sum(r["reads"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    print(
        f"\n{READERS} readers: {reads} reads, {sum(r['opens'] for r in results)} opens, "
        f"{len(errors)} reader errors; {SESSIONS_WRITTEN} sessions, "
        f"{sum(len(s.holds) for s in written)} holds saved"
    )
    assert errors == []
    assert all(r["reads"] > 0 for r in results)  # every reader did read during the sessions
    assert [s.status for s in written] == [SessionStatus.COMPLETED] * SESSIONS_WRITTEN
    assert all(len(s.holds) == 8 for s in written)
