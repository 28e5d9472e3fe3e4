"""Alembic environment for the clinic database (its own folder and version table).

``storage.clinic.database`` runs migrations itself and hands the open connection over in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from hipflex.storage.clinic.tables import ClinicBase

VERSION_TABLE = "clinic_alembic_version"

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=ClinicBase.metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode() or connection is None:
    raise RuntimeError("clinic migrations run through `hipflex clinic migrate`")
_run(connection)
