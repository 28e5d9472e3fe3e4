"""The export format, field by field, as pydantic models that validate an import.

JSON nests holds, pain ratings and notes inside each session; CSV has one row per hold with the
session's fields repeated (see ``exchange.CSV_COLUMNS``). Both turn into the same records.
"""

from __future__ import annotations

import math
from datetime import UTC, date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import (
    PAIN_MAX,
    PAIN_MIN,
    HoldRecord,
    NoteRecord,
    PainCheckInRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)

FORMAT_NAME = "hipflex-history"
# 2 added a session's ``demo`` mark and the top-level ``pain_checkins``; version 1 files are
# read as they are (no demos, no check-ins).
FORMAT_VERSION = 2

Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Degrees = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HoldIn(_Strict):
    id: UUID
    side: Side
    rep: int = Field(ge=1, le=100)
    target_s: Seconds
    counted_s: Seconds
    started_at: AwareDatetime
    ended_at: AwareDatetime
    outcome: HoldOutcome
    source: Source
    hip_extension_max_deg: Degrees | None = None
    hip_extension_median_deg: Degrees | None = None
    faults: dict[str, Seconds] | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> HoldIn:
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        return self

    @field_validator("faults")
    @classmethod
    def _fault_names(cls, faults: dict[str, float] | None) -> dict[str, float] | None:
        if faults is not None and any(not name for name in faults):
            raise ValueError("fault names must not be empty")
        return faults


class PainIn(_Strict):
    id: UUID
    moment: PainMoment
    value: int = Field(ge=PAIN_MIN, le=PAIN_MAX)
    recorded_at: AwareDatetime


class NoteIn(_Strict):
    id: UUID
    text: str = Field(min_length=1)
    created_at: AwareDatetime


class SessionFieldsIn(_Strict):
    """A session's own fields (the part CSV repeats on every row)."""

    id: UUID
    protocol_name: str = Field(min_length=1, max_length=63)
    protocol_title: str = Field(min_length=1, max_length=120)
    hold_target_s: Seconds
    holds_planned: int = Field(ge=0, le=1000)
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    status: SessionStatus
    source: Source
    pid: int | None = Field(default=None, ge=0)
    host: str | None = Field(default=None, max_length=255)
    demo: bool = False


class SessionIn(SessionFieldsIn):
    holds: list[HoldIn] = []
    pain_ratings: list[PainIn] = []
    notes: list[NoteIn] = []

    @model_validator(mode="after")
    def _one_pain_per_moment(self) -> SessionIn:
        moments = [pain.moment for pain in self.pain_ratings]
        if len(moments) != len(set(moments)):
            raise ValueError("pain_ratings: at most one rating before and one after")
        return self


class CheckInIn(_Strict):
    """A pain check-in (a rating outside any session), one per local day."""

    id: UUID
    day: date
    value: int = Field(ge=PAIN_MIN, le=PAIN_MAX)
    recorded_at: AwareDatetime
    note: str | None = None


class HistoryFileIn(_Strict):
    """The whole JSON export."""

    format: Literal["hipflex-history"]
    format_version: int
    exported_at: AwareDatetime | None = None
    hipflex_version: str | None = None
    sessions: list[SessionIn]
    pain_checkins: list[CheckInIn] = []

    @model_validator(mode="after")
    def _one_checkin_per_day(self) -> HistoryFileIn:
        days = [checkin.day for checkin in self.pain_checkins]
        if len(days) != len(set(days)):
            raise ValueError("pain_checkins: at most one check-in per day")
        return self

    @field_validator("format_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version > FORMAT_VERSION:
            raise ValueError(
                f"format version {version} was written by a newer hipflex "
                f"(this one reads up to {FORMAT_VERSION}); upgrade hipflex"
            )
        if version < 1:
            raise ValueError("format version must be at least 1")
        return version


def to_hold_record(hold: HoldIn, session_id: str) -> HoldRecord:
    """The record for a validated hold of session ``session_id``."""
    return HoldRecord(
        id=str(hold.id),
        session_id=session_id,
        side=hold.side,
        rep=hold.rep,
        target_s=hold.target_s,
        counted_s=hold.counted_s,
        started_at=hold.started_at.astimezone(UTC),
        ended_at=hold.ended_at.astimezone(UTC),
        outcome=hold.outcome,
        source=hold.source,
        hip_extension_max_deg=hold.hip_extension_max_deg,
        hip_extension_median_deg=hold.hip_extension_median_deg,
        faults=dict(hold.faults) if hold.faults is not None else None,
    )


def to_pain_record(pain: PainIn, session_id: str) -> PainRecord:
    """The record for a validated pain rating of session ``session_id``."""
    return PainRecord(
        str(pain.id), session_id, pain.moment, pain.value, pain.recorded_at.astimezone(UTC)
    )


def to_note_record(note: NoteIn, session_id: str) -> NoteRecord:
    """The record for a validated note of session ``session_id``."""
    return NoteRecord(str(note.id), session_id, note.text, note.created_at.astimezone(UTC))


def to_session_record(
    fields: SessionFieldsIn,
    holds: list[HoldIn],
    pain_ratings: list[PainIn],
    notes: list[NoteIn],
) -> SessionRecord:
    """The record for a validated session and its parts."""
    session_id = str(fields.id)
    return SessionRecord(
        id=session_id,
        protocol_name=fields.protocol_name,
        protocol_title=fields.protocol_title,
        hold_target_s=fields.hold_target_s,
        holds_planned=fields.holds_planned,
        started_at=fields.started_at.astimezone(UTC),
        ended_at=fields.ended_at.astimezone(UTC) if fields.ended_at else None,
        status=fields.status,
        source=fields.source,
        pid=fields.pid,
        host=fields.host,
        demo=fields.demo,
        holds=tuple(to_hold_record(h, session_id) for h in holds),
        pain_ratings=tuple(to_pain_record(p, session_id) for p in pain_ratings),
        notes=tuple(to_note_record(n, session_id) for n in notes),
    )


def to_checkin_record(checkin: CheckInIn) -> PainCheckInRecord:
    """The record for a validated pain check-in."""
    return PainCheckInRecord(
        str(checkin.id),
        checkin.day,
        checkin.value,
        checkin.recorded_at.astimezone(UTC),
        (checkin.note or "").strip() or None,
    )


def number_text(value: float | None) -> str:
    """A float as export text: exact (repr), empty for None."""
    if value is None:
        return ""
    if not math.isfinite(value):
        raise ValueError(f"cannot export non-finite number {value!r}")
    return repr(float(value))
