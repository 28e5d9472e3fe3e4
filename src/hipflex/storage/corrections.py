"""Correcting the history: edit a session's pain, note and demo mark; delete with an undo.

Deleting is soft: the session gets a ``deleted_at`` and every read leaves it out at once.
For :data:`UNDO_WINDOW` it can be restored (``undo_delete``); after that it is removed for good
(with its holds, pain ratings and notes) by :meth:`CorrectionsMixin.purge_deleted`, which the
correcting commands call, so nothing deleted lingers in the file for long.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from hipflex.domain.corrections import UNCHANGED, UNDO_WINDOW, SessionCorrection
from hipflex.domain.events import SessionStatus
from hipflex.domain.records import PainMoment, SessionRecord
from hipflex.storage.tables import NoteRow, PainRatingRow, SessionRow

# The correction's shape and the undo window are the domain's; named here too for callers.
__all__ = [
    "UNCHANGED",
    "UNDO_WINDOW",
    "CorrectionsMixin",
    "SessionCorrection",
    "SessionIdError",
    "unique_prefix_length",
]

SHORT_ID_MIN_CHARS = 6  # short enough to type, long enough to stay unique for years


class SessionIdError(ValueError):
    """No stored session matches an id (prefix), or more than one does."""


class CorrectionsMixin:
    """Corrections of :class:`~hipflex.storage.repository.Repository` (kept apart for size)."""

    _sessions: sessionmaker[Session]  # writes: take the write lock (see storage/db.py)
    _reads: sessionmaker[Session]  # reads: a WAL snapshot, never the write lock

    if TYPE_CHECKING:

        def get_session(self, session_id: str) -> SessionRecord | None: ...

    # -- finding a session by what the person types -----------------------------------------

    def resolve_session_id(self, prefix: str) -> str:
        """The full id of the one (not deleted) session whose id starts with ``prefix``."""
        text = prefix.strip().lower()
        if not text:
            raise SessionIdError("give a session id (see `hipflex history`)")
        with self._reads() as db:
            ids = db.scalars(
                select(SessionRow.id)
                .where(SessionRow.deleted_at.is_(None))
                .where(SessionRow.id.startswith(text, autoescape=True))
                .limit(6)
            ).all()
        if text in ids:
            return text
        if not ids:
            raise SessionIdError(f"no session with an id starting {prefix!r}")
        if len(ids) > 1:
            shown = ", ".join(ids[:5])
            raise SessionIdError(f"{prefix!r} matches more than one session ({shown}); type more")
        return ids[0]

    def short_id_length(self, minimum: int = SHORT_ID_MIN_CHARS) -> int:
        """The shortest id prefix (at least ``minimum`` characters) unique among sessions."""
        with self._reads() as db:
            ids = sorted(db.scalars(select(SessionRow.id).where(SessionRow.deleted_at.is_(None))))
        return unique_prefix_length(ids, minimum)

    def first_session_started_at(self, include_demo: bool = False) -> datetime | None:
        """When the person first used hipflex (the first stored session), or None."""
        query = select(SessionRow).where(SessionRow.deleted_at.is_(None))
        if not include_demo:
            query = query.where(SessionRow.demo.is_(False))
        with self._reads() as db:
            row = db.scalars(query.order_by(SessionRow.started_at).limit(1)).first()
            return None if row is None else row.started_at

    # -- corrections ------------------------------------------------------------------------

    def correct_session(
        self, session_id: str, correction: SessionCorrection, at: datetime
    ) -> SessionRecord:
        """Apply ``correction`` in one transaction; returns the corrected session.

        A new pain rating is dated at the session's start (before) or end (after), so it
        stays on the session's day; an edited one keeps its time. ``ValueError`` for a pain
        value outside 0–10 or an unknown session.
        """
        from hipflex.storage.repository import (
            check_aware,
            check_pain_value,
            pain_rating_id,
            stored_pain_rating,
        )

        check_aware(at, "correction time")
        with self._sessions.begin() as db:
            row = _live_session(db, session_id)
            for moment, value in (
                (PainMoment.BEFORE, correction.pain_before),
                (PainMoment.AFTER, correction.pain_after),
            ):
                if value is UNCHANGED:
                    continue
                rating = stored_pain_rating(db, row.id, moment)
                if value is None:
                    if rating is not None:
                        db.delete(rating)
                    continue
                checked = check_pain_value(value)
                if rating is not None:
                    rating.value = checked
                    continue
                when = row.started_at if moment is PainMoment.BEFORE else row.ended_at
                db.add(
                    PainRatingRow(
                        id=pain_rating_id(row.id, moment),
                        session_id=row.id,
                        moment=moment.value,
                        value=checked,
                        recorded_at=when or row.started_at,
                    )
                )
            if correction.note is not UNCHANGED:
                _replace_note(db, row, correction.note, at)
            if correction.demo is not UNCHANGED:
                row.demo = bool(correction.demo)
        corrected = self.get_session(session_id)
        assert corrected is not None
        return corrected

    def delete_session(self, session_id: str, at: datetime) -> SessionRecord:
        """Soft-delete a session (restorable with :meth:`undo_delete` for ``UNDO_WINDOW``).

        A session still in progress is refused (``ValueError``): finish or quit it first.
        Returns the session as it was.
        """
        from hipflex.storage.repository import check_aware

        check_aware(at, "deleted_at")
        record = self.get_session(session_id)
        if record is None:
            raise SessionIdError(f"no session with id {session_id!r}")
        if record.status is SessionStatus.IN_PROGRESS:
            raise ValueError(
                "that session is still in progress; finish or quit it before deleting it"
            )
        self.purge_deleted(at)
        with self._sessions.begin() as db:
            _live_session(db, session_id).deleted_at = at
        return record

    def undo_delete(self, now: datetime) -> SessionRecord | None:
        """Restore the most recently deleted session if it was deleted within
        ``UNDO_WINDOW`` of ``now``; None when there is nothing to restore."""
        from hipflex.storage.repository import check_aware

        check_aware(now, "now")
        with self._sessions.begin() as db:
            row = db.scalars(
                select(SessionRow)
                .where(SessionRow.deleted_at.is_not(None))
                .where(SessionRow.deleted_at >= now - UNDO_WINDOW)
                .order_by(SessionRow.deleted_at.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            row.deleted_at = None
            session_id = row.id
        return self.get_session(session_id)

    def purge_deleted(self, now: datetime) -> int:
        """Remove for good sessions deleted longer than ``UNDO_WINDOW`` before ``now``."""
        with self._sessions.begin() as db:
            rows = db.scalars(
                select(SessionRow)
                .where(SessionRow.deleted_at.is_not(None))
                .where(SessionRow.deleted_at < now - UNDO_WINDOW)
                .options(
                    selectinload(SessionRow.holds),
                    selectinload(SessionRow.pain_ratings),
                    selectinload(SessionRow.notes),
                )
            ).all()
            for row in rows:
                db.delete(row)
        return len(rows)


def unique_prefix_length(ids: list[str], minimum: int = SHORT_ID_MIN_CHARS) -> int:
    """The shortest length ≥ ``minimum`` at which every id in the sorted ``ids`` differs."""
    length = minimum
    for first, second in itertools.pairwise(ids):
        common = 0
        for a, b in zip(first, second, strict=False):
            if a != b:
                break
            common += 1
        length = max(length, common + 1)
    return length


def _live_session(db: Session, session_id: str) -> SessionRow:
    row = db.get(SessionRow, session_id)
    if row is None or row.deleted_at is not None:
        raise SessionIdError(f"no session with id {session_id!r}")
    return row


def _replace_note(db: Session, row: SessionRow, text: str | None, at: datetime) -> None:
    notes = sorted(row.notes, key=lambda n: (n.created_at, n.id))
    clean = (text or "").strip()
    if not clean:
        for note in notes:
            db.delete(note)
        return
    if not notes:
        db.add(NoteRow(id=str(uuid.uuid4()), session_id=row.id, text=clean, created_at=at))
        return
    notes[0].text = clean
    for extra in notes[1:]:
        db.delete(extra)
