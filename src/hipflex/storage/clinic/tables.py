"""The clinic server's schema (PostgreSQL), separate from the home app's history schema.

Its own metadata, its own Alembic folder (``storage/clinic/migrations``) and version table
(``clinic_alembic_version``), and table names that never collide with the home app's, so both
could even share one database. Secrets (session ids, invite and device tokens) are stored as
SHA-256 hashes only: a copy of the database does not let anyone log in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hipflex.storage.tables import NAMING_CONVENTION, UTCDateTime

ROLES = ("admin", "clinician", "patient")
SESSION_STATUSES = ("completed", "partial")
SOURCES = ("timer", "camera", "video")
OUTCOMES = ("completed", "timed_out", "skipped", "interrupted")
SIDES = ("right", "left")
AUDIT_ACTIONS = ("read", "create", "update", "revoke")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ClinicBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ClinicRow(ClinicBase):
    __tablename__ = "clinics"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountRow(ClinicBase):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginSessionRow(ClinicBase):
    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class InviteRow(ClinicBase):
    __tablename__ = "invites"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    clinician_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuthThrottleRow(ClinicBase):
    """Failed logins / invite redemptions per key (an email or a client address)."""

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditRow(ClinicBase):
    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(_in("action", AUDIT_ACTIONS), name="action"),
        Index("ix_audit_log_clinic_at", "clinic_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    what: Mapped[str] = mapped_column(String(200))


# ---- revision 0002: patients and their data ------------------------------------------------


class PatientRow(ClinicBase):
    """The patient side of an account: their clinician and the alert settings."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint(
            "pain_after_threshold >= 0 AND pain_after_threshold <= 10", name="threshold"
        ),
        CheckConstraint("inactive_days >= 1 AND inactive_days <= 90", name="inactive_days"),
    )

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    clinician_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    pain_after_threshold: Mapped[int] = mapped_column(Integer, default=7)
    inactive_days: Mapped[int] = mapped_column(Integer, default=3)
    # Kept by triggers (migration 0005): +1 with every change to the patient's sessions,
    # check-ins or prescriptions; the dashboard's figures cache is keyed on it.
    data_version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class DeviceTokenRow(ClinicBase):
    __tablename__ = "device_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClinicProtocolRow(ClinicBase):
    """A clinic's own protocol (TOML, validated like a person's protocol file)."""

    __tablename__ = "clinic_protocols"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(120))
    toml: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PrescriptionRow(ClinicBase):
    """One version of a patient's prescription; rows are never updated, only added."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        UniqueConstraint("patient_id", "version"),
        CheckConstraint("reps >= 1 AND reps <= 20", name="reps"),
        CheckConstraint("hold_s >= 5 AND hold_s <= 600", name="hold_s"),
        CheckConstraint("times_per_day >= 1 AND times_per_day <= 6", name="times_per_day"),
        CheckConstraint("days_per_week >= 1 AND days_per_week <= 7", name="days_per_week"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    protocol_name: Mapped[str] = mapped_column(String(63))
    custom: Mapped[bool] = mapped_column(Boolean)
    protocol_json: Mapped[str] = mapped_column(Text)  # the protocol as prescribed (snapshot)
    hold_s: Mapped[int] = mapped_column(Integer)
    reps: Mapped[int] = mapped_column(Integer)
    sides: Mapped[str] = mapped_column(String(16))  # "right,left"
    times_per_day: Mapped[int] = mapped_column(Integer)
    days_per_week: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PatientSessionRow(ClinicBase):
    """A session a patient did, as sent by their device or browser; the id is the client's."""

    __tablename__ = "patient_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("pain_before IS NULL OR (pain_before BETWEEN 0 AND 10)", name="pb"),
        CheckConstraint("pain_after IS NULL OR (pain_after BETWEEN 0 AND 10)", name="pa"),
        Index("ix_patient_sessions_patient_started", "patient_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    prescription_id: Mapped[str | None] = mapped_column(ForeignKey("prescriptions.id"))
    protocol_name: Mapped[str] = mapped_column(String(63))
    protocol_title: Mapped[str] = mapped_column(String(120))
    hold_target_s: Mapped[float] = mapped_column(Float)
    holds_planned: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    holds: Mapped[list[PatientHoldRow]] = relationship(
        order_by="PatientHoldRow.started_at", cascade="all, delete-orphan"
    )


class PatientHoldRow(ClinicBase):
    __tablename__ = "patient_holds"
    __table_args__ = (
        CheckConstraint(_in("side", SIDES), name="side"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("counted_s >= 0", name="counted_s"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("patient_sessions.id", ondelete="CASCADE"), index=True
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


class PainCheckinRow(ClinicBase):
    __tablename__ = "pain_checkins"
    __table_args__ = (
        CheckConstraint("value >= 0 AND value <= 10", name="value"),
        Index("ix_pain_checkins_patient_day", "patient_id", "day"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
