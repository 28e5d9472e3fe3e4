"""Pain check-ins: a 0–10 rating on a day, with or without a session.

One per local day: checking in again the same day replaces the value (and note), so a
mistyped number is corrected by checking in again. The day is stored as the person's calendar
day, so it does not move when they travel.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hipflex.domain.records import PainCheckInRecord
from hipflex.storage.outbox import OutboxKind, enqueue
from hipflex.storage.tables import PainCheckInRow


class CheckInsMixin:
    """Pain check-ins of :class:`~hipflex.storage.repository.Repository`."""

    _sessions: sessionmaker[Session]  # writes: take the write lock (see storage/db.py)
    _reads: sessionmaker[Session]  # reads: a WAL snapshot, never the write lock

    def record_pain_checkin(
        self, day: date, value: int, at: datetime, note: str | None = None
    ) -> PainCheckInRecord:
        """Store the pain rating for local ``day`` (replacing that day's earlier one)."""
        from hipflex.storage.repository import check_aware, check_pain_value

        value = check_pain_value(value)
        check_aware(at, "check-in recorded_at")
        text = (note or "").strip() or None
        with self._sessions.begin() as db:
            row = db.scalars(select(PainCheckInRow).where(PainCheckInRow.day == day)).first()
            if row is None:
                row = PainCheckInRow(id=str(uuid.uuid4()), day=day)
                db.add(row)
            row.value = value
            row.recorded_at = at
            row.note = text
            db.flush()
            enqueue(db, OutboxKind.CHECKIN, row.id, at)
            return _record(row)

    def delete_pain_checkin(self, day: date) -> PainCheckInRecord | None:
        """Remove the check-in of ``day``; returns it (None when there was none)."""
        with self._sessions.begin() as db:
            row = db.scalars(select(PainCheckInRow).where(PainCheckInRow.day == day)).first()
            if row is None:
                return None
            record = _record(row)
            db.delete(row)
        return record

    def pain_checkins_between(
        self, first_day: date | None = None, last_day: date | None = None
    ) -> list[PainCheckInRecord]:
        """Check-ins for days in ``[first_day, last_day]`` (None: unbounded), oldest first."""
        query = select(PainCheckInRow).order_by(PainCheckInRow.day)
        if first_day is not None:
            query = query.where(PainCheckInRow.day >= first_day)
        if last_day is not None:
            query = query.where(PainCheckInRow.day <= last_day)
        with self._reads() as db:
            return [_record(row) for row in db.scalars(query).all()]


def import_checkins(db: Session, records: Sequence[PainCheckInRecord]) -> tuple[int, int]:
    """Add check-ins for days that have none yet (existing rows are never changed); returns
    (added, skipped). Used inside the import's single transaction."""
    days = {record.day for record in records}
    known = set(db.scalars(select(PainCheckInRow.day).where(PainCheckInRow.day.in_(days))))
    added = 0
    for record in records:
        if record.day in known:
            continue
        db.add(
            PainCheckInRow(
                id=record.id,
                day=record.day,
                value=record.value,
                recorded_at=record.recorded_at,
                note=record.note,
            )
        )
        known.add(record.day)
        added += 1
    return added, len(records) - added


def _record(row: PainCheckInRow) -> PainCheckInRecord:
    return PainCheckInRecord(row.id, row.day, row.value, row.recorded_at, row.note)
