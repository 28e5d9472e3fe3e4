"""What the history holds, as plain frozen dataclasses.

Storage returns these; insights, the CLI and the web read them. Nothing here knows about the
database, so code downstream of storage never imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side


class Source(StrEnum):
    """What measured a hold: the timer alone, the live camera, or a recorded video."""

    TIMER = "timer"
    CAMERA = "camera"
    VIDEO = "video"


class PainMoment(StrEnum):
    """When a pain rating was given, relative to the session."""

    BEFORE = "before"
    AFTER = "after"


PAIN_MIN = 0
PAIN_MAX = 10

# Outcomes that count as a repetition done; skipped and interrupted holds do not.
REP_OUTCOMES = frozenset({HoldOutcome.COMPLETED, HoldOutcome.TIMED_OUT})


@dataclass(frozen=True)
class HoldRecord:
    """One stored hold. Times are timezone-aware UTC; ``counted_s`` is the time that counted."""

    id: str
    session_id: str
    side: Side
    rep: int
    target_s: float
    counted_s: float
    started_at: datetime
    ended_at: datetime
    outcome: HoldOutcome
    source: Source
    hip_extension_max_deg: float | None = None
    hip_extension_median_deg: float | None = None
    faults: Mapping[str, float] | None = None  # fault name → seconds it was seen

    @property
    def counts_as_rep(self) -> bool:
        """True when the hold was completed or ran to its time limit."""
        return self.outcome in REP_OUTCOMES


@dataclass(frozen=True)
class PainRecord:
    """A 0–10 pain rating before or after a session (at most one per moment)."""

    id: str
    session_id: str
    moment: PainMoment
    value: int
    recorded_at: datetime


@dataclass(frozen=True)
class NoteRecord:
    """A free-text note attached to a session."""

    id: str
    session_id: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    """One stored session with its holds (in order), pain ratings and notes."""

    id: str
    protocol_name: str
    protocol_title: str
    hold_target_s: float
    holds_planned: int
    started_at: datetime
    ended_at: datetime | None
    status: SessionStatus
    source: Source
    pid: int | None = None
    host: str | None = None
    holds: tuple[HoldRecord, ...] = ()
    pain_ratings: tuple[PainRecord, ...] = ()
    notes: tuple[NoteRecord, ...] = ()
    demo: bool = False  # a sped-up or test run: left out of statistics unless asked

    @property
    def pain_before(self) -> int | None:
        """The pain rating given before the session, if any."""
        return self._pain(PainMoment.BEFORE)

    @property
    def pain_after(self) -> int | None:
        """The pain rating given after the session, if any."""
        return self._pain(PainMoment.AFTER)

    @property
    def reps_done(self) -> int:
        """Holds that count as a repetition (completed or timed out)."""
        return sum(1 for hold in self.holds if hold.counts_as_rep)

    def counted_s_by_side(self) -> dict[Side, float]:
        """Counted hold seconds per side, over all holds of the session."""
        totals: dict[Side, float] = {}
        for hold in self.holds:
            totals[hold.side] = totals.get(hold.side, 0.0) + hold.counted_s
        return totals

    def _pain(self, moment: PainMoment) -> int | None:
        values = [p for p in self.pain_ratings if p.moment is moment]
        if not values:
            return None
        return max(values, key=lambda p: p.recorded_at).value


@dataclass(frozen=True)
class PainCheckInRecord:
    """A 0–10 pain rating given on a day, outside any session (at most one per local day)."""

    id: str
    day: date  # the person's local calendar day it is for
    value: int
    recorded_at: datetime
    note: str | None = None
