"""Sending the outbox to the clinic, oldest first, with back-off when the clinic is away.

Each item is read from the history as it is *now* and sent as JSON; the clinic stores it by
its uuid, so an item sent twice (a push killed after the clinic stored it but before the
outbox heard back) adds nothing. An unreachable clinic stops the push at once and every item
due waits ``backoff(attempts)``; a revoked token stops it with a clear message; an item the
clinic refuses (422, 409) is kept, marked refused, and the rest go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from hipflex.domain.events import SessionStatus
from hipflex.domain.records import HoldRecord, PainCheckInRecord, SessionRecord
from hipflex.storage.outbox import Outbox, OutboxItem, OutboxKind
from hipflex.sync.client import ClinicClient, Refused, Revoked, Unreachable

FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
IN_PROGRESS_RETRY = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed tries: 30 s, 1 min, 2 min, ... at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** min(max(0, attempts), 20))
    return min(wait, LAST_RETRY)


class SessionReader(Protocol):
    def get_session(self, session_id: str) -> SessionRecord | None: ...


@dataclass
class PushResult:
    sent: int = 0
    skipped: int = 0  # deleted, demo or gone: nothing to send
    refused: list[str] = field(default_factory=list)
    error: str | None = None  # why the push stopped early (unreachable, revoked)
    revoked: bool = False


def push(
    outbox: Outbox,
    history: SessionReader,
    client: ClinicClient,
    now: datetime,
    *,
    all_pending: bool = False,
    limit: int = 10_000,
) -> PushResult:
    """Send what is due (``all_pending``: everything waiting, ignoring the back-off)."""
    result = PushResult()
    while result.sent + result.skipped + len(result.refused) < limit:
        batch = outbox.due(None if all_pending else now, limit=50)
        batch = [item for item in batch if item.item_id not in set(result.refused)]
        if not batch:
            break
        progressed = False
        for item in batch:
            payload = _payload(item, outbox, history)
            if payload is None:
                outbox.sent(item)  # nothing to send for this version
                result.skipped += 1
                progressed = True
                continue
            if isinstance(payload, str):  # a session still in progress
                outbox.retry_later(
                    item, "the session is still in progress", now + IN_PROGRESS_RETRY
                )
                continue
            try:
                if item.kind is OutboxKind.SESSION:
                    client.push_session(payload)
                else:
                    client.push_checkin(payload)
            except Unreachable as exc:
                _back_off(outbox, now, exc.message)
                result.error = exc.message
                return result
            except Revoked as exc:
                outbox.update_link(revoked_at=now, last_error=exc.message)
                result.error, result.revoked = exc.message, True
                return result
            except Refused as exc:
                outbox.refused(item, exc.message, now)
                result.refused.append(item.item_id)
                continue
            outbox.sent(item)
            result.sent += 1
            progressed = True
        if not progressed:
            break
    if result.sent or result.skipped:
        outbox.update_link(last_push_at=now, last_error=None)
    return result


def _back_off(outbox: Outbox, now: datetime, error: str) -> None:
    """The clinic is away: every due item waits, each by its own attempt count."""
    for item in outbox.due(now, limit=10_000):
        outbox.retry_later(item, error, now + backoff(item.attempts))
    outbox.update_link(last_error=error)


def _payload(
    item: OutboxItem, outbox: Outbox, history: SessionReader
) -> dict[str, Any] | str | None:
    if item.kind is OutboxKind.CHECKIN:
        checkin = outbox.checkin(item.item_id)
        return None if checkin is None else checkin_payload(checkin)
    session = history.get_session(item.item_id)
    if session is None or session.demo:
        return None  # deleted (a deletion is not sent) or a sped-up demo run
    if session.status is SessionStatus.IN_PROGRESS:
        return "wait"
    return session_payload(session)


def session_payload(session: SessionRecord) -> dict[str, Any]:
    """The clinic's ``SessionIn`` shape (``POST /api/v1/device/sessions``)."""
    return {
        "id": session.id,
        "protocol_name": session.protocol_name,
        "protocol_title": session.protocol_title,
        "hold_target_s": session.hold_target_s,
        "holds_planned": session.holds_planned,
        "started_at": session.started_at.isoformat(),
        "ended_at": (session.ended_at or session.started_at).isoformat(),
        "status": "completed" if session.status is SessionStatus.COMPLETED else "partial",
        "source": session.source.value,
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "note": "\n\n".join(note.text for note in session.notes)[:4000],
        "holds": [_hold(hold) for hold in session.holds],
    }


def _hold(hold: HoldRecord) -> dict[str, Any]:
    return {
        "id": hold.id,
        "side": hold.side.value,
        "rep": hold.rep,
        "target_s": hold.target_s,
        "counted_s": hold.counted_s,
        "started_at": hold.started_at.isoformat(),
        "ended_at": hold.ended_at.isoformat(),
        "outcome": hold.outcome.value,
        "source": hold.source.value,
        "hip_extension_max_deg": hold.hip_extension_max_deg,
        "hip_extension_median_deg": hold.hip_extension_median_deg,
    }


def checkin_payload(checkin: PainCheckInRecord) -> dict[str, Any]:
    return {
        "id": checkin.id,
        "day": checkin.day.isoformat(),
        "value": checkin.value,
        "note": (checkin.note or "")[:2000],
    }
