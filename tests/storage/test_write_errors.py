"""A write the disk refuses is a clear HistoryWriteError, and what was committed stays.

SQLite's own ``max_page_count`` limit makes the real driver answer SQLITE_FULL ("database or
disk is full") when the file would grow: the same error a full disk gives, without one.
(tests/cli/test_full_disk.py and tests/web/test_full_disk.py fill a real file-size limit.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from tests.storage.conftest import T0, make_hold

from hipflex.domain.protocol import Protocol
from hipflex.errors import DatabaseError, HistoryWriteError
from hipflex.storage.db import Database, disk_refused, open_database


def cap_file_at_current_size(database: Database) -> None:
    """From now on the database file may not grow by a single page."""
    engine = database.engine

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()  # every connection from now on is capped


def test_a_full_database_raises_history_write_error_and_keeps_what_was_saved(
    file_db: Database, protocol: Protocol
) -> None:
    repository = file_db.repository
    session_id = repository.start_session(protocol, "timer", T0)
    cap_file_at_current_size(file_db)
    saved = 0
    with pytest.raises(HistoryWriteError) as raised:
        for index in range(5000):
            repository.record_hold(session_id, make_hold(index), "timer")
            saved += 1
    error = raised.value
    assert isinstance(error, DatabaseError)  # every edge already shows these as messages
    assert error.message == (
        f"could not write to the history {file_db.location}: database or disk is full"
    )
    assert error.hint is not None and "free some disk space" in error.hint
    record = repository.get_session(session_id)
    assert record is not None
    assert len(record.holds) == saved  # the failed write was rolled back whole, nothing else


def test_reads_still_work_after_a_refused_write(file_db: Database, protocol: Protocol) -> None:
    repository = file_db.repository
    session_id = repository.start_session(protocol, "timer", T0)
    cap_file_at_current_size(file_db)
    with pytest.raises(HistoryWriteError):
        for index in range(5000):
            repository.record_hold(session_id, make_hold(index), "timer")
    assert [s.id for s in repository.recent_sessions(5)] == [session_id]


@pytest.mark.parametrize(
    ("code", "refused"),
    [
        (sqlite3.SQLITE_FULL, True),
        (sqlite3.SQLITE_IOERR, True),
        (sqlite3.SQLITE_IOERR | (3 << 8), True),  # SQLITE_IOERR_WRITE, an extended code
        (sqlite3.SQLITE_BUSY, False),  # locked: retried, never reported as a full disk
        (sqlite3.SQLITE_CONSTRAINT, False),
    ],
)
def test_which_driver_errors_mean_the_disk_refused(code: int, refused: bool) -> None:
    error = sqlite3.OperationalError("x")
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    assert disk_refused(error) is refused


def test_postgresql_disk_full_is_recognised() -> None:
    class PgError(Exception):
        sqlstate = "53100"

    assert disk_refused(PgError())
    assert not disk_refused(ValueError("not a driver error"))


def test_close_closes_the_page_cache_connection(tmp_path: Path) -> None:
    database = open_database(tmp_path / "data")
    assert database.repository.history_revision() is not None  # opens the probe's connection
    probe = database.repository._revision_probe  # type: ignore[attr-defined]
    connection = probe._connection.dbapi_connection
    database.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("select 1")
    assert database.repository.history_revision() is None  # unknown: nothing is cached
