"""Use case: record how much it hurts today, with or without a session (``hipflex pain N``,
and the Today page's check-in form)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Protocol

from hipflex.domain.records import PAIN_MAX, PAIN_MIN, PainCheckInRecord

NOTE_MAX_CHARS = 2000


class CheckInWriter(Protocol):
    """The part of the storage repository a check-in writes."""

    def record_pain_checkin(
        self, day: date, value: int, at: datetime, note: str | None = None
    ) -> PainCheckInRecord: ...


class CheckInError(ValueError):
    """A check-in that cannot be stored (the message says why, in plain words)."""


def check_in_pain(
    writer: CheckInWriter, value: int, now: datetime, tz: tzinfo, note: str | None = None
) -> PainCheckInRecord:
    """Store today's pain (0–10) for the person's local day of ``now``; a second check-in the
    same day replaces the first. ``CheckInError`` for a value outside 0–10 or a long note."""
    if isinstance(value, bool) or not isinstance(value, int) or not PAIN_MIN <= value <= PAIN_MAX:
        raise CheckInError(f"pain must be a whole number from {PAIN_MIN} to {PAIN_MAX}")
    if note is not None and len(note) > NOTE_MAX_CHARS:
        raise CheckInError(f"a note can be at most {NOTE_MAX_CHARS} characters")
    if now.tzinfo is None:
        raise CheckInError("the check-in time needs a time zone")
    return writer.record_pain_checkin(now.astimezone(tz).date(), value, now, note)
