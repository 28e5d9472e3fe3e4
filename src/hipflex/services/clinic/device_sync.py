"""Linking a home app to a patient account, and what a linked app sends.

Linking follows the OAuth 2.0 device authorization grant (RFC 8628) in spirit: the app asks
for a code pair, shows the short ``user_code`` in the terminal, the patient (logged in on the
clinic's site, with its CSRF and rate limits) types it on the "Link a device" page, and the
app's next poll with its secret ``device_code`` turns the pair into a device token, once.

Sessions and check-ins sent by the app are idempotent by their client-chosen uuids (the
primary keys on the server). A session sent again may carry pain ratings or a note the person
added or corrected since; those are applied, nothing else of a stored session changes.
"""

from __future__ import annotations

import secrets
import typing
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from hipflex.domain.clinic import Account, AuditAction, DeviceToken, PainCheckin, Role
from hipflex.domain.device_link import DeviceCode
from hipflex.services.clinic import throttle
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.accounts import Accounts, Principal
from hipflex.services.clinic.errors import ClinicError, Conflict, Forbidden, InvalidInput
from hipflex.services.clinic.invites import Invites
from hipflex.services.clinic.patient_data import HISTORY_DAYS, PatientData, SessionIn
from hipflex.services.clinic.ports import ClinicTransaction
from hipflex.services.clinic.tokens import new_id, new_token, token_hash

CODE_LIFETIME = timedelta(minutes=10)
POLL_INTERVAL_S = 3
# RFC 8628's alphabet: no vowels (no words), no look-alikes. 20^8 ≈ 2.6e10 codes, alive for
# 10 minutes, with wrong guesses locked out after 10: guessing one is hopeless.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
CODE_REQUEST_LIMIT = throttle.Limit(20, timedelta(minutes=15), timedelta(minutes=15))
APPROVE_LIMIT = throttle.Limit(10, timedelta(minutes=15), timedelta(minutes=15))


class DevicesStore(typing.Protocol):
    """Device codes, and what a device may amend of what it sent."""

    def add_code(self, code: DeviceCode, device_code_hash: str, user_code_hash: str) -> None: ...

    def code_by_device_hash(self, device_code_hash: str) -> DeviceCode | None: ...

    def code_by_user_hash(self, user_code_hash: str) -> DeviceCode | None: ...

    def approve(self, code_id: str, account_id: str, at: datetime) -> None: ...

    def claim(self, code_id: str, token_id: str, at: datetime) -> None: ...

    def delete_expired(self, now: datetime) -> None: ...

    def amend_session(
        self,
        patient_id: str,
        session_id: str,
        pain_before: int | None,
        pain_after: int | None,
        note: str,
    ) -> bool: ...

    def checkin_owner(self, checkin_id: str) -> str | None: ...

    def upsert_checkin(self, checkin: PainCheckin) -> tuple[bool, bool]: ...


class DeviceTransaction(ClinicTransaction, typing.Protocol):
    @property
    def devices(self) -> DevicesStore: ...


class DeviceStorage(typing.Protocol):
    """The port: the clinic's unit of work with ``tx.devices`` (``storage/clinic/device_repo.py``
    is the adapter)."""

    def transaction(self) -> AbstractContextManager[DeviceTransaction]: ...


class Gone(ClinicError):
    """The code expired or was used already: the app starts again."""

    status = 410


@dataclass(frozen=True)
class CodePair:
    device_code: str  # the app's secret
    user_code: str  # shown to the person, like "BCDF-GHJK"
    expires_in_s: int
    interval_s: int


@dataclass(frozen=True)
class Claimed:
    """A pending code (``token`` None) or the token it became (returned exactly once)."""

    token: str | None = None
    device: DeviceToken | None = None
    patient: Account | None = None
    clinic_name: str = ""


