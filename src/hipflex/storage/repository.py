"""Reading and writing the history. Every write is its own committed transaction.

A hold is committed the moment it is recorded, so killing the process loses at most the hold
in progress. Reads return the plain dataclasses of :mod:`hipflex.domain.records`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload, sessionmaker

from hipflex.domain.events import HoldCompleted, HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import (
    PAIN_MAX,
    PAIN_MIN,
    HoldRecord,
    NoteRecord,
    PainCheckInRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)
from hipflex.storage.checkins import CheckInsMixin, import_checkins
from hipflex.storage.corrections import CorrectionsMixin
from hipflex.storage.history_queries import HistoryQueriesMixin
from hipflex.storage.outbox import OutboxKind, enqueue
from hipflex.storage.processes import process_is_alive, this_host
from hipflex.storage.tables import HoldRow, NoteRow, PainRatingRow, SessionRow

# Pain ratings get an id derived from (session, moment): a CSV export carries no pain ids, yet
# importing it back into the database it came from must add nothing.
PAIN_ID_NAMESPACE = uuid.UUID("6f1d3c55-1f5e-4a43-9a55-3f6c1b2f9d10")
# Execution option marking a connection's transactions as read-only; storage/db.py begins them
# without the write lock on SQLite.
READ_ONLY_OPTION = "hipflex_read_only"
_CHUNK = 500  # ids per IN (...) query; well under SQLite's variable limit


def pain_rating_id(session_id: str, moment: PainMoment) -> str:
    """The id of a session's pain rating at ``moment`` (the same on every machine)."""
    return str(uuid.uuid5(PAIN_ID_NAMESPACE, f"{session_id}/pain/{moment.value}"))


def parse_source(source: str) -> Source:
    """A :class:`Source` from its name; ``ValueError`` naming the choices otherwise."""
    try:
        return Source(source)
    except ValueError:
        choices = ", ".join(s.value for s in Source)
        raise ValueError(f"unknown source {source!r}; use one of {choices}") from None


def check_pain_value(value: object) -> int:
    """Return ``value`` if it is a whole number from 0 to 10, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or not PAIN_MIN <= value <= PAIN_MAX:
        raise ValueError(
            f"pain must be a whole number from {PAIN_MIN} to {PAIN_MAX}, got {value!r}"
        )
    return value


def check_aware(moment: datetime, what: str) -> datetime:
    """Return ``moment`` if it carries a timezone; naive times are ambiguous, so refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {moment.isoformat()} has no timezone; pass an aware datetime")
    return moment


