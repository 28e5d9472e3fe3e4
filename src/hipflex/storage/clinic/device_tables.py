"""The clinic's tables for linking home apps (revision c0003): device codes.

A home app asks for a code pair: ``device_code`` (a secret it keeps and polls with) and
``user_code`` (short, shown in the terminal, typed by the logged-in patient on the clinic's
site). Both are stored as SHA-256 hashes only. Once the patient confirms, the next poll turns
the code into a device token (``device_tokens``) exactly once.

Sessions and check-ins pushed by a device need no table of their own: their ids are the
client's uuids and the primary keys of ``patient_sessions`` and ``pain_checkins``, so the
database itself refuses a second copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hipflex.storage.clinic.tables import ClinicBase
from hipflex.storage.tables import UTCDateTime


class DeviceCodeRow(ClinicBase):
    __tablename__ = "device_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))  # what the device calls itself
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The token made from this code (once); set when the device collected it.
    token_id: Mapped[str | None] = mapped_column(ForeignKey("device_tokens.id", ondelete="CASCADE"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
