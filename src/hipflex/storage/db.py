"""Opening the history database: SQLite in the data dir by default, PostgreSQL by URL.

Opening checks before it writes anything: a file that is not an intact SQLite database, or a
schema from a newer hipflex, is refused with :class:`~hipflex.errors.DatabaseError` and left
byte-for-byte as it was. Then it migrates to the newest schema and marks sessions of processes
that died (kill -9, power cut) as partial.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from hipflex.errors import DatabaseError, HistoryWriteError
from hipflex.settings import ENV_DATABASE_URL, resolve_data_dir
from hipflex.storage.migrate import (
    check_known_revision,
    current_revision,
    head_revision,
    upgrade_to_head,
)
from hipflex.storage.repository import READ_ONLY_OPTION, Repository

DB_FILENAME = "hipflex.db"
# Two terminals may write at once; a writer waits this long for the other's transaction.
BUSY_TIMEOUT_S = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER_BYTES = 100
# SQLite's primary result codes for a write the disk refused (extended codes keep these in
# their low byte): SQLITE_IOERR (disk I/O error) and SQLITE_FULL (database or disk is full).
SQLITE_IOERR = 10
SQLITE_FULL = 13
# PostgreSQL's SQLSTATEs for the same: disk_full, io_error.
POSTGRES_DISK_STATES = frozenset({"53100", "58030"})
WRITE_FAILED_HINT = (
    "free some disk space (or check the disk), then carry on: everything saved before this is kept"
)


@dataclass
class Database:
    """An open history database. Use :attr:`repository` to read and write; close when done."""

    engine: Engine
    repository: Repository
    location: str  # file path or URL without password, for messages
    path: Path | None  # the SQLite file, when there is one

    def close(self) -> None:
        """Release every connection, the page cache's revision probe too (SQLite then folds
        its write-ahead log back into the file)."""
        self.repository.close()
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_database(data_dir: Path | None = None, url: str | None = None) -> Database:
    """Open (creating and migrating as needed) the history database.

    ``url`` wins, then ``$HIPFLEX_DATABASE_URL``, then ``hipflex.db`` in the data dir
    (``data_dir`` or the default one). Raises ``DataDirError`` for an unusable data dir and
    ``DatabaseError`` for a corrupt, foreign or newer database, or one that cannot be reached.
    """
    url = url or os.environ.get(ENV_DATABASE_URL) or None
    path: Path | None = None
    if url is None:
        path = resolve_data_dir(data_dir) / DB_FILENAME
        check_sqlite_file(path)
        url = f"sqlite:///{path}"
    engine = _create_engine(url)
    location = str(path) if path else engine.url.render_as_string(hide_password=True)
    _report_refused_writes(engine, location)
    try:
        _migrate(engine, location)
        repository = Repository(engine)
        repository.recover_interrupted()
    except DatabaseError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot use the database {location}: {_reason(exc)}") from None
    return Database(engine=engine, repository=repository, location=location, path=path)


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database; read-only, never modifies it."""
    if not path.exists() or path.stat().st_size == 0:
        return  # a new database
    try:
        with path.open("rb") as handle:
            header = handle.read(SQLITE_HEADER_BYTES)
    except OSError as exc:
        raise DatabaseError(f"cannot read the database {path}: {exc.strerror or exc}") from None
    if len(header) < SQLITE_HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        raise DatabaseError(
            f"{path} is not a SQLite database (corrupt or overwritten); it was left untouched",
            hint="restore it from a backup or an export, or move it away to start afresh",
        )
    problems = _quick_check(path)
    if problems:
        raise DatabaseError(
            f"{path} is corrupt ({problems}); it was left untouched",
            hint="restore it from a backup or an export, or move it away to start afresh",
        )
    # Another program's database, or one from a newer hipflex, must be refused before the
    # connection switches it to WAL: that rewrites the header of a rollback-journal file.
    _check_schema_read_only(path)


