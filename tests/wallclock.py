"""Seeding a history relative to the real clock without crossing midnight.

"Ten minutes ago" is yesterday at 00:05: a test that seeds a session "a few minutes ago" and
then expects today's page to show it done fails for a few minutes each night. These helpers keep
a seeded time on the intended local day (the day the pages count by when no timezone is set)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def local_midnight(now: datetime) -> datetime:
    """The start of ``now``'s day in this machine's timezone."""
    return now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def earlier_today(back: timedelta, *, days_ago: int = 0, now: datetime | None = None) -> datetime:
    """``now - back`` (``days_ago`` days earlier), but never before the day's local midnight."""
    current = now or datetime.now(UTC)
    since_midnight = current - local_midnight(current)
    return (current - min(back, since_midnight) - timedelta(days=days_ago)).astimezone(UTC)