@dataclass(frozen=True)
class ImportCounts:
    """Rows added and rows already present (skipped), per kind."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


class Repository(CorrectionsMixin, CheckInsMixin, HistoryQueriesMixin):
    """The history, over an engine opened by :func:`hipflex.storage.db.open_database`.

    Corrections (edit, delete, undo), pain check-ins and the aggregate reads of figures live
    in their own modules (``storage/corrections.py``, ``storage/checkins.py``,
    ``storage/history_queries.py``). Reads never return a deleted session.
    """

    def __init__(self, engine: Engine) -> None:
        # Writes: every transaction takes the write lock as it begins (see storage/db.py).
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # Reads: a plain deferred transaction, a snapshot that never blocks the writer.
        self._reads = sessionmaker(
            engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
        )

    # -- writes -------------------------------------------------------------------------------

    def start_session(
        self, protocol: Protocol, source: str, started_at: datetime, demo: bool = False
    ) -> str:
        """Record a new in-progress session of ``protocol``; returns its id (a uuid).

        ``demo`` marks a sped-up or test run, left out of statistics unless asked."""
        check_aware(started_at, "started_at")
        session_id = str(uuid.uuid4())
        row = SessionRow(
            id=session_id,
            protocol_name=protocol.name,
            protocol_title=protocol.title,
            hold_target_s=float(protocol.hold_s),
            holds_planned=protocol.reps * len(protocol.sides),
            started_at=started_at,
            ended_at=None,
            status=SessionStatus.IN_PROGRESS.value,
            source=parse_source(source).value,
            pid=os.getpid(),
            host=this_host(),
            demo=demo,
        )
        with self._sessions.begin() as db:
            db.add(row)
        return session_id

    def record_hold(
        self,
        session_id: str,
        hold: HoldCompleted,
        source: str,
        hip_extension_max_deg: float | None = None,
        hip_extension_median_deg: float | None = None,
        faults: dict[str, float] | None = None,
    ) -> str:
        """Store a finished hold and commit at once; returns the hold's id.

        ``faults`` maps a form fault's name to the seconds it was seen during the hold.
        """
        if hold.counted_s < 0 or not math.isfinite(hold.counted_s):
            raise ValueError(f"counted_s must be a non-negative number, got {hold.counted_s!r}")
        check_aware(hold.started_at, "hold started_at")
        check_aware(hold.ended_at, "hold ended_at")
        hold_id = str(uuid.uuid4())
        row = HoldRow(
            id=hold_id,
            session_id=session_id,
            side=Side(hold.side).value,
            rep=hold.rep,
            target_s=float(hold.target_s),
            counted_s=float(hold.counted_s),
            started_at=hold.started_at,
            ended_at=hold.ended_at,
            outcome=HoldOutcome(hold.outcome).value,
            source=parse_source(source).value,
            hip_extension_max_deg=hip_extension_max_deg,
            hip_extension_median_deg=hip_extension_median_deg,
            faults=_faults_to_json(faults),
        )
        with self._sessions.begin() as db:
            self._require_session(db, session_id)
            db.add(row)
        return hold_id

    def record_pain(self, session_id: str, moment: str, value: int, at: datetime) -> str:
        """Store the 0–10 pain rating ``before`` or ``after`` a session (a new one replaces
        the old); returns its id. ``ValueError`` for any other value or moment."""
        value = check_pain_value(value)
        check_aware(at, "pain recorded_at")
        try:
            pain_moment = PainMoment(moment)
        except ValueError:
            raise ValueError(f"pain moment must be 'before' or 'after', got {moment!r}") from None
        rating_id = pain_rating_id(session_id, pain_moment)
        with self._sessions.begin() as db:
            self._require_session(db, session_id)
            row = stored_pain_rating(db, session_id, pain_moment)
            if row is None:
                db.add(
                    PainRatingRow(
                        id=rating_id,
                        session_id=session_id,
                        moment=pain_moment.value,
                        value=value,
                        recorded_at=at,
                    )
                )
            else:
                row.value = value
                row.recorded_at = at
                rating_id = row.id
            enqueue(db, OutboxKind.SESSION, session_id, at)
        return rating_id

    def add_note(self, session_id: str, text: str, at: datetime) -> str:
        """Attach a free-text note to a session; returns its id. Blank text is refused."""
        if not text.strip():
            raise ValueError("a note must not be empty")
        check_aware(at, "note created_at")
        note_id = str(uuid.uuid4())
        with self._sessions.begin() as db:
            self._require_session(db, session_id)
            db.add(NoteRow(id=note_id, session_id=session_id, text=text, created_at=at))
            enqueue(db, OutboxKind.SESSION, session_id, at)
        return note_id

    def finish_session(self, session_id: str, status: SessionStatus, ended_at: datetime) -> None:
        """Mark a session completed or partial at ``ended_at``."""
        status = SessionStatus(status)
        check_aware(ended_at, "ended_at")
        with self._sessions.begin() as db:
            row = self._require_session(db, session_id)
            row.status = status.value
            row.ended_at = ended_at
            enqueue(db, OutboxKind.SESSION, session_id, ended_at)

    def recover_interrupted(self) -> list[str]:
        """Mark in-progress sessions whose process died on this host as partial.

        Their end is the last hold's end (or the start when no hold finished). Sessions of
        live processes, and of other hosts (a shared PostgreSQL), are left alone. Any stored
        pid is coped with (a pid no process can have means the process is gone), and the
        update is plain SQL over the ids, so one odd row cannot stop the history opening.
        Returns the ids of the sessions marked partial.
        """
        in_progress_here = (
            select(SessionRow.id, SessionRow.pid)
            .where(SessionRow.status == SessionStatus.IN_PROGRESS.value)
            .where(SessionRow.host == this_host())
        )
        # Look first without the write lock: usually nothing needs recovering.
        with self.read_session() as db:
            candidates = db.execute(in_progress_here).all()
        if all(process_is_alive(pid) for _, pid in candidates):
            return []
        last_hold_end = (
            select(func.max(HoldRow.ended_at))
            .where(HoldRow.session_id == SessionRow.id)
            .scalar_subquery()
        )
        with self._sessions.begin() as db:
            candidates = db.execute(in_progress_here).all()  # again, now under the lock
            recovered = [row_id for row_id, pid in candidates if not process_is_alive(pid)]
            for chunk in _chunks(recovered):
                db.execute(
                    update(SessionRow)
                    .where(SessionRow.id.in_(chunk))
                    .values(
                        status=SessionStatus.PARTIAL.value,
                        ended_at=func.coalesce(last_hold_end, SessionRow.started_at),
                    )
                    .execution_options(synchronize_session=False)
                )
            for row_id in recovered:
                session = db.get_one(SessionRow, row_id)
                enqueue(db, OutboxKind.SESSION, row_id, session.ended_at or session.started_at)
        return recovered

    def import_sessions(
        self, records: Sequence[SessionRecord], checkins: Sequence[PainCheckInRecord] = ()
    ) -> ImportCounts:
        """Add the sessions, holds, pain ratings, notes and pain check-ins not stored yet, in
        one transaction (a check-in is matched by its day).

        Rows already present (same id) are skipped, so importing twice adds nothing. A row
        whose id exists under another session, or a session still in progress (only the
        process running it may keep it so), raises ``ValueError`` and nothing is added.
        """
        running = [r.id for r in records if r.status is SessionStatus.IN_PROGRESS]
        if running:
            raise ValueError(
                f"session {running[0]} is in progress; only a finished session can be imported"
            )
        added = dict.fromkeys(("sessions", "holds", "pain_ratings", "notes"), 0)
        skipped = dict(added)
        with self._sessions.begin() as db:
            known_sessions = _existing(db, SessionRow, [r.id for r in records])
            known_holds = _existing(db, HoldRow, [h.id for r in records for h in r.holds])
            known_notes = _existing(db, NoteRow, [n.id for r in records for n in r.notes])
            known_pain = _existing_pain(db, [r.id for r in records])
            for record in records:
                if record.id in known_sessions:
                    skipped["sessions"] += 1
                else:
                    db.add(_session_row(record))
                    added["sessions"] += 1
                for hold in record.holds:
                    _check_owner(known_holds, hold.id, record.id, "hold")
                    if hold.id in known_holds:
                        skipped["holds"] += 1
                    else:
                        db.add(_hold_row(hold))
                        added["holds"] += 1
                for pain in record.pain_ratings:
                    if (record.id, pain.moment.value) in known_pain:
                        skipped["pain_ratings"] += 1
                    else:
                        db.add(_pain_row(pain))
                        added["pain_ratings"] += 1
                for note in record.notes:
                    _check_owner(known_notes, note.id, record.id, "note")
                    if note.id in known_notes:
                        skipped["notes"] += 1
                    else:
                        db.add(_note_row(note))
                        added["notes"] += 1
                # Flush per session so a later hold row never precedes its session row.
                db.flush()
            if checkins:  # counted only when the file has any, so older counts stay as they were
                added["pain_checkins"], skipped["pain_checkins"] = import_checkins(db, checkins)
        return ImportCounts(added=added, skipped=skipped)

    # -- reads --------------------------------------------------------------------------------

    def get_session(self, session_id: str) -> SessionRecord | None:
        """One session with everything attached, or None."""
        found = self._read(_with_children(_live().where(SessionRow.id == session_id)))
        return found[0] if found else None

    def recent_sessions(self, limit: int = 20) -> list[SessionRecord]:
        """The ``limit`` most recently started sessions, newest first."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        query = _live().order_by(SessionRow.started_at.desc(), SessionRow.id)
        return self._read(_with_children(query.limit(limit)))

    def sessions_between(self, start: datetime | None, end: datetime | None) -> list[SessionRecord]:
        """Sessions started in ``[start, end)`` (None: unbounded), oldest first."""
        query = _live().order_by(SessionRow.started_at, SessionRow.id)
        if start is not None:
            query = query.where(SessionRow.started_at >= start)
        if end is not None:
            query = query.where(SessionRow.started_at < end)
        return self._read(_with_children(query))

    # -- helpers ------------------------------------------------------------------------------

    def read_session(self) -> Session:
        """An ORM session for reads only: on SQLite its transaction takes no write lock (WAL
        readers need none), so however long a page reads, a session's holds are written."""
        return self._reads()

    def write_session(self) -> contextlib.AbstractContextManager[Session]:
        """A write transaction, committed on leaving: on SQLite it takes the write lock when
        it begins, waiting (bounded) for another writer's transaction to end."""
        return self._sessions.begin()

    def _read(self, query: Select[Any]) -> list[SessionRecord]:
        with self.read_session() as db:
            return [_session_record(row) for row in db.scalars(query).all()]

    @staticmethod
    def _require_session(db: Session, session_id: str) -> SessionRow:
        row = db.get(SessionRow, session_id)
        if row is None:
            raise ValueError(f"no session with id {session_id!r}")
        return row


