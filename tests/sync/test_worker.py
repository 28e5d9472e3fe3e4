"""The background sender of ``hipflex serve``, against the real clinic server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import ClinicWorld
from tests.sync.conftest import LiveClinic, an_hour_ago, link_home, record_session

from hipflex.domain.clock import FakeClock
from hipflex.settings import load_settings
from hipflex.storage.db import Database
from hipflex.sync.pull import PRESCRIBED_NAME
from hipflex.sync.worker import start_background_sync


def test_nothing_runs_when_not_linked(tmp_path: Path) -> None:
    assert start_background_sync(tmp_path, FakeClock()) is None


def test_a_saved_session_is_sent_in_the_background(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
    clinic_engine: Engine,
) -> None:
    world = world_of("bg")
    link_home(live_clinic, tmp_path, home, world.patient)
    response = world.clinician.post_json(
        f"/api/v1/patients/{world.patient.id}/prescriptions",
        {"protocol_name": "standing-hip-flexor", "hold_s": 30, "reps": 2,
         "sides": ["right", "left"], "start_date": an_hour_ago().date().isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    started = start_background_sync(tmp_path, FakeClock(datetime.now(UTC)), every_s=0.05)
    assert started is not None
    worker, stop, thread = started
    try:
        session_id = record_session(home, an_hour_ago())
        deadline = time.monotonic() + 20
        while True:
            with clinic_engine.connect() as conn:
                found = conn.execute(
                    text("SELECT count(*) FROM patient_sessions WHERE id = :id"),
                    {"id": session_id},
                ).scalar_one()
            if found:
                break
            assert time.monotonic() < deadline, worker.last_error
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert load_settings(tmp_path).default_protocol == PRESCRIBED_NAME  # pulled too
