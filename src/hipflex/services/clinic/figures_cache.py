"""The dashboard's per-patient figures, kept until the patient's data changes.

A dashboard read used to load every patient's last 45 days of sessions and holds and
recompute their figures; most of the time nothing had changed since the last read. Entries
are keyed on everything the figures depend on: the patient's data version (the database
raises it in the same transaction as any change to their sessions, check-ins or
prescriptions, migration 0005), their alert settings, the clinic's day and time zone. So a
change is seen by the very next read, in every server process, and a new day recomputes.
When a patient's figures must be recomputed, the sessions read before are reused unless
their row changed (:class:`SessionCache`): a new session costs reading one session, not 45
days of them.

Hand-written rather than a library: a bounded LRU dict behind a lock is a few lines, and the
key (not a time to live) is what keeps it correct.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from hipflex.domain.clinic import AlertSettings, Prescription
from hipflex.domain.records import SessionRecord
from hipflex.services.clinic.metrics import PatientMetrics

DEFAULT_MAX_PATIENTS = 20_000  # a few KiB each: tens of MiB at most
DEFAULT_MAX_SESSIONS = 200_000  # ~45 days of 4,000 patients; a few KiB each


@dataclass(frozen=True)
class FiguresKey:
    patient_id: str
    data_version: int
    alert_settings: AlertSettings
    today: date
    zone: str
    window_days: int


@dataclass(frozen=True)
class Figures:
    prescription: Prescription | None
    metrics: PatientMetrics


class FiguresCache:
    """A bounded, thread-safe map from :class:`FiguresKey` to :class:`Figures` (one patient
    keeps only their newest entry)."""

    def __init__(self, max_patients: int = DEFAULT_MAX_PATIENTS) -> None:
        self.max_patients = max_patients
        self._entries: OrderedDict[str, tuple[FiguresKey, Figures]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: FiguresKey) -> Figures | None:
        with self._lock:
            found = self._entries.get(key.patient_id)
            if found is None or found[0] != key:
                self.misses += 1
                return None
            self._entries.move_to_end(key.patient_id)
            self.hits += 1
            return found[1]

    def put(self, key: FiguresKey, figures: Figures) -> None:
        with self._lock:
            current = self._entries.get(key.patient_id)
            # Two readers racing: keep the figures of the newer data.
            if current is not None and current[0].data_version > key.data_version:
                return
            self._entries[key.patient_id] = (key, figures)
            self._entries.move_to_end(key.patient_id)
            while len(self._entries) > self.max_patients:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class SessionCache:
    """Sessions already read, by id, with the row stamp they were read at: when a patient's
    data changed, only their new or changed sessions (and holds) are read again."""

    def __init__(self, max_sessions: int = DEFAULT_MAX_SESSIONS) -> None:
        self.max_sessions = max_sessions
        self._entries: OrderedDict[str, tuple[str, SessionRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str, stamp: str) -> SessionRecord | None:
        with self._lock:
            found = self._entries.get(session_id)
            if found is None or found[0] != stamp:
                return None
            self._entries.move_to_end(session_id)
            return found[1]

    def put(self, session_id: str, stamp: str, record: SessionRecord) -> None:
        with self._lock:
            self._entries[session_id] = (stamp, record)
            self._entries.move_to_end(session_id)
            while len(self._entries) > self.max_sessions:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
