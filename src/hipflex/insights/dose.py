"""Hold seconds per side against the dose, per day and per week.

Pure. A day counts at most the prescribed dose per side (the protocol's hold × reps): a second
session on the same day is good practice but not a second day's dose, so extra sessions never
lift a week above what the days done would give. A week's dose counts only the days on or
after the first use (see :mod:`hipflex.insights.weeks`), so a new user's first week is not
measured against days before they started.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, tzinfo

from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.scope import local_day
from hipflex.insights.weeks import WEEK_DAYS, Week, days_from


@dataclass(frozen=True)
class SideDose:
    """Counted hold seconds on one side in a period, against the dose for that period."""

    counted_s: float
    dose_s: int

    @property
    def fraction(self) -> float | None:
        """counted / dose; None when nothing was planned (another protocol's side, or days
        before the first use)."""
        return self.counted_s / self.dose_s if self.dose_s else None


@dataclass(frozen=True)
class WeekDose:
    """One week's hold seconds per side; ``active_days`` are its days since the first use."""

    week: Week
    sides: dict[Side, SideDose]
    active_days: int

    @property
    def first_day(self) -> date:
        return self.week.first_day

    def counted_s(self, side: Side) -> float:
        dose = self.sides.get(side)
        return dose.counted_s if dose else 0.0


def daily_seconds(
    sessions: Iterable[SessionRecord], protocol: Protocol, tz: tzinfo
) -> dict[date, dict[Side, float]]:
    """Counted seconds per local day and side, each protocol side capped at one session's
    dose (hold × reps). Sides the protocol does not stretch are not capped (no dose)."""
    raw: dict[date, dict[Side, float]] = {}
    for session in sessions:
        day = raw.setdefault(local_day(session.started_at, tz), {})
        for side, seconds in session.counted_s_by_side().items():
            day[side] = day.get(side, 0.0) + seconds
    cap = float(protocol.session_dose_s())
    return {
        day: {side: min(s, cap) if side in protocol.sides else s for side, s in sides.items()}
        for day, sides in raw.items()
    }


def week_dose(
    daily: Mapping[date, Mapping[Side, float]],
    protocol: Protocol,
    week: Week,
    first_use: date | None,
) -> WeekDose:
    """Seconds per side in ``week`` against the weekly dose, prorated to the days since
    ``first_use``.

    Every side the protocol stretches appears (0 s when not done); a side stretched only by
    another protocol appears with a dose of 0.
    """
    counted: dict[Side, float] = dict.fromkeys(protocol.sides, 0.0)
    for day in week.days():
        for side, seconds in daily.get(day, {}).items():
            counted[side] = counted.get(side, 0.0) + seconds
    active = days_from(week.first_day, week.last_day, first_use)
    planned = round(protocol.weekly_dose_s() * active / WEEK_DAYS)
    return WeekDose(
        week=week,
        sides={
            side: SideDose(seconds, planned if side in protocol.sides else 0)
            for side, seconds in counted.items()
        },
        active_days=active,
    )
