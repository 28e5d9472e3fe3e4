"""Patients' videos on the real PostgreSQL: the upload and its job in one transaction, bad
uploads refused with nothing kept, scoping, and one end-to-end run with a real
``hipflex clinic worker`` process, including a worker killed (SIGKILL) mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import PUBLIC_URL, ClinicWorld, Person, build_world, csrf_of
from tests.pg import PostgresServer

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.services.clinic.video_files import VideoFiles, VideoSettings
from hipflex.storage.clinic.store import ClinicStore

MEDIA = Path(__file__).resolve().parents[2].parent / "shared" / "media" / "video"
CLIP = MEDIA / "ucf101_v_Lunges_g18_c05.mp4"  # 10 s, 144 kB: a person lunging
SECOND_CLIP = MEDIA / "rnhrn_lunges.mp4"  # 6 s
MAX_BYTES = 3_000_000
WAIT_S = 150

pytestmark = pytest.mark.skipif(not CLIP.exists(), reason=f"shared media absent ({MEDIA})")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clinic-data")


@pytest.fixture(scope="module")
def app(clinic_engine: Engine, clock: FakeClock, data_dir: Path) -> FastAPI:
    settings = VideoSettings(data_dir, max_bytes=MAX_BYTES, max_duration_s=60)
    return create_clinic_app(
        ClinicStore(clinic_engine), PUBLIC_URL, clock=clock, video_settings=settings
    )


@pytest.fixture(scope="module")
def world(app: FastAPI) -> ClinicWorld:
    return build_world(app, "vid")


def upload(person: Person, patient_id: str, path: Path, name: str | None = None, **kw: Any) -> Any:
    with path.open("rb") as stream:
        return person.client.post(
            f"/patients/{patient_id}/videos",
            data={"csrf_token": kw.pop("csrf", person.csrf)},
            files={"video": (name or path.name, stream, "video/mp4")},
            **kw,
        )


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def uploads_on_disk(data_dir: Path) -> list[str]:
    folder = VideoFiles(data_dir).uploads
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def status(person: Person, video_id: str) -> dict[str, Any]:
    response = person.client.get(f"/videos/{video_id}/status")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# ---- uploads ---------------------------------------------------------------------------------


def test_an_upload_and_its_job_are_written_together_and_a_resend_adds_nothing(
    world: ClinicWorld, clinic_engine: Engine, data_dir: Path
) -> None:
    response = upload(world.patient, world.patient.id, CLIP)
    assert response.status_code == 303, response.text
    video_id = response.headers["location"].rsplit("/", 1)[1]
    state = status(world.patient, video_id)
    assert (state["status"], state["name"], state["result"]) == ("queued", CLIP.name, None)
    jobs = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
    assert scalar(clinic_engine, jobs) == 1
    assert len(uploads_on_disk(data_dir)) == 1
    stored = scalar(
        clinic_engine, "SELECT stored_name FROM video_uploads WHERE id = :id", id=video_id
    )
    assert stored != CLIP.name and stored.endswith(".video")  # the server chose the name
    again = upload(world.patient, world.patient.id, CLIP)
    assert again.headers["location"] == f"/videos/{video_id}"  # the same upload
    assert scalar(clinic_engine, jobs) == 1
    assert len(uploads_on_disk(data_dir)) == 1
    # The clinician sees it on the patient's list; the patient's page has the panel.
    listing = world.clinician.client.get(f"/patients/{world.patient.id}/videos/list")
    assert CLIP.name in listing.text and "Waiting for analysis" in listing.text
    assert 'data-video-list="/patients/' in world.patient.client.get("/me").text


@pytest.mark.parametrize(
    ("make", "status_code", "message"),
    [
        pytest.param(
            lambda d: _text_as_mp4(d), 422, "not a video hipflex can read", id="text-renamed"
        ),
        pytest.param(lambda d: _truncated(d), 422, "not a video hipflex can read", id="truncated"),
        pytest.param(lambda d: _empty(d), 422, "the file is empty", id="empty"),
    ],
)
def test_a_file_that_is_not_a_video_is_refused_and_not_kept(
    world: ClinicWorld,
    clinic_engine: Engine,
    data_dir: Path,
    tmp_path: Path,
    make: Callable[[Path], Path],
    status_code: int,
    message: str,
) -> None:
    before_rows = scalar(clinic_engine, "SELECT count(*) FROM video_uploads")
    before_files = uploads_on_disk(data_dir)
    response = upload(world.clinician, world.patient.id, make(tmp_path), name="stretch.mp4")
    assert response.status_code == status_code
    assert message in response.text
    assert scalar(clinic_engine, "SELECT count(*) FROM video_uploads") == before_rows
    assert uploads_on_disk(data_dir) == before_files


def _text_as_mp4(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("this is a shopping list, not a video\n" * 50)
    return path


def _truncated(folder: Path) -> Path:
    path = folder / "cut.mp4"
    path.write_bytes(SECOND_CLIP.read_bytes()[:40_000])  # the header says more than is there
    return path


def _empty(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def test_an_oversized_upload_is_refused_before_it_is_read(
    world: ClinicWorld, clinic_engine: Engine, data_dir: Path, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp4"
    big.write_bytes(CLIP.read_bytes() * (MAX_BYTES // CLIP.stat().st_size + 2))
    before = uploads_on_disk(data_dir)
    response = upload(world.patient, world.patient.id, big)
    assert response.status_code == 413
    assert "larger than 3 MB" in response.text
    assert uploads_on_disk(data_dir) == before


def test_uploads_and_results_are_scoped_like_the_other_patient_routes(
    world: ClinicWorld, app: FastAPI, clinic_engine: Engine
) -> None:
    other = build_world(app, "vid2")
    target = world.patient.id
    assert upload(world.other_clinician, target, CLIP).status_code == 404
    assert upload(other.clinician, target, CLIP).status_code == 404
    assert upload(world.other_patient, target, CLIP).status_code == 404
    assert upload(world.admin, target, CLIP).status_code == 403
    assert upload(world.patient, target, CLIP, csrf="forged").status_code == 403
    video_id = upload(world.patient, target, CLIP).headers["location"].rsplit("/", 1)[1]
    for person, code in (
        (world.other_clinician, 404),
        (other.clinician, 404),
        (world.other_patient, 404),
        (other.patient, 404),
        (world.admin, 403),
    ):
        for url in (
            f"/videos/{video_id}",
            f"/videos/{video_id}/status",
            f"/videos/{video_id}/annotated.mp4",
            f"/patients/{target}/videos",
            f"/patients/{target}/videos/list",
            f"/patients/{target}/videos/status",
        ):
            assert person.client.get(url).status_code == code, (person.email, url)
    assert world.clinician.client.get(f"/videos/{video_id}").status_code == 200
    audited = "SELECT count(*) FROM audit_log WHERE what = :what AND actor_id = :actor"
    assert scalar(clinic_engine, audited, what="video upload", actor=world.patient.id) >= 1
    assert scalar(clinic_engine, audited, what="video analysis", actor=world.clinician.id) >= 1


def test_the_database_going_away_mid_upload_answers_503_and_keeps_nothing(
    world: ClinicWorld,
    clinic_engine: Engine,
    clinic_db: str,
    data_dir: Path,
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from hipflex.storage.clinic.video_repo import VideoRepository

    clip = tmp_path / "other.mp4"
    clip.write_bytes(SECOND_CLIP.read_bytes())
    before_rows = scalar(clinic_engine, "SELECT count(*) FROM video_uploads")
    before_jobs = scalar(clinic_engine, "SELECT count(*) FROM procrastinate_jobs")
    before_files = uploads_on_disk(data_dir)
    original = VideoRepository.add

    def add_then_lose_the_database(self: VideoRepository, upload: Any) -> None:
        original(self, upload)
        postgres_server.terminate_connections(clinic_db)

    monkeypatch.setattr(VideoRepository, "add", add_then_lose_the_database)
    response = upload(world.patient, world.patient.id, clip)
    monkeypatch.undo()
    assert response.status_code == 503
    assert "unavailable" in response.text
    assert scalar(clinic_engine, "SELECT count(*) FROM video_uploads") == before_rows
    assert scalar(clinic_engine, "SELECT count(*) FROM procrastinate_jobs") == before_jobs
    assert uploads_on_disk(data_dir) == before_files


# ---- the worker --------------------------------------------------------------------------


def start_worker(url: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HIPFLEX_CLINIC_DATABASE_URL": url}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hipflex",
            "clinic",
            "worker",
            "--processes",
            "1",
            "--data-dir",
            str(data_dir),
            "--heartbeat-s",
            "0.5",
            "--stalled-after-s",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: killed whole, children included
    )


def stop(worker: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    out, _ = worker.communicate(timeout=60)
    return out


@pytest.fixture(scope="module")
def worker_url(postgres_server: PostgresServer, clinic_db: str) -> str:
    return postgres_server.url(clinic_db)


def no_person_video(folder: Path) -> Path:
    import cv2
    import numpy as np

    path = folder / "empty-room.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (320, 240))
    for i in range(20):
        frame = np.full((240, 320, 3), 90 + i, dtype=np.uint8)
        writer.write(frame)
    writer.release()
    return path


def test_a_worker_analyses_uploads_and_a_killed_worker_s_job_is_run_again_once(
    world: ClinicWorld,
    clinic_engine: Engine,
    data_dir: Path,
    worker_url: str,
    tmp_path: Path,
) -> None:
    patient, clinician = world.patient, world.clinician
    first = upload(patient, patient.id, CLIP).headers["location"].rsplit("/", 1)[1]
    empty = upload(clinician, patient.id, no_person_video(tmp_path))
    assert empty.status_code == 303, empty.text
    empty_id = empty.headers["location"].rsplit("/", 1)[1]
    worker = start_worker(worker_url, data_dir)
    try:
        seen: list[tuple[str, int]] = []  # what a page polling the status would read

        def finished() -> bool:
            now = status(patient, first)
            if not seen or seen[-1] != (now["status"], now["progress_pct"]):
                seen.append((now["status"], now["progress_pct"]))
            return bool(now["status"] == "done")

        wait_for(finished, "the first analysis")
        wait_for(lambda: status(patient, empty_id)["status"] == "failed", "the empty video")
    finally:
        log = stop(worker)
    assert "worker 1 started" in log, log
    # Progress moves while the clip is analysed (about once a second), in order, to 100.
    moving = [pct for state, pct in seen if state == "analysing" and 0 < pct < 100]
    assert len(moving) >= 2 and moving == sorted(set(moving)), seen
    assert seen[-1] == ("done", 100), seen
    assert [state for state, _ in seen] == sorted(
        (state for state, _ in seen), key=["queued", "analysing", "done"].index
    ), seen
    result = status(clinician, first)["result"]
    assert result["duration_s"] == pytest.approx(10.16, abs=0.1)
    assert result["good_form_s"] >= 0 and result["per_second"]
    assert len(result["per_second"]) == 11  # seconds 0..10
    assert set(result["good_form_s_by_side"]) <= {"left", "right", "unknown"}
    assert "no person found" in status(patient, empty_id)["error"]
    video = clinician.client.get(result["annotated_video"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert len(video.content) > 10_000
    page = clinician.client.get(f"/videos/{first}")
    assert "Second by second" in page.text and "in good form" in page.text
    assert uploads_on_disk(data_dir) == []  # removed once analysed (the clinic keeps none)

    # A worker killed with SIGKILL mid-job: its job is put back and run once by the next.
    second = upload(patient, patient.id, SECOND_CLIP).headers["location"].rsplit("/", 1)[1]
    worker = start_worker(worker_url, data_dir)
    try:
        wait_for(lambda: status(patient, second)["status"] == "analysing", "the job to start")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
        assert status(patient, second)["status"] == "analysing"  # nobody finished it
        doing = "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
        assert scalar(clinic_engine, doing) == 1
        worker = start_worker(worker_url, data_dir)
        wait_for(lambda: status(patient, second)["status"] == "done", "the retried analysis")
    finally:
        log = stop(worker)
    sha = scalar(clinic_engine, "SELECT sha256 FROM video_uploads WHERE id = :id", id=second)
    results = "SELECT count(*) FROM video_results WHERE sha256 = :sha"
    assert scalar(clinic_engine, results, sha=sha) == 1
    assert len(list(VideoFiles(data_dir).results.glob(f"{sha}-*.mp4"))) == 1
    assert list(VideoFiles(data_dir).work.iterdir()) == []  # the killed attempt's files too
    listing = patient.client.get(f"/patients/{patient.id}/videos/list").text
    assert listing.count(f'data-video-id="{second}"') == 1
    assert "queued again" in log, log  # the sweep of the second worker put it back


def test_csrf_page_token_is_on_the_upload_page(world: ClinicWorld) -> None:
    page = world.patient.client.get(f"/patients/{world.patient.id}/videos")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert csrf_of(page.text) == world.patient.csrf
