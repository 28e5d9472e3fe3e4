"""What every clinic route needs, built once per app: the use cases, the clock, the URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from starlette.requests import HTTPConnection

from hipflex.clinic.player_context import PlayerRegistries
from hipflex.domain.clock import Clock
from hipflex.services.clinic.accounts import Accounts
from hipflex.services.clinic.dashboard import Dashboard
from hipflex.services.clinic.fhir_export import FhirExport
from hipflex.services.clinic.invites import Invites
from hipflex.services.clinic.patient_data import PatientData
from hipflex.services.clinic.player import Player
from hipflex.services.clinic.prescriptions import Prescriptions
from hipflex.services.clinic.staff import Staff
from hipflex.services.clinic.video_files import VideoSettings
from hipflex.services.clinic.videos import Videos
from hipflex.storage.clinic.store import ClinicStore


@dataclass
class ClinicContext:
    """Shared state of one running clinic server."""

    store: ClinicStore
    clock: Clock
    public_url: str  # e.g. https://clinic.example.org (invite links, the Origin check)
    accounts: Accounts
    invites: Invites
    staff: Staff
    prescriptions: Prescriptions
    patient_data: PatientData
    dashboard: Dashboard
    fhir: FhirExport
    videos: Videos
    video_settings: VideoSettings | None  # None: no data dir, no uploads
    probe_video: Callable[[Path], float]  # a video's duration in seconds, or UnusableVideo
    player: Player
    # > 1: patients' sessions run that many times faster (a demo or test server only).
    player_speed: float = 1.0
    players: PlayerRegistries = field(default_factory=PlayerRegistries)  # running sessions

    @classmethod
    def build(
        cls,
        store: ClinicStore,
        clock: Clock,
        public_url: str,
        video_settings: VideoSettings | None = None,
        *,
        player_speed: float = 1.0,
    ) -> ClinicContext:
        from hipflex.jobs.analyzer import probe_uploaded_video
        from hipflex.jobs.procrastinate_queue import ProcrastinateQueue
        from hipflex.storage.clinic.video_repo import VideoStore

        return cls(
            store=store,
            clock=clock,
            public_url=public_url.rstrip("/"),
            accounts=Accounts(store),
            invites=Invites(store),
            staff=Staff(store),
            prescriptions=Prescriptions(store),
            patient_data=PatientData(store),
            dashboard=Dashboard(store),
            fhir=FhirExport(store),
            videos=Videos(VideoStore(store), ProcrastinateQueue()),
            video_settings=video_settings,
            probe_video=probe_uploaded_video,
            player=Player(store),
            player_speed=player_speed,
        )

    def now(self) -> datetime:
        return self.clock.now()

    def invite_url(self, token: str) -> str:
        return f"{self.public_url}/invite/{token}"


def clinic_context(connection: HTTPConnection) -> ClinicContext:
    context: ClinicContext = connection.app.state.clinic
    return context
