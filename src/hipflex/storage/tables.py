"""The history schema as SQLAlchemy 2 typed declarative tables.

Every row has a uuid string id, so export → import is idempotent across machines. Times are
stored as UTC and always come back timezone-aware. Allowed values of enum-like columns are
enforced by CHECK constraints so a hand-edited database cannot hold nonsense.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so later migrations (batch mode on SQLite) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SESSION_STATUSES = ("in_progress", "completed", "partial")
SOURCES = ("timer", "camera", "video")
OUTCOMES = ("completed", "timed_out", "skipped", "interrupted")
SIDES = ("right", "left")
PAIN_MOMENTS = ("before", "after")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC; naive datetimes are refused, results are aware (UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamp {value.isoformat()} has no timezone; pass an aware one")
        utc = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC text that sorts correctly.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("holds_planned >= 0", name="holds_planned"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    protocol_name: Mapped[str] = mapped_column(String(63))
    protocol_title: Mapped[str] = mapped_column(String(120))
    hold_target_s: Mapped[float] = mapped_column(Float)
    holds_planned: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(16))
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    # A demo (a sped-up run): kept and listed, left out of statistics unless asked.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Soft delete: set when the person deletes the session; restorable until purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    holds: Mapped[list[HoldRow]] = relationship(
        back_populates="session", order_by="HoldRow.started_at", cascade="all, delete-orphan"
    )
    pain_ratings: Mapped[list[PainRatingRow]] = relationship(
        order_by="PainRatingRow.recorded_at", cascade="all, delete-orphan"
    )
    notes: Mapped[list[NoteRow]] = relationship(
        order_by="NoteRow.created_at", cascade="all, delete-orphan"
    )


class HoldRow(Base):
    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint(_in("side", SIDES), name="side"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("counted_s >= 0", name="counted_s"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(8))
    rep: Mapped[int] = mapped_column(Integer)
    target_s: Mapped[float] = mapped_column(Float)
    counted_s: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    hip_extension_max_deg: Mapped[float | None] = mapped_column(Float)
    hip_extension_median_deg: Mapped[float | None] = mapped_column(Float)
    faults: Mapped[str | None] = mapped_column(Text)  # JSON object: fault name → seconds

    session: Mapped[SessionRow] = relationship(back_populates="holds")


class PainRatingRow(Base):
    __tablename__ = "pain_ratings"
    __table_args__ = (
        CheckConstraint(_in("moment", PAIN_MOMENTS), name="moment"),
        CheckConstraint("value >= 0 AND value <= 10", name="value"),
        UniqueConstraint("session_id", "moment"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    moment: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PainCheckInRow(Base):
    """A pain rating outside any session: one per local day (a new one replaces it)."""

    __tablename__ = "pain_checkins"
    __table_args__ = (CheckConstraint("value >= 0 AND value <= 10", name="value"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    value: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