def _read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that cannot change ``path`` in any way."""
    wal = path.with_name(path.name + "-wal")
    # Without a write-ahead log the file is the whole database: open it immutable, which
    # creates no -wal/-shm files. With one (a crash left it), SQLite must read it too.
    try:
        has_wal = wal.stat().st_size > 0
    except FileNotFoundError:  # none, or another terminal's last connection just removed it
        has_wal = False
    mode = "mode=ro" if has_wal else "mode=ro&immutable=1"
    return sqlite3.connect(
        f"{path.as_uri()}?{mode}", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False
    )


def _quick_check(path: Path) -> str:
    """SQLite's own structural check over a read-only connection; '' when the file is sound."""
    try:
        conn = _read_only_connection(path)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as exc:
        if _in_use(exc):
            return ""  # another terminal is writing: in use, not corrupt
        return str(exc)
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    messages = [str(row[0]) for row in rows]
    return "" if messages == ["ok"] else "; ".join(messages[:3])


def _check_schema_read_only(path: Path) -> None:
    """``check_known_revision`` over a read-only connection (raises ``DatabaseError``)."""
    engine = create_engine(
        "sqlite://", creator=lambda: _read_only_connection(path), poolclass=NullPool
    )
    try:
        with engine.connect() as connection:
            check_known_revision(connection, str(path))
    except OperationalError as exc:
        if not _in_use(exc.orig):
            raise DatabaseError(f"cannot read the database {path}: {_reason(exc)}") from None
        # In use by another terminal: the check runs again once opened (see _migrate).
    finally:
        engine.dispose()


def _in_use(exc: BaseException | None) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r}") from None
    kwargs: dict[str, Any] = {}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise DatabaseError(f"unknown kind of database in URL: {parsed.drivername!r}") from None
    except ImportError as exc:
        raise DatabaseError(
            f"no driver for {parsed.get_backend_name()} ({exc.name or exc} is not installed)",
            hint="for PostgreSQL install the extra: pip install 'hipflex[postgres]'",
        ) from None
    if sqlite:
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Switching a new file to WAL needs an exclusive lock, and SQLite answers "locked" at
        # once (no busy wait) when another terminal is opening the same new file: retry.
        _when_unlocked(lambda: cursor.execute("PRAGMA journal_mode = WAL"))
        # FULL: a committed hold survives a power cut, not just a killed process.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            # A read is a WAL snapshot: it takes no write lock and never blocks the writer.
            connection.exec_driver_sql("BEGIN")
            return
        # A write takes the write lock up front: a deferred transaction that reads and then
        # writes fails at once with SQLITE_BUSY (no busy wait) when another terminal wrote in
        # between; an immediate one waits its turn (busy timeout), and is retried until the
        # deadline for the rare "busy" answers SQLite gives without waiting.
        _when_unlocked(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"))


def _report_refused_writes(engine: Engine, location: str) -> None:
    """A write the disk refuses (full, I/O error) raises :class:`HistoryWriteError`, which
    every edge shows as a message, instead of a driver traceback."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        original = context.original_exception
        if disk_refused(original):
            raise HistoryWriteError(
                f"could not write to the history {location}: {original}",
                hint=WRITE_FAILED_HINT,
            ) from context.sqlalchemy_exception


def disk_refused(error: BaseException | None) -> bool:
    """True for a driver error that means the disk refused a write (full or failing)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_IOERR, SQLITE_FULL)
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return state in POSTGRES_DISK_STATES


def _when_unlocked(action: Callable[[], object]) -> None:
    """Run ``action``, retrying while SQLite reports the database locked or busy, until the
    busy timeout has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            action()
            return
        except (sqlite3.OperationalError, OperationalError) as exc:
            if not _in_use(getattr(exc, "orig", exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _migrate(engine: Engine, location: str) -> None:
    # Check in a read transaction: opening a current database takes no write lock, so many
    # terminals and pages opening it never queue behind a session's writes.
    with engine.connect() as connection:
        connection.execution_options(**{READ_ONLY_OPTION: True})
        check_known_revision(connection, location)
        if current_revision(connection) == head_revision():
            return
    # Migrate in one write transaction (a write lock on SQLite): two terminals opening a new
    # database at the same moment migrate it once, one after the other.
    with engine.begin() as connection:
        check_known_revision(connection, location)
        if current_revision(connection) != head_revision():
            upgrade_to_head(connection)


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    return str(original) if original is not None else str(exc).splitlines()[0]
