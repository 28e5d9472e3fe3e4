"""Random secrets (session ids, invite and device tokens) and the hashes stored for them."""

from __future__ import annotations

import hashlib
import secrets
import uuid

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, rate limits or not


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 hex: tokens are random and long, so a fast hash is enough (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())
