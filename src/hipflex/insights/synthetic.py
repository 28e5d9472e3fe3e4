"""Made-up histories with known answers, for tests, demos and trying the report.

``synthetic_session`` builds one :class:`SessionRecord` the way storage would return it; ids are
derived from the start time so the same call gives the same record (imports stay idempotent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import (
    HoldRecord,
    NoteRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)


def synthetic_session(
    started_at: datetime,
    *,
    reps: int = 4,
    hold_s: float = 30.0,
    counted_s: float | None = None,
    sides: Sequence[Side] = (Side.RIGHT, Side.LEFT),
    extension_deg: Mapping[Side, float] | None = None,
    pain_before: int | None = None,
    pain_after: int | None = None,
    status: SessionStatus = SessionStatus.COMPLETED,
    note: str | None = None,
    protocol_name: str = "kneeling-hip-flexor",
    protocol_title: str = "Half-kneeling hip flexor stretch",
) -> SessionRecord:
    """One session of ``reps`` holds per side, ``counted_s`` (default ``hold_s``) each.

    ``extension_deg`` gives a side's best hip extension; the side's holds then come from the
    camera, with the best hold reaching that value and the others a little less.
    """
    session_id = f"synthetic-{started_at.isoformat()}"
    extension = dict(extension_deg or {})
    holds: list[HoldRecord] = []
    cursor = started_at
    for side in sides:
        for rep in range(1, reps + 1):
            best = extension.get(side)
            holds.append(
                HoldRecord(
                    id=f"{session_id}-{side.value}-{rep}",
                    session_id=session_id,
                    side=side,
                    rep=rep,
                    target_s=hold_s,
                    counted_s=hold_s if counted_s is None else counted_s,
                    started_at=cursor,
                    ended_at=cursor + timedelta(seconds=hold_s),
                    outcome=HoldOutcome.COMPLETED,
                    source=Source.CAMERA if best is not None else Source.TIMER,
                    hip_extension_max_deg=None if best is None else best - (rep % reps),
                    hip_extension_median_deg=None if best is None else best - 2 - (rep % reps),
                )
            )
            cursor += timedelta(seconds=hold_s + 15)
    pain: list[PainRecord] = []
    for moment, value, at in (
        (PainMoment.BEFORE, pain_before, started_at),
        (PainMoment.AFTER, pain_after, cursor),
    ):
        if value is not None:
            pain.append(
                PainRecord(f"{session_id}-pain-{moment.value}", session_id, moment, value, at)
            )
    notes = (NoteRecord(f"{session_id}-note", session_id, note, cursor),) if note else ()
    return SessionRecord(
        id=session_id,
        protocol_name=protocol_name,
        protocol_title=protocol_title,
        hold_target_s=hold_s,
        holds_planned=reps * len(sides),
        started_at=started_at,
        ended_at=cursor,
        status=status,
        source=Source.CAMERA if extension else Source.TIMER,
        holds=tuple(holds),
        pain_ratings=tuple(pain),
        notes=notes,
    )
