"""The sync outbox: what the home app still has to send to the clinic, in the history database.

A save that the clinic should hear about (a session finished, a pain rating, a note, a
correction, a day's check-in) adds or refreshes an outbox row *in the same transaction* as the
save, so nothing saved can miss the queue, whatever dies when. Rows name what to send (kind and
id), not a copy of it: the sender reads the record as it is when it sends. A row is removed
only when the clinic has acknowledged the version it was sent as (``version`` grows at each
save), so a save during a push is sent again, and a push killed midway sends again what it
had not seen acknowledged; the clinic stores by id, so a second copy adds nothing.

Nothing is queued while the app is not linked to a clinic (no ``sync_link`` row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Integer, String, Text, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from hipflex.domain.records import PainCheckInRecord
from hipflex.storage.tables import Base, PainCheckInRow, UTCDateTime


class OutboxKind(StrEnum):
    SESSION = "session"
    CHECKIN = "checkin"


class OutboxRow(Base):
    __tablename__ = "sync_outbox"
    __table_args__ = (CheckConstraint("kind IN ('session', 'checkin')", name="kind"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # refused by the clinic


class SyncLinkRow(Base):
    """The link to a clinic (one row at most). The device token is not here: it is a file of
    its own in the data dir, readable by its owner only."""

    __tablename__ = "sync_link"
    __table_args__ = (CheckConstraint("id = 1", name="single"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_url: Mapped[str] = mapped_column(String(300))
    clinic_name: Mapped[str] = mapped_column(String(120))
    patient_name: Mapped[str] = mapped_column(String(120))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the clinic said 401
    prescription_id: Mapped[str | None] = mapped_column(String(36))


# A fresh item is due at once, whatever clock stamped the save (a session's own clock may
# run ahead of the sender's); only failures push ``next_attempt_at`` into the future.
DUE_NOW = datetime(1970, 1, 1, tzinfo=UTC)


def enqueue(db: Session, kind: OutboxKind, item_id: str, at: datetime) -> None:
    """Queue ``item_id`` for sending (due at once), inside the caller's transaction."""
    if db.get(SyncLinkRow, 1) is None:
        return
    row = db.get(OutboxRow, (kind.value, item_id))
    if row is None:
        db.add(
            OutboxRow(
                kind=kind.value,
                item_id=item_id,
                version=1,
                enqueued_at=at,
                attempts=0,
                next_attempt_at=DUE_NOW,
            )
        )
        return
    row.version += 1
    row.attempts = 0
    row.next_attempt_at = DUE_NOW
    row.last_error = None
    row.failed_at = None


@dataclass(frozen=True)
class SyncLink:
    clinic_url: str
    clinic_name: str
    patient_name: str
    linked_at: datetime
    last_push_at: datetime | None
    last_pull_at: datetime | None
    last_error: str | None
    revoked_at: datetime | None
    prescription_id: str | None


@dataclass(frozen=True)
class OutboxItem:
    kind: OutboxKind
    item_id: str
    version: int
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    failed_at: datetime | None


@dataclass(frozen=True)
class OutboxCounts:
    pending: int  # waiting to be sent (or retried)
    failed: int  # refused by the clinic; kept so the person can see them
    next_attempt_at: datetime | None  # of items that failed to send before (back-off)