def _live() -> Select[Any]:
    """Sessions not deleted (a deleted one waits for its undo window, then is purged)."""
    return select(SessionRow).where(SessionRow.deleted_at.is_(None))


def _with_children(query: Select[Any]) -> Select[Any]:
    return query.options(
        selectinload(SessionRow.holds),
        selectinload(SessionRow.pain_ratings),
        selectinload(SessionRow.notes),
    )


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _existing(
    db: Session, table: type[SessionRow] | type[HoldRow] | type[NoteRow], ids: Sequence[str]
) -> dict[str, str]:
    """Stored ids among ``ids`` → their session id (a session maps to itself)."""
    found: dict[str, str] = {}
    owner = table.id if table is SessionRow else table.session_id  # type: ignore[union-attr]
    for chunk in _chunks(ids):
        for row_id, session_id in db.execute(select(table.id, owner).where(table.id.in_(chunk))):
            found[row_id] = session_id
    return found


def _existing_pain(db: Session, session_ids: Sequence[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(session_ids):
        query = select(PainRatingRow.session_id, PainRatingRow.moment).where(
            PainRatingRow.session_id.in_(chunk)
        )
        found.update((session_id, moment) for session_id, moment in db.execute(query))
    return found


def _check_owner(known: Mapping[str, str], row_id: str, session_id: str, kind: str) -> None:
    owner = known.get(row_id)
    if owner is not None and owner != session_id:
        raise ValueError(
            f"{kind} {row_id} belongs to session {owner} here but to session {session_id} "
            "in the file"
        )


def _faults_to_json(faults: Mapping[str, float] | None) -> str | None:
    if faults is None:
        return None
    clean: dict[str, float] = {}
    for name, seconds in faults.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"fault names must be non-empty strings, got {name!r}")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValueError(f"fault {name!r}: seconds must be a number, got {seconds!r}")
        if seconds < 0 or not math.isfinite(seconds):
            raise ValueError(f"fault {name!r}: seconds must be ≥ 0, got {seconds!r}")
        clean[name] = float(seconds)
    return json.dumps(clean, sort_keys=True)


def _faults_from_json(text: str | None) -> dict[str, float] | None:
    if text is None:
        return None
    data = json.loads(text)
    return {str(name): float(seconds) for name, seconds in data.items()}


def _session_record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        protocol_name=row.protocol_name,
        protocol_title=row.protocol_title,
        hold_target_s=row.hold_target_s,
        holds_planned=row.holds_planned,
        started_at=row.started_at,
        ended_at=row.ended_at,
        status=SessionStatus(row.status),
        source=Source(row.source),
        pid=row.pid,
        host=row.host,
        demo=row.demo,
        holds=tuple(_hold_record(h) for h in _in_order(row.holds)),
        pain_ratings=tuple(
            PainRecord(p.id, p.session_id, PainMoment(p.moment), p.value, p.recorded_at)
            for p in row.pain_ratings
        ),
        notes=tuple(NoteRecord(n.id, n.session_id, n.text, n.created_at) for n in row.notes),
    )


