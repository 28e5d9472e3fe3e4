"""Small per-session summaries that storage computes in SQL, so a figure over years of history
never loads every hold (see :mod:`hipflex.storage.history_queries`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SessionPain:
    """A session's pain ratings (0–10, None when not given) and when it started."""

    session_id: str
    started_at: datetime
    before: int | None
    after: int | None
