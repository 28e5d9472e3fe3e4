"""The clinic server for real-browser tests: uvicorn in a thread on a free loopback port,
over this module's database, reached as http://127.0.0.1:PORT (Chromium treats loopback as a
secure context, so it keeps the Secure ``__Host-`` cookies over plain http there)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from tests.web.browser.conftest import ARTIFACTS, free_port

from hipflex.clinic.app import create_clinic_app
from hipflex.services.clinic.video_files import VideoSettings
from hipflex.storage.clinic.store import ClinicStore


@dataclass
class ClinicServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread
    data_dir: Path  # uploaded and annotated videos


@pytest.fixture(scope="module")
def clinic_server(
    clinic_engine: Engine, video_data_dir: Path, request: pytest.FixtureRequest
) -> Iterator[ClinicServer]:
    """A module sets ``CLINIC_DEMO_SPEED`` to run the patients' session player faster."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    speed = float(getattr(request.module, "CLINIC_DEMO_SPEED", 1.0))
    app = create_clinic_app(
        ClinicStore(clinic_engine),
        url,
        video_settings=VideoSettings(video_data_dir),
        demo_speed=speed,
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the clinic test server did not start")
        time.sleep(0.02)
    yield ClinicServer(url, server, thread, video_data_dir)
    server.should_exit = True
    thread.join(15)


@pytest.fixture(scope="module")
def clinic_artifacts() -> Path:
    path = ARTIFACTS.parent / "clinic"
    path.mkdir(parents=True, exist_ok=True)
    return path
