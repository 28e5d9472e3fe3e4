"""The clinic use cases' port to their storage: a unit of work with three repositories.

``with store.transaction() as tx:`` gives ``tx.accounts``, ``tx.patients`` and ``tx.audit``;
everything done in the block commits together or not at all, a taken unique key raises
:class:`~hipflex.errors.ConflictError`. ``storage/clinic/store.py`` (SQLAlchemy on PostgreSQL)
is the adapter; the use cases import only this module, so they run without a database library.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime

from hipflex.domain.clinic import (
    Account,
    AlertSettings,
    AuditAction,
    AuditEntry,
    Clinic,
    DeviceToken,
    Invite,
    LoginSession,
    PainCheckin,
    Prescription,
    Role,
)
from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol
from hipflex.domain.records import HoldRecord, PainMoment, SessionRecord, Source


class AccountsStore(typing.Protocol):
    """Clinics, accounts, invites, login sessions, device tokens and throttles."""

    def add_clinic(self, clinic: Clinic) -> None: ...

    def clinic(self, clinic_id: str) -> Clinic | None: ...

    def clinic_by_name(self, name: str) -> Clinic | None: ...

    def clinics(self) -> list[Clinic]: ...

    def add_account(self, account: Account, password_hash: str) -> None: ...

    def account(self, account_id: str) -> Account | None: ...

    def accounts_by_id(self, account_ids: Sequence[str]) -> dict[str, Account]: ...

    def account_with_hash(self, email: str) -> tuple[Account, str] | None: ...

    def password_hash(self, account_id: str) -> str | None: ...

    def set_password_hash(self, account_id: str, password_hash: str) -> None: ...

    def accounts(self, clinic_id: str, role: Role) -> list[Account]: ...

    def set_disabled(self, account_id: str, at: datetime | None) -> None: ...

    def add_login_session(self, login: LoginSession, token_hash: str) -> None: ...

    def login_session_with_account(
        self, token_hash: str
    ) -> tuple[LoginSession, Account] | None: ...

    def device_token_with_account(self, token_hash: str) -> tuple[DeviceToken, Account] | None: ...

    def login_session_by_hash(self, token_hash: str) -> LoginSession | None: ...

    def login_sessions(self, account_id: str) -> list[LoginSession]: ...

    def touch_login_session(self, session_id: str, at: datetime, expires_at: datetime) -> None: ...

    def revoke_login_sessions(
        self, account_id: str, at: datetime, session_id: str | None = None
    ) -> int: ...

    def add_invite(self, invite: Invite, token_hash: str) -> None: ...

    def invite_by_hash(self, token_hash: str, *, lock: bool = False) -> Invite | None: ...

    def invite(self, invite_id: str) -> Invite | None: ...

    def invites(
        self, clinic_id: str, role: Role, created_by_id: str | None = None
    ) -> list[Invite]: ...

    def mark_invite_used(self, invite_id: str, at: datetime, account_id: str) -> bool: ...

    def revoke_invite(self, invite_id: str, at: datetime) -> None: ...

    def add_device_token(self, token: DeviceToken, token_hash: str) -> None: ...

    def device_token_by_hash(self, token_hash: str) -> DeviceToken | None: ...

    def device_tokens(self, account_id: str) -> list[DeviceToken]: ...

    def touch_device_token(self, token_id: str, at: datetime) -> None: ...

    def revoke_device_token(self, account_id: str, token_id: str, at: datetime) -> bool: ...

    def throttle(
        self, key: str, *, lock: bool = True
    ) -> tuple[int, datetime | None, datetime | None]: ...

    def set_throttle(
        self, key: str, failures: int, window_start: datetime, locked_until: datetime | None
    ) -> None: ...

    def clear_throttle(self, key: str) -> None: ...


class PatientsStore(typing.Protocol):
    """Patients' prescriptions, sessions, check-ins and alert settings."""

    def add_patient(self, account_id: str, clinician_id: str, alerts: AlertSettings) -> None: ...

    def patient_ids(self, clinician_id: str) -> list[str]: ...

    def alerts(self, patient_id: str) -> AlertSettings: ...

    def alerts_by_patient(self, patient_ids: Sequence[str]) -> dict[str, AlertSettings]: ...

    def data_versions(self, patient_ids: Sequence[str]) -> dict[str, int]: ...

    def set_alerts(self, patient_id: str, alerts: AlertSettings) -> None: ...

    def add_protocol(
        self, protocol_id: str, clinic_id: str, protocol: Protocol, toml: str, by: str, at: datetime
    ) -> None: ...

    def protocol_toml(self, clinic_id: str, name: str) -> str | None: ...

    def protocol_tomls(self, clinic_id: str) -> list[str]: ...

    def add_prescription(self, prescription: Prescription) -> Prescription: ...

    def prescriptions(self, patient_id: str) -> list[Prescription]: ...

    def current_prescription_id(self, patient_id: str) -> str | None: ...

    def current_prescription(self, patient_id: str) -> Prescription | None: ...

    def current_prescriptions(self, patient_ids: Sequence[str]) -> dict[str, Prescription]: ...

    def session_owner(self, session_id: str) -> str | None: ...

    def add_session(
        self,
        patient_id: str,
        record: SessionRecord,
        prescription_id: str | None,
        received_at: datetime,
    ) -> bool: ...

    def add_hold(self, session_id: str, hold: HoldRecord) -> bool: ...

    def update_session(
        self,
        session_id: str,
        *,
        status: SessionStatus | None = None,
        ended_at: datetime | None = None,
        source: Source | None = None,
        pain: tuple[PainMoment, int] | None = None,
        note: str | None = None,
    ) -> None: ...

    def session(self, patient_id: str, session_id: str) -> SessionRecord | None: ...

    def sessions(self, patient_id: str, since: datetime | None = None) -> list[SessionRecord]: ...

    def sessions_by_patient(
        self, patient_ids: Sequence[str], since: datetime | None = None
    ) -> dict[str, list[SessionRecord]]: ...

    def session_stamps(
        self, patient_ids: Sequence[str], since: datetime
    ) -> dict[str, list[tuple[str, str]]]: ...

    def sessions_by_id(self, session_ids: Sequence[str]) -> dict[str, SessionRecord]: ...

    def last_session_at(self, patient_id: str) -> datetime | None: ...

    def add_checkin(self, checkin: PainCheckin) -> None: ...

    def checkins(self, patient_id: str, since: date | None = None) -> list[PainCheckin]: ...

    def checkins_by_patient(
        self, patient_ids: Sequence[str], since: date | None = None
    ) -> dict[str, list[PainCheckin]]: ...


class AuditLog(typing.Protocol):
    """Who read or changed which patient's data."""

    def record(
        self,
        clinic_id: str,
        at: datetime,
        actor_id: str | None,
        action: AuditAction,
        what: str,
        patient_ids: Sequence[str | None] = (None,),
    ) -> None: ...

    def entries(
        self, clinic_id: str, *, patient_id: str | None = None, limit: int = 200
    ) -> list[AuditEntry]: ...


class ClinicTransaction(typing.Protocol):
    """One unit of work."""

    @property
    def accounts(self) -> AccountsStore: ...

    @property
    def patients(self) -> PatientsStore: ...

    @property
    def audit(self) -> AuditLog: ...


class ClinicStorage(typing.Protocol):
    """Transactions over the clinic's data."""

    def transaction(self) -> AbstractContextManager[ClinicTransaction]: ...
