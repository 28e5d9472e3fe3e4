"""The audit log: who read or changed which patient's data, and when. Rows are only added."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, aliased

from hipflex.domain.clinic import AuditAction, AuditEntry
from hipflex.storage.clinic.tables import AccountRow, AuditRow


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    def record(
        self,
        clinic_id: str,
        at: datetime,
        actor_id: str | None,
        action: AuditAction,
        what: str,
        patient_ids: Sequence[str | None] = (None,),
    ) -> None:
        """One row per patient concerned (a dashboard shows several at once)."""
        if not patient_ids:
            return
        self.db.execute(
            insert(cast(Table, AuditRow.__table__)),  # Core: cheaper than the ORM's bulk insert
            [
                {
                    "clinic_id": clinic_id,
                    "at": at,
                    "actor_id": actor_id,
                    "action": action.value,
                    "patient_id": patient_id,
                    "what": what[:200],
                }
                for patient_id in patient_ids
            ],
        )

    def entries(
        self, clinic_id: str, *, patient_id: str | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        actor = aliased(AccountRow)
        patient = aliased(AccountRow)
        query = (
            select(AuditRow, actor.display_name, patient.display_name)
            .outerjoin(actor, actor.id == AuditRow.actor_id)
            .outerjoin(patient, patient.id == AuditRow.patient_id)
            .where(AuditRow.clinic_id == clinic_id)
        )
        if patient_id is not None:
            query = query.where(AuditRow.patient_id == patient_id)
        rows = self.db.execute(query.order_by(AuditRow.id.desc()).limit(limit))
        return [
            AuditEntry(
                id=row.id,
                at=row.at,
                actor_id=row.actor_id,
                actor_name=actor_name or "hipflex clinic (command line)",
                action=AuditAction(row.action),
                patient_id=row.patient_id,
                patient_name=patient_name,
                what=row.what,
            )
            for row, actor_name, patient_name in rows
        ]
