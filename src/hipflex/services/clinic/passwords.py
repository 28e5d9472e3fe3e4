"""Passwords: argon2 hashes (pwdlib), at least 8 characters, the most common ones refused.

No composition rules (NIST SP 800-63B): length and a block-list of common passwords protect
better than demanding digits and symbols, which people satisfy predictably.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from pwdlib import PasswordHash

MIN_LENGTH = 8
MAX_LENGTH = 256  # argon2 hashes any length; a cap keeps a huge "password" from costing CPU
COMMON_PASSWORDS = Path(__file__).with_name("data") / "common-passwords.txt.gz"

_hasher = PasswordHash.recommended()


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (see data/README.md for its source and licence), lower-case."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` cannot be used, or None when it can."""
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must have at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords():
        return "this password is one of the most common ones; choose another"
    personal = {email.lower(), email.lower().split("@")[0], name.lower().replace(" ", "")}
    if lowered in personal - {""}:
        return "the password must not be your e-mail address or name"
    if len(set(password)) == 1:
        return "the password must not be one character repeated"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bool(_hasher.verify(password, password_hash))
    except Exception:  # a malformed stored hash must not become a 500 at login
        return False


@cache
def dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so timing does not tell which exist."""
    return _hasher.hash("hipflex-no-such-account")
