"""Clinics, accounts, login sessions, invites, device tokens and login throttling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hipflex.domain.clinic import (
    Account,
    Clinic,
    DeviceToken,
    Invite,
    LoginSession,
    Role,
)
from hipflex.storage.clinic.tables import (
    AccountRow,
    AuthThrottleRow,
    ClinicRow,
    DeviceTokenRow,
    InviteRow,
    LoginSessionRow,
    PatientRow,
)


class AccountsRepository:
    def __init__(self, session: Session) -> None:
        self.db = session

    # ---- clinics ----------------------------------------------------------------------------

    def add_clinic(self, clinic: Clinic) -> None:
        self.db.add(
            ClinicRow(
                id=clinic.id,
                name=clinic.name,
                timezone=clinic.timezone,
                created_at=clinic.created_at,
            )
        )
        self.db.flush()

    def clinic(self, clinic_id: str) -> Clinic | None:
        row = self.db.get(ClinicRow, clinic_id)
        return _clinic(row) if row else None

    def clinic_by_name(self, name: str) -> Clinic | None:
        row = self.db.scalar(select(ClinicRow).where(ClinicRow.name == name))
        return _clinic(row) if row else None

    def clinics(self) -> list[Clinic]:
        return [_clinic(r) for r in self.db.scalars(select(ClinicRow).order_by(ClinicRow.name))]

    # ---- accounts ---------------------------------------------------------------------------

    def add_account(self, account: Account, password_hash: str) -> None:
        self.db.add(
            AccountRow(
                id=account.id,
                clinic_id=account.clinic_id,
                role=account.role.value,
                email=account.email,
                display_name=account.display_name,
                password_hash=password_hash,
                created_at=account.created_at,
                disabled_at=account.disabled_at,
            )
        )
        self.db.flush()

    def account(self, account_id: str) -> Account | None:
        """One account, with a patient's clinician, in one query."""
        return self.accounts_by_id([account_id]).get(account_id)

    def accounts_by_id(self, account_ids: Sequence[str]) -> dict[str, Account]:
        """Several accounts in one query (with a patient's clinician), by id."""
        rows = self.db.execute(
            select(AccountRow, PatientRow.clinician_id)
            .outerjoin(PatientRow, PatientRow.account_id == AccountRow.id)
            .where(AccountRow.id.in_(list(account_ids)))
        )
        return {row.id: _account_of(row, clinician_id) for row, clinician_id in rows}

    def account_with_hash(self, email: str) -> tuple[Account, str] | None:
        row = self.db.scalar(select(AccountRow).where(AccountRow.email == email))
        return (self._account(row), row.password_hash) if row else None

    def password_hash(self, account_id: str) -> str | None:
        row = self.db.get(AccountRow, account_id)
        return row.password_hash if row else None

    def set_password_hash(self, account_id: str, password_hash: str) -> None:
        self.db.execute(
            update(AccountRow)
            .where(AccountRow.id == account_id)
            .values(password_hash=password_hash)
        )

    def accounts(self, clinic_id: str, role: Role) -> list[Account]:
        rows = self.db.execute(
            select(AccountRow, PatientRow.clinician_id)
            .outerjoin(PatientRow, PatientRow.account_id == AccountRow.id)
            .where(AccountRow.clinic_id == clinic_id, AccountRow.role == role.value)
            .order_by(AccountRow.display_name, AccountRow.id)
        )  # one query, not one more per patient
        return [_account_of(row, clinician_id) for row, clinician_id in rows]

    def set_disabled(self, account_id: str, at: datetime | None) -> None:
        self.db.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(disabled_at=at)
        )

    def _account(self, row: AccountRow) -> Account:
        clinician_id = None
        if row.role == Role.PATIENT.value:
            patient = self.db.get(PatientRow, row.id)
            clinician_id = patient.clinician_id if patient else None
        return _account_of(row, clinician_id)

    # ---- login sessions ---------------------------------------------------------------------

    def add_login_session(self, login: LoginSession, token_hash: str) -> None:
        self.db.add(
            LoginSessionRow(
                id=login.id,
                token_hash=token_hash,
                account_id=login.account_id,
                csrf_token=login.csrf_token,
                created_at=login.created_at,
                last_seen_at=login.last_seen_at,
                expires_at=login.expires_at,
                revoked_at=login.revoked_at,
                user_agent=login.user_agent[:255],
            )
        )
        self.db.flush()

    def login_session_by_hash(self, token_hash: str) -> LoginSession | None:
        row = self.db.scalar(
            select(LoginSessionRow).where(LoginSessionRow.token_hash == token_hash)
        )
        return _login(row) if row else None

    def login_session_with_account(self, token_hash: str) -> tuple[LoginSession, Account] | None:
        """A login session and its account in one query (every cookie request asks)."""
        found = self.db.execute(
            select(LoginSessionRow, AccountRow, PatientRow.clinician_id)
            .join(AccountRow, AccountRow.id == LoginSessionRow.account_id)
            .outerjoin(PatientRow, PatientRow.account_id == AccountRow.id)
            .where(LoginSessionRow.token_hash == token_hash)
        ).first()
        if found is None:
            return None
        login, account, clinician_id = found
        return _login(login), _account_of(account, clinician_id)

    def login_sessions(self, account_id: str) -> list[LoginSession]:
        rows = self.db.scalars(
            select(LoginSessionRow)
            .where(LoginSessionRow.account_id == account_id)
            .order_by(LoginSessionRow.last_seen_at.desc())
        )
        return [_login(r) for r in rows]

    def touch_login_session(self, session_id: str, at: datetime, expires_at: datetime) -> None:
        self.db.execute(
            update(LoginSessionRow)
            .where(LoginSessionRow.id == session_id)
            .values(last_seen_at=at, expires_at=expires_at)
        )

    def revoke_login_sessions(
        self, account_id: str, at: datetime, session_id: str | None = None
    ) -> int:
        """Revoke one of the account's sessions (``session_id``) or all of them."""
        query = update(LoginSessionRow).where(
            LoginSessionRow.account_id == account_id, LoginSessionRow.revoked_at.is_(None)
        )
        if session_id is not None:
            query = query.where(LoginSessionRow.id == session_id)
        result = self.db.execute(query.values(revoked_at=at))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # ---- invites ----------------------------------------------------------------------------

    def add_invite(self, invite: Invite, token_hash: str) -> None:
        self.db.add(
            InviteRow(
                id=invite.id,
                clinic_id=invite.clinic_id,
                token_hash=token_hash,
                role=invite.role.value,
                display_name=invite.display_name,
                created_by_id=invite.created_by_id,
                clinician_id=invite.clinician_id,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
                used_at=None,
                revoked_at=None,
            )
        )
        self.db.flush()

    def invite_by_hash(self, token_hash: str, *, lock: bool = False) -> Invite | None:
        query = select(InviteRow).where(InviteRow.token_hash == token_hash)
        if lock:
            query = query.with_for_update()
        row = self.db.scalar(query)
        return _invite(row) if row else None

    def invite(self, invite_id: str) -> Invite | None:
        row = self.db.get(InviteRow, invite_id)
        return _invite(row) if row else None

    def invites(self, clinic_id: str, role: Role, created_by_id: str | None = None) -> list[Invite]:
        query = select(InviteRow).where(InviteRow.clinic_id == clinic_id, InviteRow.role == role)
        if created_by_id is not None:
            query = query.where(InviteRow.created_by_id == created_by_id)
        rows = self.db.scalars(query.order_by(InviteRow.created_at.desc()))
        return [_invite(r) for r in rows]

    def mark_invite_used(self, invite_id: str, at: datetime, account_id: str) -> bool:
        """Single use: only an unused invite is marked; False when another request won."""
        result = self.db.execute(
            update(InviteRow)
            .where(InviteRow.id == invite_id, InviteRow.used_at.is_(None))
            .values(used_at=at, used_by_id=account_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def revoke_invite(self, invite_id: str, at: datetime) -> None:
        self.db.execute(
            update(InviteRow)
            .where(InviteRow.id == invite_id, InviteRow.used_at.is_(None))
            .values(revoked_at=at)
        )

    # ---- device tokens ----------------------------------------------------------------------

    def add_device_token(self, token: DeviceToken, token_hash: str) -> None:
        self.db.add(
            DeviceTokenRow(
                id=token.id,
                token_hash=token_hash,
                account_id=token.account_id,
                name=token.name,
                created_at=token.created_at,
            )
        )
        self.db.flush()

    def device_token_by_hash(self, token_hash: str) -> DeviceToken | None:
        row = self.db.scalar(select(DeviceTokenRow).where(DeviceTokenRow.token_hash == token_hash))
        return _device(row) if row else None

    def device_token_with_account(self, token_hash: str) -> tuple[DeviceToken, Account] | None:
        """A device token and its account in one query (every bearer request asks)."""
        found = self.db.execute(
            select(DeviceTokenRow, AccountRow, PatientRow.clinician_id)
            .join(AccountRow, AccountRow.id == DeviceTokenRow.account_id)
            .outerjoin(PatientRow, PatientRow.account_id == AccountRow.id)
            .where(DeviceTokenRow.token_hash == token_hash)
        ).first()
        if found is None:
            return None
        token, account, clinician_id = found
        return _device(token), _account_of(account, clinician_id)

    def device_tokens(self, account_id: str) -> list[DeviceToken]:
        rows = self.db.scalars(
            select(DeviceTokenRow)
            .where(DeviceTokenRow.account_id == account_id)
            .order_by(DeviceTokenRow.created_at.desc())
        )
        return [_device(r) for r in rows]

    def touch_device_token(self, token_id: str, at: datetime) -> None:
        self.db.execute(
            update(DeviceTokenRow).where(DeviceTokenRow.id == token_id).values(last_used_at=at)
        )

    def revoke_device_token(self, account_id: str, token_id: str, at: datetime) -> bool:
        result = self.db.execute(
            update(DeviceTokenRow)
            .where(
                DeviceTokenRow.id == token_id,
                DeviceTokenRow.account_id == account_id,
                DeviceTokenRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # ---- throttling -------------------------------------------------------------------------

    def throttle(
        self, key: str, *, lock: bool = True
    ) -> tuple[int, datetime | None, datetime | None]:
        """(failures, window start, locked until) for ``key``; row-locked for the update."""
        query = select(AuthThrottleRow).where(AuthThrottleRow.key == key)
        if lock:
            query = query.with_for_update()
        row = self.db.scalar(query)
        if row is None:
            return 0, None, None
        return row.failures, row.window_start, row.locked_until

    def set_throttle(
        self, key: str, failures: int, window_start: datetime, locked_until: datetime | None
    ) -> None:
        from sqlalchemy.dialects.postgresql import insert

        statement = insert(AuthThrottleRow).values(
            key=key, failures=failures, window_start=window_start, locked_until=locked_until
        )
        self.db.execute(
            statement.on_conflict_do_update(
                index_elements=[AuthThrottleRow.key],
                set_={
                    "failures": failures,
                    "window_start": window_start,
                    "locked_until": locked_until,
                },
            )
        )

    def clear_throttle(self, key: str) -> None:
        row = self.db.get(AuthThrottleRow, key)
        if row is not None:
            self.db.delete(row)


def _clinic(row: ClinicRow) -> Clinic:
    return Clinic(id=row.id, name=row.name, timezone=row.timezone, created_at=row.created_at)


def _login(row: LoginSessionRow) -> LoginSession:
    return LoginSession(
        id=row.id,
        account_id=row.account_id,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        user_agent=row.user_agent,
    )


def _invite(row: InviteRow) -> Invite:
    return Invite(
        id=row.id,
        clinic_id=row.clinic_id,
        role=Role(row.role),
        display_name=row.display_name,
        created_by_id=row.created_by_id,
        clinician_id=row.clinician_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


def _device(row: DeviceTokenRow) -> DeviceToken:
    return DeviceToken(
        id=row.id,
        account_id=row.account_id,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _account_of(row: AccountRow, clinician_id: str | None) -> Account:
    return Account(
        id=row.id,
        clinic_id=row.clinic_id,
        role=Role(row.role),
        email=row.email,
        display_name=row.display_name,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        clinician_id=clinician_id,
    )
