"""Alembic, driven from code: the migrations ship inside the package (``storage/migrations``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from hipflex.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config for our migrations, bound to ``connection`` (or ``url``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates "%": escape it so URLs with encoded passwords survive.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this version of hipflex knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def check_known_revision(connection: Connection, where: str) -> None:
    """Refuse a database whose schema this hipflex does not know (made by a newer one)."""
    script = ScriptDirectory.from_config(alembic_config())
    revision = current_revision(connection)
    if revision is None:
        tables = set(inspect(connection).get_table_names())
        if tables - {"alembic_version"}:
            raise DatabaseError(
                f"{where} is not a hipflex history database (it has tables "
                f"{', '.join(sorted(tables))} but no hipflex schema version)",
                hint="move it away or choose another data dir with --data-dir",
            )
        return
    try:
        script.get_revision(revision)
    except CommandError:
        raise DatabaseError(
            f"{where} was made by a newer hipflex (schema revision {revision!r} is unknown "
            f"to this version, which knows up to {script.get_current_head()!r})",
            hint="upgrade hipflex; the database was left untouched",
        ) from None


def upgrade_to_head(connection: Connection) -> None:
    """Migrate the database on ``connection`` to the newest revision (no-op when current)."""
    command.upgrade(alembic_config(connection), "head")


def downgrade_to(connection: Connection, revision: str) -> None:
    """Migrate down to ``revision`` (``"base"`` removes every table); for tests and repairs."""
    command.downgrade(alembic_config(connection), revision)
