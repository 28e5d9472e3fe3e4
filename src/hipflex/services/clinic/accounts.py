"""Logging in and out, server-side sessions, device tokens, password changes.

Sessions live in the database; the browser holds only a random id (the hash is stored), so a
session is revoked by a row update and a copied database logs nobody in. A login always makes
a new id (rotation), whatever session the browser had before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hipflex.domain.clinic import Account, DeviceToken, LoginSession, Role
from hipflex.services.clinic import throttle
from hipflex.services.clinic.errors import AuthFailed, Forbidden, InvalidInput, NotFound
from hipflex.services.clinic.passwords import (
    dummy_hash,
    hash_password,
    password_problem,
    verify_password,
)
from hipflex.services.clinic.ports import ClinicStorage, ClinicTransaction
from hipflex.services.clinic.tokens import new_id, new_token, token_hash

# Staff see many patients' data: a forgotten browser logs out sooner than a patient's phone.
IDLE_TIMEOUT = {
    Role.ADMIN: timedelta(hours=12),
    Role.CLINICIAN: timedelta(hours=12),
    Role.PATIENT: timedelta(days=30),
}
ABSOLUTE_TIMEOUT = timedelta(days=90)
TOUCH_EVERY = timedelta(minutes=5)  # last-seen writes at most this often per session
WRONG_LOGIN = "wrong e-mail or password"


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and how: a browser session (cookie) or a device (bearer)."""

    account: Account
    login: LoginSession | None = None
    device: DeviceToken | None = None

    @property
    def needs_csrf(self) -> bool:
        """Cookies are sent by the browser on its own; bearer tokens are not."""
        return self.login is not None


@dataclass(frozen=True)
class NewLogin:
    token: str  # the cookie value; shown to nobody else, stored only as a hash
    login: LoginSession
    account: Account


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput(["e-mail: enter an address like name@example.org"])
    return email


class Accounts:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def login(
        self, email: str, password: str, *, address: str, user_agent: str, now: datetime
    ) -> NewLogin:
        """Check the password and open a new session; ``AuthFailed`` or ``RateLimited``."""
        email = normalise_email(email)
        account_key, address_key = f"login:email:{email}", f"login:address:{address}"
        with self.store.transaction() as tx:
            throttle.check_not_locked(tx.accounts, [account_key, address_key], now)
            found = tx.accounts.account_with_hash(email) if email else None
            ok = verify_password(password[:1024], found[1] if found else dummy_hash())
            if found is not None and ok and found[0].active:
                throttle.clear(tx.accounts, account_key)
                return self._open_session(tx, found[0], user_agent, now)
            throttle.record_failure(tx.accounts, account_key, throttle.ACCOUNT_LIMIT, now)
            throttle.record_failure(tx.accounts, address_key, throttle.ADDRESS_LIMIT, now)
        raise AuthFailed(WRONG_LOGIN)

    def open_session(
        self, tx: ClinicTransaction, account: Account, user_agent: str, now: datetime
    ) -> NewLogin:
        """A session for ``account`` inside the caller's transaction (invite redemption)."""
        return self._open_session(tx, account, user_agent, now)

    def _open_session(
        self, tx: ClinicTransaction, account: Account, user_agent: str, now: datetime
    ) -> NewLogin:
        token = new_token()
        login = LoginSession(
            id=new_id(),
            account_id=account.id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + IDLE_TIMEOUT[account.role],
            revoked_at=None,
            user_agent=user_agent,
        )
        tx.accounts.add_login_session(login, token_hash(token))
        return NewLogin(token, login, account)

    def from_session_cookie(self, token: str, now: datetime) -> Principal | None:
        """The person behind a session cookie, or None (unknown, expired, revoked, disabled)."""
        if not token or len(token) > 200:
            return None
        with self.store.transaction() as tx:
            found = tx.accounts.login_session_with_account(token_hash(token))
            if found is None:
                return None
            login, account = found
            if not login.valid(now) or not account.active:
                return None
            if now - login.last_seen_at >= TOUCH_EVERY:
                expires = min(now + IDLE_TIMEOUT[account.role], login.created_at + ABSOLUTE_TIMEOUT)
                tx.accounts.touch_login_session(login.id, now, expires)
            return Principal(account=account, login=login)

    def from_bearer(self, token: str, now: datetime) -> Principal | None:
        """The patient behind a device token, or None (unknown, revoked, disabled)."""
        if not token or len(token) > 200:
            return None
        with self.store.transaction() as tx:
            found = tx.accounts.device_token_with_account(token_hash(token))
            if found is None:
                return None
            device, account = found
            if device.revoked_at is not None or not account.active:
                return None
            if device.last_used_at is None or now - device.last_used_at >= TOUCH_EVERY:
                tx.accounts.touch_device_token(device.id, now)
            return Principal(account=account, device=device)

    def logout(self, principal: Principal, now: datetime, *, everywhere: bool = False) -> None:
        if principal.login is None:
            return
        with self.store.transaction() as tx:
            tx.accounts.revoke_login_sessions(
                principal.account.id, now, None if everywhere else principal.login.id
            )

    def sessions(self, principal: Principal) -> list[LoginSession]:
        with self.store.transaction() as tx:
            return tx.accounts.login_sessions(principal.account.id)

    def revoke_session(self, principal: Principal, session_id: str, now: datetime) -> None:
        with self.store.transaction() as tx:
            if not tx.accounts.revoke_login_sessions(principal.account.id, now, session_id):
                raise NotFound("no such active session")

    def change_password(self, principal: Principal, current: str, new: str, now: datetime) -> None:
        """Change the password and log out every other session."""
        account = principal.account
        with self.store.transaction() as tx:
            stored = tx.accounts.password_hash(account.id) or dummy_hash()
            if not verify_password(current[:1024], stored):
                raise AuthFailed("the current password is wrong")
            problem = password_problem(new, email=account.email, name=account.display_name)
            if problem:
                raise InvalidInput([f"new password: {problem}"])
            tx.accounts.set_password_hash(account.id, hash_password(new))
            for login in tx.accounts.login_sessions(account.id):
                if principal.login is None or login.id != principal.login.id:
                    tx.accounts.revoke_login_sessions(account.id, now, login.id)

    # ---- device tokens ----------------------------------------------------------------------

    def create_device_token(
        self, principal: Principal, name: str, now: datetime
    ) -> tuple[str, DeviceToken]:
        """A bearer token for the patient's device; the token is returned once, never again."""
        if principal.account.role is not Role.PATIENT:
            raise Forbidden("device tokens are for patients' devices")
        name = name.strip()[:120] or "device"
        token = new_token()
        device = DeviceToken(new_id(), principal.account.id, name, now, None, None)
        with self.store.transaction() as tx:
            tx.accounts.add_device_token(device, token_hash(token))
        return token, device

    def device_tokens(self, principal: Principal) -> list[DeviceToken]:
        with self.store.transaction() as tx:
            return tx.accounts.device_tokens(principal.account.id)

    def revoke_device_token(self, principal: Principal, token_id: str, now: datetime) -> None:
        with self.store.transaction() as tx:
            if not tx.accounts.revoke_device_token(principal.account.id, token_id, now):
                raise NotFound("no such active device token")
