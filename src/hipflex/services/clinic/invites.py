"""Creating the clinic, invites (single use, hashed, 7 days) and redeeming them.

Who may invite whom: the command line invites a clinic's first admin; an admin invites
clinicians (and further admins); a clinician invites their own patients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hipflex.domain.clinic import Account, AlertSettings, AuditAction, Clinic, Invite, Role
from hipflex.errors import ConflictError
from hipflex.services.clinic import throttle
from hipflex.services.clinic.accounts import Accounts, NewLogin, Principal, check_email
from hipflex.services.clinic.errors import (
    AuthFailed,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from hipflex.services.clinic.passwords import hash_password, password_problem
from hipflex.services.clinic.ports import ClinicStorage, ClinicTransaction
from hipflex.services.clinic.tokens import new_id, new_token, token_hash

INVITE_LIFETIME = timedelta(days=7)
BAD_INVITE = "this invite link is not valid: it was already used, revoked or has expired"
MAY_INVITE = {Role.ADMIN: (Role.ADMIN, Role.CLINICIAN), Role.CLINICIAN: (Role.PATIENT,)}


@dataclass(frozen=True)
class NewInvite:
    token: str  # goes into the link; only its hash is stored
    invite: Invite


@dataclass(frozen=True)
class InvitePreview:
    """What the invite page shows before redemption (reading it does not use it up)."""

    invite: Invite
    clinic: Clinic


def check_name(name: str, what: str = "name") -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput([f"{what}: enter a name"])
    if len(name) > 120:
        raise InvalidInput([f"{what}: at most 120 characters"])
    return name


def check_zone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput([f"time zone: unknown zone {timezone!r} (e.g. Europe/Berlin)"]) from None


class Invites:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def create_clinic(self, name: str, timezone: str, now: datetime) -> tuple[Clinic, NewInvite]:
        """A new clinic and the one-time invite for its first admin (``hipflex clinic init``)."""
        name = check_name(name, "clinic name")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                [f"time zone: unknown zone {timezone!r} (e.g. Europe/Berlin)"]
            ) from None
        clinic = Clinic(id=new_id(), name=name, timezone=timezone, created_at=now)
        try:
            with self.store.transaction() as tx:
                if tx.accounts.clinic_by_name(name) is not None:
                    raise Conflict(f"a clinic named {name!r} already exists")
                tx.accounts.add_clinic(clinic)
                new = self._add(tx, clinic.id, Role.ADMIN, "Administrator", None, None, now)
                tx.audit.record(clinic.id, now, None, AuditAction.CREATE, "clinic and admin invite")
        except ConflictError:
            raise Conflict(f"a clinic named {name!r} already exists") from None
        return clinic, new

    def admin_invite(self, clinic_name: str, now: datetime) -> NewInvite:
        """Another admin invite from the command line (the first one was lost or expired)."""
        with self.store.transaction() as tx:
            clinic = tx.accounts.clinic_by_name(clinic_name)
            if clinic is None:
                known = ", ".join(c.name for c in tx.accounts.clinics()) or "none yet"
                raise NotFound(f"no clinic named {clinic_name!r} (clinics: {known})")
            new = self._add(tx, clinic.id, Role.ADMIN, "Administrator", None, None, now)
            tx.audit.record(clinic.id, now, None, AuditAction.CREATE, "admin invite")
            return new

    def create(
        self, principal: Principal, role: Role, display_name: str, now: datetime
    ) -> NewInvite:
        actor = principal.account
        if role not in MAY_INVITE.get(actor.role, ()):
            raise Forbidden(f"a {actor.role.value} cannot invite a {role.value}")
        name = check_name(display_name)
        clinician_id = actor.id if role is Role.PATIENT else None
        with self.store.transaction() as tx:
            new = self._add(tx, actor.clinic_id, role, name, actor.id, clinician_id, now)
            tx.audit.record(actor.clinic_id, now, actor.id, AuditAction.CREATE, f"{role} invite")
            return new

    def _add(
        self,
        tx: ClinicTransaction,
        clinic_id: str,
        role: Role,
        name: str,
        created_by: str | None,
        clinician_id: str | None,
        now: datetime,
    ) -> NewInvite:
        token = new_token()
        invite = Invite(
            id=new_id(),
            clinic_id=clinic_id,
            role=role,
            display_name=name,
            created_by_id=created_by,
            clinician_id=clinician_id,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
            used_at=None,
            revoked_at=None,
        )
        tx.accounts.add_invite(invite, token_hash(token))
        return NewInvite(token, invite)

    def pending(self, principal: Principal, now: datetime) -> list[Invite]:
        """Unused, unexpired invites the person made (an admin sees all staff invites)."""
        actor = principal.account
        with self.store.transaction() as tx:
            if actor.role is Role.ADMIN:
                invites = [
                    *tx.accounts.invites(actor.clinic_id, Role.CLINICIAN),
                    *tx.accounts.invites(actor.clinic_id, Role.ADMIN),
                ]
            elif actor.role is Role.CLINICIAN:
                invites = tx.accounts.invites(actor.clinic_id, Role.PATIENT, actor.id)
            else:
                raise Forbidden("patients do not invite")
        return sorted((i for i in invites if i.usable(now)), key=lambda i: i.created_at)

    def revoke(self, principal: Principal, invite_id: str, now: datetime) -> None:
        actor = principal.account
        with self.store.transaction() as tx:
            invite = tx.accounts.invite(invite_id)
            mine = (
                invite is not None
                and invite.clinic_id == actor.clinic_id
                and (
                    invite.created_by_id == actor.id
                    or (actor.role is Role.ADMIN and invite.role is not Role.PATIENT)
                )
            )
            if invite is None or not mine:
                raise NotFound("no such invite")
            tx.accounts.revoke_invite(invite.id, now)
            tx.audit.record(actor.clinic_id, now, actor.id, AuditAction.REVOKE, "invite")

    def preview(
        self, token: str, *, address: str, now: datetime, count_failure: bool = True
    ) -> InvitePreview:
        """The invite behind ``token`` if it can still be used; ``AuthFailed`` otherwise.

        A redemption attempt counts a failure towards the lock-out; merely showing the invite
        page (a GET, which changes nothing) does not."""
        key = f"invite:address:{address}"
        with self.store.transaction() as tx:
            throttle.check_not_locked(tx.accounts, [key], now)
            invite = tx.accounts.invite_by_hash(token_hash(token)) if token else None
            clinic = tx.accounts.clinic(invite.clinic_id) if invite else None
            if invite is not None and clinic is not None and invite.usable(now):
                return InvitePreview(invite, clinic)
            if count_failure:
                throttle.record_failure(tx.accounts, key, throttle.INVITE_LIMIT, now)
        raise AuthFailed(BAD_INVITE)

    def redeem(
        self,
        accounts: Accounts,
        token: str,
        *,
        email: str,
        display_name: str,
        password: str,
        address: str,
        user_agent: str,
        now: datetime,
    ) -> NewLogin:
        """Create the account the invite is for and log it in; the invite is then used up."""
        self.preview(token, address=address, now=now)  # throttled, clear error when unusable
        email = check_email(email)
        name = check_name(display_name)
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise InvalidInput([f"password: {problem}"])
        password_hash = hash_password(password)  # slow: outside the transaction
        try:
            with self.store.transaction() as tx:
                invite = tx.accounts.invite_by_hash(token_hash(token), lock=True)
                if invite is None or not invite.usable(now):
                    raise AuthFailed(BAD_INVITE)
                if tx.accounts.account_with_hash(email) is not None:
                    raise Conflict("an account with this e-mail address already exists")
                account = Account(
                    id=new_id(),
                    clinic_id=invite.clinic_id,
                    role=invite.role,
                    email=email,
                    display_name=name,
                    created_at=now,
                    clinician_id=invite.clinician_id,
                )
                tx.accounts.add_account(account, password_hash)
                if invite.role is Role.PATIENT:
                    assert invite.clinician_id is not None
                    tx.patients.add_patient(account.id, invite.clinician_id, AlertSettings())
                if not tx.accounts.mark_invite_used(invite.id, now, account.id):
                    raise AuthFailed(BAD_INVITE)
                tx.audit.record(
                    invite.clinic_id,
                    now,
                    account.id,
                    AuditAction.CREATE,
                    f"{invite.role} account (invite redeemed)",
                    [account.id if invite.role is Role.PATIENT else None],
                )
                return accounts.open_session(tx, account, user_agent, now)
        except ConflictError:
            raise Conflict("an account with this e-mail address already exists") from None
