"""Pain ratings and a note for one session: during it, or afterwards from the check-in form.

(A day's pain without a session is ``checkins.py``.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hipflex.domain.records import PainMoment, SessionRecord
from hipflex.errors import HipflexError
from hipflex.services.recorder import HistoryWriter


class CheckInHistory(HistoryWriter, Protocol):
    """A history that can also say whether a session exists."""

    def get_session(self, session_id: str) -> SessionRecord | None: ...


class UnknownSessionError(HipflexError):
    """The check-in names a session the history does not hold."""


@dataclass(frozen=True)
class CheckIn:
    """What a person says about a session; every part optional. Pain is on the
    ``PAIN_MIN``–``PAIN_MAX`` scale (the edges validate it; storage checks it again)."""

    pain_before: int | None = None
    pain_after: int | None = None
    note: str | None = None


def save_check_in(
    history: HistoryWriter, session_id: str, check_in: CheckIn, at: datetime
) -> list[str]:
    """Store the parts given (a blank note is left out); returns their names, in order."""
    saved: list[str] = []
    for name, moment, value in (
        ("pain_before", PainMoment.BEFORE, check_in.pain_before),
        ("pain_after", PainMoment.AFTER, check_in.pain_after),
    ):
        if value is not None:
            history.record_pain(session_id, moment, value, at)
            saved.append(name)
    note = (check_in.note or "").strip()
    if note:
        history.add_note(session_id, note, at)
        saved.append("note")
    return saved


def check_in_after(
    history: CheckInHistory, session_id: str, check_in: CheckIn, at: datetime
) -> list[str]:
    """The check-in form after a session: :class:`UnknownSessionError` for a wrong id."""
    if history.get_session(session_id) is None:
        raise UnknownSessionError(f"no session {session_id!r}")
    return save_check_in(history, session_id, check_in, at)
