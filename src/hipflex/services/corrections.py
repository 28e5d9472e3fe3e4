"""Use cases: correct a recorded session (edit its pain, note and demo mark; delete it; undo
the delete). The web's History page calls these; the storage rules (soft delete, the undo
window, purging what is past it) live in :mod:`hipflex.storage.corrections`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hipflex.domain.corrections import UNDO_WINDOW, SessionCorrection
from hipflex.domain.events import SessionStatus
from hipflex.domain.records import SessionRecord

NOTE_MAX_CHARS = 2000  # as the session's own note box and `hipflex pain --note`

__all__ = [
    "UNDO_WINDOW",
    "CorrectionError",
    "SessionCorrection",
    "correct_session",
    "delete_session",
    "undo_delete",
    "undo_minutes",
]


class CorrectionWriter(Protocol):
    """The part of the storage repository a correction uses."""

    def get_session(self, session_id: str) -> SessionRecord | None: ...

    def purge_deleted(self, now: datetime) -> int: ...

    def correct_session(
        self, session_id: str, correction: SessionCorrection, at: datetime
    ) -> SessionRecord: ...

    def delete_session(self, session_id: str, at: datetime) -> SessionRecord: ...

    def undo_delete(self, now: datetime) -> SessionRecord | None: ...


class CorrectionError(ValueError):
    """A correction that cannot be made (the message says why, in plain words)."""


def undo_minutes() -> int:
    """How long a deleted session can be restored, in whole minutes."""
    return int(UNDO_WINDOW.total_seconds() // 60)


def session_to_correct(writer: CorrectionWriter, session_id: str, now: datetime) -> SessionRecord:
    """The stored session ``session_id`` (not deleted), after purging deletes past the undo
    window; ``CorrectionError`` when there is none."""
    writer.purge_deleted(now)
    found = writer.get_session(session_id)
    if found is None:
        raise CorrectionError("no such session (it may have been deleted)")
    return found


def correct_session(
    writer: CorrectionWriter, session_id: str, correction: SessionCorrection, now: datetime
) -> SessionRecord:
    """Apply ``correction``; returns the session as it now is. ``CorrectionError`` for a
    missing session, a pain value outside 0–10 or a note longer than ``NOTE_MAX_CHARS``."""
    if isinstance(correction.note, str) and len(correction.note) > NOTE_MAX_CHARS:
        raise CorrectionError(f"a note can be at most {NOTE_MAX_CHARS} characters")
    session_to_correct(writer, session_id, now)
    try:
        return writer.correct_session(session_id, correction, now)
    except ValueError as exc:
        raise CorrectionError(str(exc)) from None


def delete_session(writer: CorrectionWriter, session_id: str, now: datetime) -> SessionRecord:
    """Delete a session (restorable with :func:`undo_delete` for ``UNDO_WINDOW``); returns it
    as it was. ``CorrectionError`` for a missing session or one still in progress."""
    found = session_to_correct(writer, session_id, now)
    if found.status is SessionStatus.IN_PROGRESS:
        raise CorrectionError(
            "that session is still in progress; finish or quit it before deleting it"
        )
    try:
        return writer.delete_session(session_id, now)
    except ValueError as exc:  # the id vanished meanwhile (SessionIdError is one)
        raise CorrectionError(str(exc)) from None


def undo_delete(writer: CorrectionWriter, now: datetime) -> SessionRecord:
    """Restore the session deleted last; ``CorrectionError`` when none was deleted within
    ``UNDO_WINDOW``."""
    restored = writer.undo_delete(now)
    if restored is None:
        minutes = undo_minutes()
        raise CorrectionError(
            f"nothing to undo: no session was deleted in the last {minutes} minutes"
        )
    return restored
