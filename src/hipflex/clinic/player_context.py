"""The clinic's side of a live session connection: one patient's ``LiveContext``.

The connection code is the home app's (``web/live_connection.py``); what differs is given
here: the session is the patient's current prescription, written to the clinic's database,
one running session per patient (a second tab takes it over, as at home), no camera frames
are ever taken (``server_pose`` False: the pose runs in the patient's browser), and a session
only starts while the patient's login is still valid.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hipflex.domain.clinic import Account
from hipflex.domain.clock import Clock, ScaledClock
from hipflex.errors import HipflexError
from hipflex.services.clinic.player import Player
from hipflex.services.guided_session import GuidedSession
from hipflex.web.camera_bridge import EstimatorFactory
from hipflex.web.live_registry import LiveRegistry

SIGNED_OUT_AT_START = "you were signed out: sign in again to start a session"


class PlayerRegistries:
    """One :class:`LiveRegistry` per patient: their running session, whichever tab runs it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_patient: dict[str, LiveRegistry] = {}
        self.closed = False

    def for_patient(self, patient_id: str) -> LiveRegistry:
        with self._lock:
            registry = self._by_patient.setdefault(patient_id, LiveRegistry())
            if self.closed:
                registry.closed = True
            return registry

    def stop_all(self) -> None:
        """Server stopping: every running session ends as partial; no new ones start."""
        with self._lock:
            self.closed = True
            registries = list(self._by_patient.values())
        for registry in registries:
            registry.stop_all("shutdown")


@dataclass
class PatientLiveContext:
    """What one patient's connection runs on (satisfies ``web.live_connection.LiveContext``)."""

    player: Player
    patient: Account
    clock: Clock  # the wall clock
    live: LiveRegistry
    speed: float = 1.0
    # Whether the login the socket was opened with is still valid (not logged out, revoked,
    # expired, nor the account disabled); asked at the start and while a session runs.
    signed_in: Callable[[], bool] = lambda: True
    unsaved: list[str] = field(default_factory=list)
    estimator_factory: EstimatorFactory | None = None  # never used: no server-side pose
    server_pose: bool = False

    def open_session(self, protocol: str | None, *, camera: bool) -> GuidedSession:
        # The page names the protocol it shows; the prescription decides what runs.
        del protocol
        if not self.signed_in():
            raise HipflexError(SIGNED_OUT_AT_START)
        fast = ScaledClock(self.speed, base=self.clock) if self.speed != 1.0 else None
        return self.player.open_session(
            self.patient, camera=camera, wall=self.clock, clock=fast, demo=self.speed != 1.0
        )
