"""Which records a statistic counts: never demos (unless asked), from the first use on.

Every figure (``stats``, ``insights``, the History page, the report) passes its records
through :func:`counted_sessions`, so a ``--speed`` demo or a test run marked as a demo never
moves a streak, a dose or a trend unless the person asks (``--include-demo``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from hipflex.domain.records import SessionRecord


def counted_sessions(
    sessions: Iterable[SessionRecord], include_demo: bool = False
) -> list[SessionRecord]:
    """The sessions statistics count, oldest first."""
    chosen = [s for s in sessions if include_demo or not s.demo]
    return sorted(chosen, key=lambda s: (s.started_at, s.id))


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The person's calendar day of an aware ``moment``."""
    return moment.astimezone(tz).date()


def first_use_day(
    first_use: datetime | None, sessions: Iterable[SessionRecord], tz: tzinfo
) -> date | None:
    """The local day of the person's first session.

    ``first_use`` is the first stored session (``Repository.first_session_started_at``); pass
    it whenever ``sessions`` is not the whole history. Without it the earliest of
    ``sessions`` is used.
    """
    if first_use is not None:
        return local_day(first_use, tz)
    starts = [s.started_at for s in sessions]
    return local_day(min(starts), tz) if starts else None
