"""The shipped migrations build the schema the code expects, and go down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import hipflex
from hipflex.storage.db import open_database
from hipflex.storage.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    downgrade_to,
    head_revision,
    upgrade_to_head,
)
from hipflex.storage.tables import Base

TABLES = {"sessions", "holds", "pain_ratings", "notes"}


def test_migrating_an_empty_database_creates_every_table(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.begin() as conn:
        assert current_revision(conn) is None
        upgrade_to_head(conn)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
        assert current_revision(conn) == head_revision()
        columns = {c["name"] for c in inspect(conn).get_columns("holds")}
    assert {"hip_extension_max_deg", "hip_extension_median_deg", "faults", "source"} <= columns
    engine.dispose()


def test_migrated_schema_matches_the_table_definitions(tmp_path: Path) -> None:
    # If someone changes tables.py without a migration, autogenerate finds a difference here.
    database = open_database(tmp_path)
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    database.close()
    assert differences == []


def test_downgrade_to_base_then_upgrade_to_head(tmp_path: Path) -> None:
    database = open_database(tmp_path)
    with database.engine.begin() as conn:
        downgrade_to(conn, "base")
    with database.engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
        assert current_revision(conn) is None
    with database.engine.begin() as conn:
        upgrade_to_head(conn)
    with database.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
        assert current_revision(conn) == head_revision()
    database.close()


def test_migrations_ship_inside_the_package() -> None:
    # hatchling packages src/hipflex whole; the migrations must live under it.
    package_root = Path(str(hipflex.__file__)).parent
    assert MIGRATIONS_DIR.is_relative_to(package_root)
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))
