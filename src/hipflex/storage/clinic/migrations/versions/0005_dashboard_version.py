"""A per-patient data version, kept by the database, for the dashboard's figures cache.

``patients.data_version`` goes up by one in the same transaction as every insert, update or
delete of the patient's sessions, pain check-ins or prescriptions. Triggers keep it, not the
Python code, so no write path (the API, the device sync, the session player, a future one)
can forget it. A statement that writes holds touches their sessions' rows (the session player
adds holds one by one to a session already stored): that raises the version through the
sessions' trigger and gives the session row a new ``xmin``, which is how the dashboard knows
to read that session again. Every server process compares the version with the one its cached
figures were computed from (services/clinic/dashboard.py).

Revision ID: c0005
Revises: c0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0005"
down_revision: str | None = "c0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "hipflex_bump_patient_data_version"
TABLES = ("patient_sessions", "pain_checkins", "prescriptions")
HOLDS_FUNCTION = "hipflex_touch_sessions_of_holds"
HOLD_EVENTS = (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))


def upgrade() -> None:
    op.add_column(
        "patients",
        sa.Column("data_version", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                UPDATE patients SET data_version = data_version + 1
                WHERE account_id = OLD.patient_id;
            END IF;
            IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.patient_id <> OLD.patient_id) THEN
                UPDATE patients SET data_version = data_version + 1
                WHERE account_id = NEW.patient_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
    # Holds: once per statement (an upload inserts all its holds in one), through transition
    # tables, which allow one event per trigger.
    op.execute(
        f"""
        CREATE FUNCTION {HOLDS_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE patient_sessions SET ended_at = ended_at
            WHERE id IN (SELECT session_id FROM changed_holds);
            RETURN NULL;
        END $$
        """
    )
    for event, table in HOLD_EVENTS:
        op.execute(
            f"CREATE TRIGGER patient_holds_{event.lower()}_touch AFTER {event} ON patient_holds "
            f"REFERENCING {table} TABLE AS changed_holds "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {HOLDS_FUNCTION}()"
        )


def downgrade() -> None:
    for event, _ in HOLD_EVENTS:
        op.execute(f"DROP TRIGGER patient_holds_{event.lower()}_touch ON patient_holds")
    op.execute(f"DROP FUNCTION {HOLDS_FUNCTION}()")
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
    op.drop_column("patients", "data_version")