class DeviceCheckinIn(BaseModel):
    """A pain check-in as the home app stores it: its id is the app's, one per day."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    day: date
    value: int = Field(ge=0, le=10)
    note: str = Field(default="", max_length=2000)


def normalise_user_code(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(c for c in text.upper() if c.isalnum())[:32]


def format_user_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


class DeviceSync:
    def __init__(self, store: DeviceStorage) -> None:
        self.store = store
        self.patient_data = PatientData(store)

    # ---- linking ----------------------------------------------------------------------------

    def request_code(self, name: str, *, address: str, now: datetime) -> CodePair:
        key = f"device-code:address:{address}"
        device_code = new_token()
        user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        code = DeviceCode(
            id=new_id(),
            name=name.strip()[:120] or "hipflex",
            created_at=now,
            expires_at=now + CODE_LIFETIME,
            approved_by_id=None,
            approved_at=None,
            token_id=None,
            claimed_at=None,
        )
        with self.store.transaction() as tx:
            throttle.check_not_locked(tx.accounts, [key], now)
            throttle.record_failure(tx.accounts, key, CODE_REQUEST_LIMIT, now)
            devices = tx.devices
            devices.delete_expired(now)
            devices.add_code(code, token_hash(device_code), token_hash(user_code))
        return CodePair(
            device_code,
            format_user_code(user_code),
            int(CODE_LIFETIME.total_seconds()),
            POLL_INTERVAL_S,
        )

    def approve(self, principal: Principal, typed: str, *, address: str, now: datetime) -> str:
        """The logged-in patient confirms the code their app shows; returns the app's name.
        Wrong codes count towards a lock-out, per account and per address."""
        actor = principal.account
        require_role(actor, Role.PATIENT)
        keys = [f"device-approve:account:{actor.id}", f"device-approve:address:{address}"]
        with self.store.transaction() as tx:
            throttle.check_not_locked(tx.accounts, keys, now)
            devices = tx.devices
            code = devices.code_by_user_hash(token_hash(normalise_user_code(typed)))
            usable = code is not None and code.expires_at > now and code.approved_by_id is None
            if code is not None and usable:
                devices.approve(code.id, actor.id, now)
                tx.audit.record(
                    actor.clinic_id, now, actor.id, AuditAction.CREATE, "device link", [actor.id]
                )
                for key in keys:
                    throttle.clear(tx.accounts, key)
                return code.name
            throttle.record_failure(tx.accounts, keys[0], APPROVE_LIMIT, now)
            throttle.record_failure(tx.accounts, keys[1], throttle.ADDRESS_LIMIT, now)
        raise InvalidInput(
            ["code: no such code, or it expired; check the code your hipflex app shows"]
        )

    def claim(self, device_code: str, now: datetime) -> Claimed:
        """The app's poll: still pending, or the device token (made once, returned once)."""
        if not device_code or len(device_code) > 200:
            raise Gone("unknown or expired code: run hipflex clinic link again")
        with self.store.transaction() as tx:
            devices = tx.devices
            code = devices.code_by_device_hash(token_hash(device_code))
            if code is None or code.claimed_at is not None:
                raise Gone("unknown or used code: run hipflex clinic link again")
            if code.approved_by_id is None:
                if code.expires_at <= now:
                    raise Gone(
                        "the code expired before it was confirmed: run hipflex clinic link again"
                    )
                return Claimed()
            patient = tx.accounts.account(code.approved_by_id)
            if patient is None or not patient.active:
                raise Gone("the account that confirmed the code is disabled")
            token = new_token()
            device = DeviceToken(new_id(), patient.id, code.name, now, None, None)
            tx.accounts.add_device_token(device, token_hash(token))
            devices.claim(code.id, device.id, now)
            clinic = tx.accounts.clinic(patient.clinic_id)
            return Claimed(token, device, patient, clinic.name if clinic else "")

    def link_with_invite(
        self,
        invites: Invites,
        accounts: Accounts,
        invite_token: str,
        *,
        email: str,
        display_name: str,
        password: str,
        device_name: str,
        address: str,
        now: datetime,
    ) -> Claimed:
        """A patient's invite redeemed from the app: the account is made (same checks and
        lock-out as the invite page) and the app gets a device token instead of a browser
        session. Staff invites are refused: staff do not link apps."""
        preview = invites.preview(invite_token, address=address, now=now, count_failure=True)
        if preview.invite.role is not Role.PATIENT:
            raise Forbidden("this invite is for a staff account: open it in a browser")
        new_login = invites.redeem(
            accounts,
            invite_token,
            email=email,
            display_name=display_name,
            password=password,
            address=address,
            user_agent=device_name[:255],
            now=now,
        )
        patient = new_login.account
        token = new_token()
        device = DeviceToken(new_id(), patient.id, device_name.strip()[:120] or "hipflex", now,
                             None, None)  # fmt: skip
        with self.store.transaction() as tx:
            # The app holds a device token, not a browser session.
            tx.accounts.revoke_login_sessions(patient.id, now, new_login.login.id)
            tx.accounts.add_device_token(device, token_hash(token))
            tx.audit.record(
                patient.clinic_id, now, patient.id, AuditAction.CREATE, "device link", [patient.id]
            )
        return Claimed(token, device, patient, preview.clinic.name)

    def unlink(self, principal: Principal, now: datetime) -> None:
        """Revoke the calling device's own token."""
        require_role(principal.account, Role.PATIENT)
        device = principal.device
        if device is None:
            raise Forbidden(
                "only the app unlinks itself; revoke a device on your Account page instead"
            )
        with self.store.transaction() as tx:
            tx.accounts.revoke_device_token(principal.account.id, device.id, now)
            tx.audit.record(
                principal.account.clinic_id,
                now,
                principal.account.id,
                AuditAction.REVOKE,
                "device link",
                [principal.account.id],
            )

    # ---- data from the device ---------------------------------------------------------------

    def push_session(
        self, principal: Principal, session: SessionIn, now: datetime
    ) -> tuple[bool, bool]:
        """(created, amended): stored the first time; later copies may only set its pain
        ratings and note."""
        stored, created = self.patient_data.submit_session(principal, session, now)
        if created:
            return True, False
        actor = principal.account
        with self.store.transaction() as tx:
            amended = tx.devices.amend_session(
                actor.id, stored.id, session.pain_before, session.pain_after, session.note.strip()
            )
            if amended:
                tx.audit.record(
                    actor.clinic_id, now, actor.id, AuditAction.UPDATE, "session", [actor.id]
                )
        return False, amended

    def push_checkin(
        self, principal: Principal, checkin: DeviceCheckinIn, today: date, now: datetime
    ) -> tuple[bool, bool]:
        """(created, changed) for a check-in by its id; another patient's id is a 409."""
        actor = principal.account
        require_role(actor, Role.PATIENT)
        if checkin.day > today + timedelta(days=1):
            raise InvalidInput(["day: a check-in cannot be for a future day"])
        if checkin.day < today - timedelta(days=HISTORY_DAYS):
            raise InvalidInput([f"day: at most {HISTORY_DAYS} days back"])
        record = PainCheckin(
            id=str(checkin.id),
            patient_id=actor.id,
            day=checkin.day,
            value=checkin.value,
            recorded_at=now,
            note=checkin.note.strip(),
        )
        with self.store.transaction() as tx:
            devices = tx.devices
            owner = devices.checkin_owner(record.id)
            if owner is not None and owner != actor.id:
                raise Conflict("this check-in id is already used; send a new id")
            created, changed = devices.upsert_checkin(record)
            if changed:
                action = AuditAction.CREATE if created else AuditAction.UPDATE
                tx.audit.record(actor.clinic_id, now, actor.id, action, "pain check-in", [actor.id])
        return created, changed
