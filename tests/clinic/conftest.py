"""Clinic fixtures: a migrated database per test module (copied from a template, ~0.1 s),
the app in-process over https (so the Secure ``__Host-`` cookie flows), and a "world" of
two clinics with an admin, clinicians and patients each."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from tests.pg import PostgresServer

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.services.clinic.video_files import VideoSettings
from hipflex.storage.clinic.database import create_clinic_engine, migrate
from hipflex.storage.clinic.store import ClinicStore

PUBLIC_URL = "https://clinic.test"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2() -> Iterator[None]:
    """Argon2id still, but at 8 MiB and one pass instead of 64 MiB × 3 (0.4 s a hash on the
    test machine, and every account in these tests is hashed and verified several times).
    test_passwords.py checks the production parameters."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from hipflex.services.clinic import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192, parallelism=1),))
    passwords.dummy_hash.cache_clear()
    yield
    passwords._hasher = original
    passwords.dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def clinic_template(postgres_server: PostgresServer) -> str:
    """A database migrated to head once per test session; modules copy it."""
    name = postgres_server.create_database("clinic_template")
    engine = create_clinic_engine(postgres_server.url(name))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return name


@pytest.fixture(scope="module")
def clinic_db(postgres_server: PostgresServer, clinic_template: str) -> Iterator[str]:
    """The name of a fresh, migrated database for this test module."""
    name = postgres_server.create_database("clinic", template=clinic_template)
    yield name
    postgres_server.drop_database(name)


@pytest.fixture(scope="module")
def clinic_engine(postgres_server: PostgresServer, clinic_db: str) -> Iterator[Engine]:
    engine = create_clinic_engine(postgres_server.url(clinic_db))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    """The app's clock; it only moves when a test advances it (never backwards)."""
    return FakeClock(T0)


@pytest.fixture(scope="module")
def video_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clinic's data dir (uploaded and annotated videos) for this test module."""
    return tmp_path_factory.mktemp("clinic-data")


@pytest.fixture(scope="module")
def app(clinic_engine: Engine, clock: FakeClock, video_data_dir: Path) -> FastAPI:
    return create_clinic_app(
        ClinicStore(clinic_engine),
        PUBLIC_URL,
        clock=clock,
        video_settings=VideoSettings(video_data_dir),
    )


def new_client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=PUBLIC_URL, follow_redirects=False)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    match = CSRF_META.search(html) or CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass
class Person:
    id: str
    email: str
    client: TestClient
    csrf: str

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def post_json(self, url: str, body: Any) -> Any:
        return self.client.post(url, json=body, headers={"x-csrf-token": self.csrf})


@dataclass
class ClinicWorld:
    name: str
    admin: Person
    clinician: Person
    other_clinician: Person  # same clinic, different patients
    patient: Person
    other_patient: Person  # the other clinician's patient
    invite_ids: list[str] = field(default_factory=list)


def invite_token(html: str) -> str:
    match = re.search(r"/invite/([A-Za-z0-9_-]+)", html)
    assert match, "no invite link on the page"
    return match.group(1)


def redeem(app: FastAPI, token: str, email: str, name: str) -> Person:
    """Open an invite link in a fresh browser and create the account."""
    client = new_client(app)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200, page.text
    response = client.post(
        f"/invite/{token}",
        data={
            "csrf_token": csrf_of(page.text),
            "email": email,
            "display_name": name,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 303, response.text
    home = client.get(response.headers["location"])
    assert home.status_code == 200, home.text
    me = client.get("/api/v1/me").json()
    return Person(me["id"], email, client, csrf_of(home.text))


def create_invite(person: Person, role: str, name: str) -> str:
    response = person.post("/invites", {"role": role, "display_name": name})
    assert response.status_code == 201, response.text
    return invite_token(response.text)


def build_world(app: FastAPI, label: str) -> ClinicWorld:
    context = app.state.clinic
    _, admin_invite = context.invites.create_clinic(
        f"Clinic {label}", "Europe/Berlin", context.now()
    )
    admin = redeem(app, admin_invite.token, f"admin@{label}.test", f"Admin {label}")
    clinician = redeem(
        app, create_invite(admin, "clinician", "Dr A"), f"dr.a@{label}.test", f"Dr A {label}"
    )
    other = redeem(
        app, create_invite(admin, "clinician", "Dr B"), f"dr.b@{label}.test", f"Dr B {label}"
    )
    patient = redeem(
        app, create_invite(clinician, "patient", "Pat"), f"pat@{label}.test", f"Pat {label}"
    )
    other_patient = redeem(
        app, create_invite(other, "patient", "Quinn"), f"quinn@{label}.test", f"Quinn {label}"
    )
    return ClinicWorld(f"Clinic {label}", admin, clinician, other, patient, other_patient)


@pytest.fixture(scope="module")
def world_factory(app: FastAPI) -> Callable[[str], ClinicWorld]:
    return lambda label: build_world(app, label)


def session_body(
    session_id: str, started: datetime, *, pain_before: int | None = 3, pain_after: int | None = 2
) -> dict[str, Any]:
    """A completed two-hold session as the home app would send it."""
    import uuid
    from datetime import timedelta

    holds = []
    for rep, side in enumerate(["right", "left"], start=1):
        start = started + timedelta(seconds=40 * rep)
        holds.append(
            {
                "id": str(uuid.uuid5(uuid.UUID(session_id), f"hold{rep}")),
                "side": side,
                "rep": 1,
                "target_s": 30,
                "counted_s": 30,
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(seconds=30)).isoformat(),
                "outcome": "completed",
                "source": "camera",
                "hip_extension_max_deg": 18.0 if side == "right" else 9.0,
                "hip_extension_median_deg": 15.0 if side == "right" else 7.0,
            }
        )
    return {
        "id": session_id,
        "protocol_name": "kneeling-hip-flexor",
        "protocol_title": "Half-kneeling hip flexor stretch",
        "hold_target_s": 30,
        "holds_planned": 2,
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(seconds=120)).isoformat(),
        "status": "completed",
        "source": "camera",
        "pain_before": pain_before,
        "pain_after": pain_after,
        "note": "felt fine",
        "holds": holds,
    }


def tiny_video() -> bytes:
    """A real (if dull) one-second video, made here: an upload the routes accept."""
    import tempfile
    from pathlib import Path

    import cv2
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "walk.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (64, 48))
        for i in range(10):
            writer.write(np.full((48, 64, 3), 40 + 10 * i, dtype=np.uint8))
        writer.release()
        return path.read_bytes()
