"""Opening the clinic database (PostgreSQL through psycopg 3) and migrating it.

``open_clinic_database(url)`` checks the server is reachable and the schema is this version's;
``migrate(url)`` brings an older schema up to date (``hipflex clinic migrate``). A database
from a newer hipflex, or one that is not a clinic database, is refused and left untouched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from hipflex.errors import DatabaseError

ENV_CLINIC_DATABASE_URL = "HIPFLEX_CLINIC_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "clinic_alembic_version"
# Two `hipflex clinic migrate` at once (two machines upgrading): the second waits its turn.
MIGRATION_LOCK_ID = 0x68697066  # "hipf"
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 15_000


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached right now (down, restarting, connection killed)."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def resolve_url(url: str | None) -> str:
    """``url``, else ``$HIPFLEX_CLINIC_DATABASE_URL``; a plain ``postgresql://`` URL is given
    the psycopg 3 driver."""
    chosen = url or os.environ.get(ENV_CLINIC_DATABASE_URL)
    if not chosen:
        raise DatabaseError(
            "no clinic database given",
            hint=f"pass --database-url postgresql://USER:PASSWORD@HOST/DB or set "
            f"${ENV_CLINIC_DATABASE_URL}",
        )
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise DatabaseError("not a database URL (postgresql://USER:PASSWORD@HOST/DB)") from None
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError(
            f"the clinic server needs PostgreSQL, not {parsed.get_backend_name()}",
            hint="see docs/clinic.md for setting up PostgreSQL",
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_clinic_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the clinic database; ``kwargs`` go to SQLAlchemy (pool sizes)."""
    resolved = resolve_url(url)
    connect_args = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        "application_name": "hipflex-clinic",
    }
    try:
        return create_engine(
            resolved, pool_pre_ping=True, connect_args=connect_args, future=True, **kwargs
        )
    except (NoSuchModuleError, ImportError):
        raise DatabaseError(
            "the PostgreSQL driver (psycopg 3) is not installed",
            hint="pip install 'hipflex[clinic]'",
        ) from None


def location(engine: Engine) -> str:
    """The URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config_for_script()).get_current_head()
    assert head is not None, "no clinic migrations shipped"
    return head


def _config_for_script() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def schema_state(engine: Engine) -> SchemaState:
    """Where the database's schema stands; raises ``DatabaseError`` for a foreign one."""
    try:
        with _connect(engine) as connection:
            current = _current(connection)
            _check_known(connection, current, location(engine))
    except DBAPIError as exc:
        raise DatabaseUnavailable(f"the clinic database failed: {reason(exc)}") from None
    return SchemaState(current=current, head=head_revision())


def _check_known(connection: Connection, current: str | None, where: str) -> None:
    script = ScriptDirectory.from_config(_config_for_script())
    if current is None:
        tables = set(inspect(connection).get_table_names()) - {VERSION_TABLE}
        clinic_tables = set(_table_names())
        if tables & clinic_tables:
            raise DatabaseError(
                f"{where} has tables named like the clinic's ({', '.join(sorted(tables))}) "
                "but no clinic schema version; it was left untouched",
                hint="use an empty database for the clinic",
            )
        return
    try:
        script.get_revision(current)
    except CommandError:
        raise DatabaseError(
            f"{where} was made by a newer hipflex (clinic schema {current!r} is unknown to "
            f"this version, which knows up to {script.get_current_head()!r})",
            hint="upgrade hipflex; the database was left untouched",
        ) from None


def _table_names() -> list[str]:
    from hipflex.storage.clinic.tables import ClinicBase

    return list(ClinicBase.metadata.tables)


def migrate(engine: Engine, revision: str = "head") -> SchemaState:
    """Upgrade (or, for tests and repairs, downgrade) the schema to ``revision``, in one
    transaction under an advisory lock: a failed migration leaves the schema as it was."""
    try:
        with _connect(engine) as connection, connection.begin():
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
            current = _current(connection)
            _check_known(connection, current, location(engine))
            config = _config(connection)
            if revision == "base" or _is_older(revision, current):
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
    except DBAPIError as exc:
        raise DatabaseError(
            f"migrating {location(engine)} failed, nothing was changed: {reason(exc)}",
            hint="does the URL's user own the database (it must create tables)?",
        ) from None
    return schema_state(engine)


def _is_older(target: str, current: str | None) -> bool:
    if current is None:
        return False
    script = ScriptDirectory.from_config(_config_for_script())
    return any(rev.revision == target for rev in script.iterate_revisions(current, "base")) and (
        target != current
    )


def check_ready(engine: Engine) -> None:
    """Refuse to serve an unreachable database or one whose schema is not this version's."""
    state = schema_state(engine)
    if state.current is None:
        raise DatabaseError(
            f"{location(engine)} has no clinic schema yet",
            hint="run `hipflex clinic init` (or `hipflex clinic migrate`) first",
        )
    if not state.up_to_date:
        raise DatabaseError(
            f"{location(engine)} has clinic schema {state.current}, this hipflex needs "
            f"{state.head}",
            hint="back it up (pg_dump), then run `hipflex clinic migrate`",
        )


class _connect:
    """``engine.connect()`` with unreachable-server errors turned into ``DatabaseUnavailable``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def __enter__(self) -> Connection:
        try:
            self.connection = self.engine.connect()
        except DBAPIError as exc:
            raise DatabaseUnavailable(
                f"cannot reach the clinic database {location(self.engine)}: {reason(exc)}",
                hint="is PostgreSQL running, and are the URL's user and password right?",
            ) from None
        return self.connection

    def __exit__(self, *exc: object) -> None:
        if self.connection is not None:
            self.connection.close()


def reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    text_ = str(original) if original is not None else str(exc)
    return text_.strip().splitlines()[0] if text_.strip() else type(exc).__name__
