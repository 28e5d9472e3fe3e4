"""Opening the database: settings, and refusing what must not be touched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from hipflex.domain.protocol import Protocol
from hipflex.errors import DatabaseError, DataDirError
from hipflex.storage.db import BUSY_TIMEOUT_S, DB_FILENAME, Database, open_database
from hipflex.storage.migrate import head_revision

from .conftest import T0, make_hold


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_sqlite_file_uses_wal_foreign_keys_and_a_busy_timeout(file_db: Database) -> None:
    with file_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_S * 1000
    assert file_db.path is not None and file_db.path.name == DB_FILENAME


def test_foreign_keys_are_enforced(memory_db: Database) -> None:
    with pytest.raises(ValueError, match="no session"):
        memory_db.repository.record_hold("no-such-session", make_hold(0), "timer")
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), memory_db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO notes (id, session_id, text, created_at) "
            "VALUES ('n1', 'missing', 'x', '2026-01-01 00:00:00')"
        )


def test_reopening_keeps_the_data(tmp_path: Path, protocol: Protocol) -> None:
    with open_database(tmp_path) as database:
        session_id = database.repository.start_session(protocol, "timer", T0)
    with open_database(tmp_path) as database:
        stored = database.repository.get_session(session_id)
    assert stored is not None and stored.protocol_name == protocol.name


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(os.urandom(8192), id="random-bytes"),
        pytest.param(b"SQLite format 3\x00" + b"\x00" * 20, id="header-only"),
        pytest.param(b"hello, I am a text file\n" * 10, id="text"),
    ],
)
def test_a_file_that_is_not_sqlite_is_refused_and_left_byte_identical(
    tmp_path: Path, content: bytes
) -> None:
    db_file = tmp_path / DB_FILENAME
    db_file.write_bytes(content)
    before = _digest(db_file)
    with pytest.raises(DatabaseError, match="left untouched") as caught:
        open_database(tmp_path)
    assert str(db_file) in caught.value.message
    assert _digest(db_file) == before
    assert _files(tmp_path) == {DB_FILENAME}  # no -wal, -shm or journal created either


def test_a_truncated_database_is_refused_and_left_byte_identical(
    tmp_path: Path, protocol: Protocol
) -> None:
    with open_database(tmp_path) as database:
        session_id = database.repository.start_session(protocol, "timer", T0)
        for index in range(30):
            database.repository.record_hold(session_id, make_hold(index), "timer")
            database.repository.add_note(session_id, "n" * 3000, T0)
    db_file = tmp_path / DB_FILENAME
    data = db_file.read_bytes()
    assert len(data) > 8 * 4096
    db_file.write_bytes(data[: len(data) // 2])
    before = _digest(db_file)
    with pytest.raises(DatabaseError, match="corrupt"):
        open_database(tmp_path)
    assert _digest(db_file) == before
    assert _files(tmp_path) == {DB_FILENAME}


def test_a_database_from_a_newer_hipflex_is_refused_untouched(tmp_path: Path) -> None:
    open_database(tmp_path).close()
    db_file = tmp_path / DB_FILENAME
    with sqlite3.connect(db_file) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.close()
    before = _digest(db_file)
    with pytest.raises(DatabaseError, match="newer hipflex") as caught:
        open_database(tmp_path)
    assert caught.value.hint is not None and "upgrade hipflex" in caught.value.hint
    assert _digest(db_file) == before
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_from_the_future",)
        ]
    conn.close()
    assert head_revision() != "9999_from_the_future"


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    db_file = tmp_path / DB_FILENAME
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(DatabaseError, match="not a hipflex history database"):
        open_database(tmp_path)
    with sqlite3.connect(db_file) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert tables == {"photos"}


def _rollback_journal(db_file: Path) -> None:
    """Put the file in rollback-journal mode, as another program (or a copy) may leave it."""
    conn = sqlite3.connect(db_file)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    conn.close()


def test_a_foreign_database_in_rollback_journal_mode_is_left_byte_identical(
    tmp_path: Path,
) -> None:
    db_file = tmp_path / DB_FILENAME
    conn = sqlite3.connect(db_file)
    with conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos (name) VALUES ('beach')")
    conn.close()
    _rollback_journal(db_file)
    before = _digest(db_file)
    with pytest.raises(DatabaseError, match="not a hipflex history database") as caught:
        open_database(tmp_path)
    assert "photos" in caught.value.message
    assert _digest(db_file) == before  # the header still says rollback journal
    assert _files(tmp_path) == {DB_FILENAME}


def test_a_newer_database_in_rollback_journal_mode_is_left_byte_identical(
    tmp_path: Path,
) -> None:
    open_database(tmp_path).close()
    db_file = tmp_path / DB_FILENAME
    conn = sqlite3.connect(db_file)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.close()
    _rollback_journal(db_file)
    before = _digest(db_file)
    with pytest.raises(DatabaseError, match="newer hipflex"):
        open_database(tmp_path)
    assert _digest(db_file) == before
    assert _files(tmp_path) == {DB_FILENAME}


def test_our_own_database_in_rollback_journal_mode_opens_and_is_switched_to_wal(
    tmp_path: Path, protocol: Protocol
) -> None:
    with open_database(tmp_path) as database:
        session_id = database.repository.start_session(protocol, "timer", T0)
    _rollback_journal(tmp_path / DB_FILENAME)
    with open_database(tmp_path) as database, database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert database.repository.get_session(session_id) is not None


def test_a_data_dir_below_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DataDirError, match="cannot create data dir"):
        open_database(blocker / "hipflex")
    with pytest.raises(DataDirError, match="not a directory"):
        open_database(blocker)


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes through chmod 0o500; the file-path case covers it"
)
def test_a_read_only_data_dir_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(DataDirError, match="not writable"):
            open_database(locked)
    finally:
        locked.chmod(0o700)


def test_database_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    monkeypatch.setenv("HIPFLEX_DATABASE_URL", f"sqlite:///{elsewhere}")
    with open_database(tmp_path / "data") as database:
        assert database.path is None
        assert str(elsewhere) in database.location
    assert elsewhere.exists()
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("nosuchdb://x/y", "unknown kind of database"),
        ("postgresql+nosuchdriver://u@h/db", "unknown kind of database"),
    ],
)
def test_a_bad_database_url_is_a_user_error(url: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message):
        open_database(url=url)


@pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("psycopg") is not None,
    reason="psycopg is installed here; this checks the message when it is not",
)
def test_postgresql_without_its_driver_gives_an_install_hint() -> None:
    with pytest.raises(DatabaseError, match="no driver") as caught:
        open_database(url="postgresql+psycopg://user@localhost/hipflex")
    assert caught.value.hint is not None and "hipflex[postgres]" in caught.value.hint
