"""A device code: one attempt to link a home app to a patient account (see
``services/clinic/device_sync.py``). Pure record; storage returns it, the use case reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DeviceCode:
    id: str
    name: str  # what the app calls itself ("hipflex on kitchen-pc")
    created_at: datetime
    expires_at: datetime
    approved_by_id: str | None  # the patient who confirmed it
    approved_at: datetime | None
    token_id: str | None  # the device token it became, once collected
    claimed_at: datetime | None
