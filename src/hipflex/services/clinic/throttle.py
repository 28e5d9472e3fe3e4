"""Lock-out after repeated failures: per e-mail and per client address, stored in the
database so it holds across server processes and restarts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from hipflex.services.clinic.errors import RateLimited
from hipflex.services.clinic.ports import AccountsStore


@dataclass(frozen=True)
class Limit:
    failures: int  # this many failures within ``window`` ...
    window: timedelta
    lockout: timedelta  # ... lock the key for this long


ACCOUNT_LIMIT = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
ADDRESS_LIMIT = Limit(30, timedelta(minutes=15), timedelta(minutes=15))
INVITE_LIMIT = Limit(10, timedelta(minutes=15), timedelta(minutes=15))


def check_not_locked(repo: AccountsStore, keys: list[str], now: datetime) -> None:
    """Raise ``RateLimited`` when any key is locked right now."""
    for key in keys:
        _, _, locked_until = repo.throttle(key, lock=False)
        if locked_until is not None and locked_until > now:
            wait_s = math.ceil((locked_until - now).total_seconds())
            minutes = max(1, math.ceil(wait_s / 60))
            raise RateLimited(
                f"too many failed attempts: try again in {minutes} "
                f"{'minute' if minutes == 1 else 'minutes'}",
                retry_after_s=wait_s,
            )


def record_failure(repo: AccountsStore, key: str, limit: Limit, now: datetime) -> bool:
    """Count a failure; True when it locked the key."""
    failures, window_start, _ = repo.throttle(key)
    if window_start is None or now - window_start > limit.window:
        failures, window_start = 0, now
    failures += 1
    locked_until = now + limit.lockout if failures >= limit.failures else None
    repo.set_throttle(key, failures, window_start, locked_until)
    return locked_until is not None


def clear(repo: AccountsStore, key: str) -> None:
    repo.clear_throttle(key)
