"""The one definition of a week, used by every figure: ``stats``, ``insights``, the History
page and the report.

A week is **seven days ending today** (and the blocks of seven days before it), not a calendar
week from Monday. Why: a physiotherapist asks "in the last 7 days, on how many days did you
stretch?" and reads a report of the last N whole weeks on whatever weekday the appointment
falls. With calendar weeks the current week is cut short (on a Monday it holds one day, and
its dose looks like a failure), so two weeks are never comparable; with rolling weeks every
week has seven days and ends at the same point, today.

Days before the person's first session are not held against them: :func:`days_from` counts
only the days of a range on or after the first use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

WEEK_DAYS = 7


@dataclass(frozen=True)
class Week:
    """Seven consecutive local days, ``first_day`` to ``last_day`` inclusive."""

    first_day: date
    last_day: date

    def days(self) -> Iterator[date]:
        for offset in range((self.last_day - self.first_day).days + 1):
            yield self.first_day + timedelta(days=offset)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day

    def label(self) -> str:
        """``"03–09 Mar"`` or ``"27 Feb–05 Mar"``: the days it covers."""
        if self.first_day.month == self.last_day.month:
            return f"{self.first_day:%d}–{self.last_day:%d %b}"
        return f"{self.first_day:%d %b}–{self.last_day:%d %b}"


def week_ending(last_day: date) -> Week:
    """The seven days ending on ``last_day``."""
    return Week(last_day - timedelta(days=WEEK_DAYS - 1), last_day)


def weeks_ending(today: date, count: int) -> tuple[Week, ...]:
    """``count`` weeks, oldest first; the last one ends ``today``."""
    if count < 1:
        raise ValueError("count must be at least 1")
    return tuple(
        week_ending(today - timedelta(days=WEEK_DAYS * back)) for back in range(count - 1, -1, -1)
    )


def days_from(first_day: date, last_day: date, first_use: date | None) -> int:
    """Days of ``[first_day, last_day]`` on or after ``first_use`` (0 before any use)."""
    if first_use is None:
        return 0
    start = max(first_day, first_use)
    return max(0, (last_day - start).days + 1)
