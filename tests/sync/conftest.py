"""The home app against a real clinic server: uvicorn on a loopback port over a real
PostgreSQL database (the clinic tests' fixtures), stoppable and restartable on the same port
(the clinic "down" and "back"), and a patient who confirms device codes in their browser
session (in-process, over the same database)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from tests.clinic import conftest as clinic_fixtures
from tests.clinic.conftest import PUBLIC_URL, ClinicWorld, Person, build_world
from tests.pg import PostgresServer
from tests.web.browser.conftest import free_port

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.domain.events import (
    HoldCompleted,
    HoldOutcome,
    Phase,
    PhaseStarted,
    SessionFinished,
    SessionStatus,
)
from hipflex.domain.protocol import Side
from hipflex.domain.records import Source
from hipflex.protocols.loader import load_protocol
from hipflex.services.recorder import SessionRecorder
from hipflex.services.session_check_in import CheckIn, save_check_in
from hipflex.storage.clinic.database import create_clinic_engine
from hipflex.storage.clinic.store import ClinicStore
from hipflex.storage.db import Database, open_database
from hipflex.storage.outbox import Outbox
from hipflex.sync import pairing
from hipflex.sync.client import CodeGrant

# The clinic tests' database fixtures (a migrated PostgreSQL database per module).
cheap_argon2 = clinic_fixtures.cheap_argon2
clinic_template = clinic_fixtures.clinic_template
clinic_db = clinic_fixtures.clinic_db
clinic_engine = clinic_fixtures.clinic_engine


@dataclass
class LiveClinic:
    """The clinic server in a thread; ``stop()`` and ``start()`` again on the same port."""

    database_url: str
    port: int = field(default_factory=free_port)
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        store = ClinicStore(create_clinic_engine(self.database_url))
        app = create_clinic_app(store, self.url)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the clinic test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(15)
        self.server = self.thread = None


@pytest.fixture(scope="module")
def live_clinic(postgres_server: PostgresServer, clinic_db: str) -> Iterator[LiveClinic]:
    clinic = LiveClinic(postgres_server.url(clinic_db))
    clinic.start()
    yield clinic
    clinic.stop()


@pytest.fixture(scope="module")
def site(clinic_engine: Engine) -> FastAPI:
    """The clinic's site as the patient's browser sees it (wall clock, same database)."""
    return create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL)


@pytest.fixture(scope="module")
def world_of(site: FastAPI) -> Callable[[str], ClinicWorld]:
    return lambda label: build_world(site, label)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Database]:
    """The home app's history database in a fresh data dir (``tmp_path``)."""
    with open_database(tmp_path) as database:
        yield database


def confirm_on_site(patient: Person) -> Callable[[CodeGrant], None]:
    """What the patient does when the app shows a code: types it on the clinic's /device."""

    def show(grant: CodeGrant) -> None:
        response = patient.post("/device", {"code": grant.user_code})
        assert response.status_code == 200, response.text

    return show


def link_home(
    clinic: LiveClinic, data_dir: Path, database: Database, patient: Person
) -> pairing.LinkResult:
    return pairing.link(
        clinic.url,
        data_dir,
        Outbox(database.engine),
        show=confirm_on_site(patient),
        sleep=lambda _s: None,
        now=lambda: datetime.now(UTC),
    )


def record_session(
    database: Database,
    started: datetime,
    *,
    pain_before: int | None = 4,
    pain_after: int | None = 2,
    note: str = "",
) -> str:
    """A two-hold timer session through the recorder and the check-in use case, as the
    guided session saves it."""
    clock = FakeClock(started)
    protocol = load_protocol("kneeling-hip-flexor")
    recorder = SessionRecorder(database.repository, protocol, clock, source=Source.TIMER)
    session_id = recorder.begin()
    if pain_before is not None:
        save_check_in(database.repository, session_id, CheckIn(pain_before=pain_before), started)
    for side in (Side.RIGHT, Side.LEFT):
        clock.advance(10)
        recorder.handle([PhaseStarted(Phase.HOLD, side, 1, 30.0, "Hold.", "")])
        hold_start = clock.now()
        clock.advance(30)
        recorder.handle(
            [HoldCompleted(side, 1, 30.0, 30.0, hold_start, clock.now(), HoldOutcome.COMPLETED)]
        )
    clock.advance(5)
    recorder.handle(
        [SessionFinished(SessionStatus.COMPLETED, 2, 2, {Side.RIGHT: 30.0, Side.LEFT: 30.0})]
    )
    after = CheckIn(pain_after=pain_after, note=note or None)
    save_check_in(database.repository, session_id, after, clock.now())
    return session_id


def an_hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


HIPFLEX = Path(sys.executable).with_name("hipflex")


def hipflex_command(*args: str) -> list[str]:
    return [str(HIPFLEX), *args]


@pytest.fixture
def run_cli() -> Callable[..., tuple[int, str]]:
    """Run ``hipflex ARGS`` in a real process; (exit code, stdout + stderr)."""

    def run(*args: str, timeout_s: float = 60) -> tuple[int, str]:
        done = subprocess.run(
            hipflex_command(*args),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, "COLUMNS": "200"},
            check=False,
        )
        return done.returncode, done.stdout + done.stderr

    return run