def _in_order(holds: Iterable[HoldRow]) -> list[HoldRow]:
    return sorted(holds, key=lambda h: (h.started_at, h.ended_at, h.id))


def _hold_record(row: HoldRow) -> HoldRecord:
    return HoldRecord(
        id=row.id,
        session_id=row.session_id,
        side=Side(row.side),
        rep=row.rep,
        target_s=row.target_s,
        counted_s=row.counted_s,
        started_at=row.started_at,
        ended_at=row.ended_at,
        outcome=HoldOutcome(row.outcome),
        source=Source(row.source),
        hip_extension_max_deg=row.hip_extension_max_deg,
        hip_extension_median_deg=row.hip_extension_median_deg,
        faults=_faults_from_json(row.faults),
    )


def _session_row(record: SessionRecord) -> SessionRow:
    return SessionRow(
        id=record.id,
        protocol_name=record.protocol_name,
        protocol_title=record.protocol_title,
        hold_target_s=record.hold_target_s,
        holds_planned=record.holds_planned,
        started_at=record.started_at,
        ended_at=record.ended_at,
        status=record.status.value,
        source=record.source.value,
        pid=record.pid,
        host=record.host,
        demo=record.demo,
    )


def _hold_row(hold: HoldRecord) -> HoldRow:
    return HoldRow(
        id=hold.id,
        session_id=hold.session_id,
        side=hold.side.value,
        rep=hold.rep,
        target_s=hold.target_s,
        counted_s=hold.counted_s,
        started_at=hold.started_at,
        ended_at=hold.ended_at,
        outcome=hold.outcome.value,
        source=hold.source.value,
        hip_extension_max_deg=hold.hip_extension_max_deg,
        hip_extension_median_deg=hold.hip_extension_median_deg,
        faults=_faults_to_json(hold.faults),
    )


def stored_pain_rating(db: Session, session_id: str, moment: PainMoment) -> PainRatingRow | None:
    """The session's rating for ``moment``, found by session and moment, not by the derived id:
    an imported rating keeps the id its file gave it, and a second row for the moment would
    break the unique key."""
    return db.scalars(
        select(PainRatingRow)
        .where(PainRatingRow.session_id == session_id)
        .where(PainRatingRow.moment == moment.value)
    ).first()


def _pain_row(pain: PainRecord) -> PainRatingRow:
    return PainRatingRow(
        id=pain.id,
        session_id=pain.session_id,
        moment=pain.moment.value,
        value=check_pain_value(pain.value),
        recorded_at=pain.recorded_at,
    )


def _note_row(note: NoteRecord) -> NoteRow:
    return NoteRow(
        id=note.id, session_id=note.session_id, text=note.text, created_at=note.created_at
    )