class Outbox:
    """The outbox and the link's state, for the sync client (``hipflex.sync``)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # ---- the link ---------------------------------------------------------------------------

    def link(self) -> SyncLink | None:
        with self._sessions() as db:
            row = db.get(SyncLinkRow, 1)
            return _link(row) if row else None

    def set_link(self, clinic_url: str, clinic_name: str, patient_name: str, at: datetime) -> None:
        """A new link. Linking again to the same clinic (after a revoked token) keeps what is
        waiting; a link to another clinic starts with an empty queue."""
        with self._sessions.begin() as db:
            earlier = db.get(SyncLinkRow, 1)
            if earlier is None or earlier.clinic_url != clinic_url:
                db.execute(delete(OutboxRow))
            db.execute(delete(SyncLinkRow))
            db.add(
                SyncLinkRow(
                    id=1,
                    clinic_url=clinic_url,
                    clinic_name=clinic_name[:120],
                    patient_name=patient_name[:120],
                    linked_at=at,
                )
            )

    def forget_link(self) -> None:
        with self._sessions.begin() as db:
            db.execute(delete(OutboxRow))
            db.execute(delete(SyncLinkRow))

    def update_link(self, **values: object) -> None:
        """Set fields of the link row (last_push_at, last_error, revoked_at, ...)."""
        with self._sessions.begin() as db:
            db.execute(update(SyncLinkRow).where(SyncLinkRow.id == 1).values(**values))

    # ---- the queue --------------------------------------------------------------------------

    def due(self, now: datetime | None, limit: int = 100) -> list[OutboxItem]:
        """Items to send now, oldest first (``now`` None: all pending, ignoring back-off)."""
        query = select(OutboxRow).where(OutboxRow.failed_at.is_(None))
        if now is not None:
            query = query.where(OutboxRow.next_attempt_at <= now)
        query = query.order_by(OutboxRow.enqueued_at, OutboxRow.item_id).limit(limit)
        with self._sessions() as db:
            return [_item(row) for row in db.scalars(query)]

    def items(self) -> list[OutboxItem]:
        with self._sessions() as db:
            rows = db.scalars(select(OutboxRow).order_by(OutboxRow.enqueued_at))
            return [_item(row) for row in rows]

    def counts(self) -> OutboxCounts:
        with self._sessions() as db:
            pending, failed, next_at = db.execute(
                select(
                    func.count().filter(OutboxRow.failed_at.is_(None)),
                    func.count().filter(OutboxRow.failed_at.is_not(None)),
                    func.min(OutboxRow.next_attempt_at).filter(
                        OutboxRow.failed_at.is_(None), OutboxRow.attempts > 0
                    ),
                )
            ).one()
        return OutboxCounts(int(pending), int(failed), next_at)

    def sent(self, item: OutboxItem) -> bool:
        """The clinic acknowledged ``item``: remove it unless it was saved again since."""
        with self._sessions.begin() as db:
            result = db.execute(
                delete(OutboxRow).where(
                    OutboxRow.kind == item.kind.value,
                    OutboxRow.item_id == item.item_id,
                    OutboxRow.version == item.version,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def retry_later(self, item: OutboxItem, error: str, next_attempt_at: datetime) -> None:
        """Try ``item`` again at ``next_attempt_at``, unless it was saved again since it was
        read: the newer version is due at once and keeps that."""
        with self._sessions.begin() as db:
            db.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.kind == item.kind.value,
                    OutboxRow.item_id == item.item_id,
                    OutboxRow.version == item.version,
                )
                .values(
                    attempts=OutboxRow.attempts + 1,
                    next_attempt_at=next_attempt_at,
                    last_error=error[:2000],
                )
            )

    def refused(self, item: OutboxItem, error: str, at: datetime) -> None:
        """The clinic will never take this version: keep it, visibly, until saved again."""
        with self._sessions.begin() as db:
            db.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.kind == item.kind.value,
                    OutboxRow.item_id == item.item_id,
                    OutboxRow.version == item.version,
                )
                .values(failed_at=at, last_error=error[:2000], attempts=OutboxRow.attempts + 1)
            )

    def checkin(self, checkin_id: str) -> PainCheckInRecord | None:
        with self._sessions() as db:
            row = db.get(PainCheckInRow, checkin_id)
            if row is None:
                return None
            return PainCheckInRecord(row.id, row.day, row.value, row.recorded_at, row.note)


def _link(row: SyncLinkRow) -> SyncLink:
    return SyncLink(
        clinic_url=row.clinic_url,
        clinic_name=row.clinic_name,
        patient_name=row.patient_name,
        linked_at=row.linked_at,
        last_push_at=row.last_push_at,
        last_pull_at=row.last_pull_at,
        last_error=row.last_error,
        revoked_at=row.revoked_at,
        prescription_id=row.prescription_id,
    )


def _item(row: OutboxRow) -> OutboxItem:
    return OutboxItem(
        kind=OutboxKind(row.kind),
        item_id=row.item_id,
        version=row.version,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        failed_at=row.failed_at,
    )
