"""Device codes (linking a home app) and what a linked device may amend after sending.

``DeviceStore(clinic_store)`` is the adapter behind the device-sync use case's port
(``services/clinic/device_sync.py``): the clinic's unit of work plus ``tx.devices``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hipflex.domain.clinic import PainCheckin
from hipflex.domain.device_link import DeviceCode
from hipflex.storage.clinic.accounts_repo import AccountsRepository
from hipflex.storage.clinic.audit_repo import AuditRepository
from hipflex.storage.clinic.device_tables import DeviceCodeRow
from hipflex.storage.clinic.patients_repo import PatientsRepository, checkin_row
from hipflex.storage.clinic.store import ClinicStore
from hipflex.storage.clinic.tables import PainCheckinRow, PatientSessionRow


class DeviceRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    # ---- device codes -----------------------------------------------------------------------

    def add_code(self, code: DeviceCode, device_code_hash: str, user_code_hash: str) -> None:
        self.db.add(
            DeviceCodeRow(
                id=code.id,
                device_code_hash=device_code_hash,
                user_code_hash=user_code_hash,
                name=code.name,
                created_at=code.created_at,
                expires_at=code.expires_at,
            )
        )
        self.db.flush()

    def code_by_device_hash(self, device_code_hash: str) -> DeviceCode | None:
        """The code for a polling device, locked for the rest of the transaction (two polls
        at once must not both turn it into a token)."""
        row = self.db.scalar(
            select(DeviceCodeRow)
            .where(DeviceCodeRow.device_code_hash == device_code_hash)
            .with_for_update()
        )
        return _code(row) if row else None

    def code_by_user_hash(self, user_code_hash: str) -> DeviceCode | None:
        row = self.db.scalar(
            select(DeviceCodeRow)
            .where(DeviceCodeRow.user_code_hash == user_code_hash)
            .with_for_update()
        )
        return _code(row) if row else None

    def approve(self, code_id: str, account_id: str, at: datetime) -> None:
        row = self.db.get_one(DeviceCodeRow, code_id)
        row.approved_by_id = account_id
        row.approved_at = at

    def claim(self, code_id: str, token_id: str, at: datetime) -> None:
        row = self.db.get_one(DeviceCodeRow, code_id)
        row.token_id = token_id
        row.claimed_at = at

    def delete_expired(self, now: datetime) -> None:
        """Unclaimed codes past their expiry are of no use to anyone."""
        for row in self.db.scalars(
            select(DeviceCodeRow).where(
                DeviceCodeRow.expires_at < now, DeviceCodeRow.claimed_at.is_(None)
            )
        ):
            self.db.delete(row)

    # ---- amending what a device sent ----------------------------------------------------------

    def amend_session(
        self,
        patient_id: str,
        session_id: str,
        pain_before: int | None,
        pain_after: int | None,
        note: str,
    ) -> bool:
        """Set the pain ratings and note of the patient's session to the device's current
        ones (a rating is never removed, only set); True when anything changed."""
        row = self.db.scalar(
            select(PatientSessionRow)
            .where(PatientSessionRow.id == session_id, PatientSessionRow.patient_id == patient_id)
            .with_for_update()
        )
        if row is None:
            return False
        changed = False
        for column, value in (("pain_before", pain_before), ("pain_after", pain_after)):
            if value is not None and getattr(row, column) != value:
                setattr(row, column, value)
                changed = True
        if note and row.note != note:
            row.note = note
            changed = True
        return changed

    def checkin_owner(self, checkin_id: str) -> str | None:
        row = self.db.get(PainCheckinRow, checkin_id)
        return row.patient_id if row else None

    def upsert_checkin(self, checkin: PainCheckin) -> tuple[bool, bool]:
        """(created, changed): a check-in by its client-chosen id; the caller checked the
        owner. Sending the same one again changes nothing."""
        row = self.db.get(PainCheckinRow, checkin.id, with_for_update=True)
        if row is None:
            self.db.add(checkin_row(checkin))
            self.db.flush()
            return True, True
        if (row.day, row.value, row.note) == (checkin.day, checkin.value, checkin.note):
            return False, False
        row.day, row.value, row.note = checkin.day, checkin.value, checkin.note
        row.recorded_at = checkin.recorded_at
        return False, True


def _code(row: DeviceCodeRow) -> DeviceCode:
    return DeviceCode(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        expires_at=row.expires_at,
        approved_by_id=row.approved_by_id,
        approved_at=row.approved_at,
        token_id=row.token_id,
        claimed_at=row.claimed_at,
    )


@dataclass
class DeviceTransaction:
    session: Session
    accounts: AccountsRepository
    patients: PatientsRepository
    audit: AuditRepository
    devices: DeviceRepository


class DeviceStore:
    """The clinic store's transactions, with the device repository added."""

    def __init__(self, store: ClinicStore) -> None:
        self.store = store

    @contextmanager
    def transaction(self) -> Iterator[DeviceTransaction]:
        with self.store.transaction() as tx:
            yield DeviceTransaction(
                tx.session, tx.accounts, tx.patients, tx.audit, DeviceRepository(tx.session)
            )
