"""What a correction of a recorded session changes, and how long a delete can be undone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

UNDO_WINDOW = timedelta(minutes=15)


class Unchanged(Enum):
    """Marks a field a correction leaves as it is (``None`` means "remove")."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True)
class SessionCorrection:
    """What to change in a session. ``None`` removes a pain rating or the note."""

    pain_before: int | Unchanged | None = UNCHANGED
    pain_after: int | Unchanged | None = UNCHANGED
    note: str | Unchanged | None = UNCHANGED  # replaces the session's notes with this one
    demo: bool | Unchanged = UNCHANGED

    @property
    def empty(self) -> bool:
        return all(
            value is UNCHANGED
            for value in (self.pain_before, self.pain_after, self.note, self.demo)
        )
