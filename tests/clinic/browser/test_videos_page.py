"""Uploading a video in Debian's Chromium, desktop and phone: the patient (or their clinician,
from the patient's page) picks a file on the upload form, sees it waiting, the analysis runs
(the worker's job function, in a thread of the test), and the page follows it by itself to the
result."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.browser.conftest import ClinicServer
from tests.clinic.conftest import PASSWORD, PUBLIC_URL, T0, ClinicWorld, build_world
from tests.web.browser.conftest import watch_errors

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.jobs.analyzer import analyze_uploaded_video
from hipflex.jobs.queue import AnalysisJob, Attempt
from hipflex.services.clinic.video_analysis import VideoAnalysis
from hipflex.services.clinic.video_files import VideoFiles
from hipflex.storage.clinic.store import ClinicStore
from hipflex.storage.clinic.video_repo import VideoStore

MEDIA = Path(__file__).resolve().parents[3].parent / "shared" / "media" / "video"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not MEDIA.exists(), reason=f"shared media absent ({MEDIA})"),
]
CLIPS = {"desktop": MEDIA / "ucf101_v_Lunges_g18_c05.mp4", "phone": MEDIA / "rnhrn_lunges.mp4"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def world(clinic_engine: Engine) -> ClinicWorld:
    return build_world(create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL), "brv")


class RunningClock(FakeClock):
    """The analysis's clock: today pinned (nothing depends on the day the test runs), the
    monotonic time real, so its progress is written about once a second as in a worker."""

    def monotonic(self) -> float:
        return time.monotonic()


def log_in(page: Any, server: ClinicServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_load_state()


def upload_and_see_it_queued(page: Any, clip: Path, screenshot: Path) -> None:
    """On the upload form: pick ``clip``, send it, land on its page, waiting for analysis."""
    page.set_input_files("#video-file", str(clip))
    page.click("button:has-text('Upload and analyse')")
    page.wait_for_load_state()
    assert "/videos/" in page.url
    assert "Waiting for analysis" in page.inner_text("[data-video-progress]")
    assert page.locator("[data-video-progress] progress").count() == 1
    assert page.locator("[data-video-progress][role]").count() == 0  # not read out each second
    assert page.inner_text("[data-video-announce][role=status]") == "Waiting for analysis…"
    page.screenshot(path=screenshot, full_page=True)


def start_the_latest_job(server: ClinicServer, engine: Engine) -> threading.Thread:
    """The worker's job function for the newest upload, in a thread, while the page polls."""
    with engine.connect() as connection:
        sha, version = connection.execute(
            text(
                "SELECT sha256, analyzer_version FROM video_uploads "
                "ORDER BY uploaded_at DESC, id LIMIT 1"
            )
        ).one()
    analysis = VideoAnalysis(
        VideoStore(ClinicStore(engine)),
        VideoFiles(server.data_dir).ensure(),
        analyze_uploaded_video,
        RunningClock(T0),
    )
    worker = threading.Thread(
        target=analysis.run, args=(AnalysisJob(sha, version), Attempt(1, False)), daemon=True
    )
    worker.start()
    return worker


# Notes each text the progress line shows and, ten times a second, where its bar stands
# (kept in sessionStorage: the page reloads itself at the end).
NOTE_PROGRESS = """() => {
  const line = document.querySelector("[data-video-progress]");
  const bar = line.querySelector("progress");
  const seen = [];
  const stands = [];
  new MutationObserver(() => {
    seen.push(line.textContent.trim());
    sessionStorage.setItem("progress-seen", JSON.stringify(seen));
  }).observe(line, { subtree: true, childList: true, characterData: true });
  const region = document.querySelector("[data-video-announce]");
  const said = [];
  new MutationObserver(() => {
    said.push(region.textContent.trim());
    sessionStorage.setItem("progress-said", JSON.stringify(said));
  }).observe(region, { subtree: true, childList: true, characterData: true });
  setInterval(() => {
    if (bar.hasAttribute("value")) stands.push(bar.value);
    sessionStorage.setItem("bar-seen", JSON.stringify(stands));
  }, 100);
}"""


def follow_to_the_result(page: Any, worker: threading.Thread, shots: Path, name: str) -> None:
    """The video's page while the job runs: "Analysing… starting" (the model starts), then a
    figure that moves about once a second, then the page reloads itself with the result."""
    page.evaluate(NOTE_PROGRESS)
    page.wait_for_selector("[data-video-progress]:has-text('Analysing')", timeout=60_000)
    page.screenshot(path=shots / f"{name}-analysing.png", full_page=True)
    page.wait_for_selector("text=in good form", timeout=120_000)
    worker.join(30)
    assert page.locator("video.video-annotated").count() == 1
    page.screenshot(path=shots / f"{name}-result.png", full_page=True)
    seen = json.loads(page.evaluate("sessionStorage.getItem('progress-seen') || '[]'"))
    figures = [int(m) for text in seen for m in re.findall(r"Analysing… (\d+)%", text)]
    assert figures, seen  # a figure between "starting" and the result
    assert figures == sorted(figures), seen  # it only moves forward
    stands = json.loads(page.evaluate("sessionStorage.getItem('bar-seen') || '[]'"))
    between = {round(v) for v in stands if 0 < v < max(figures)} - set(figures)
    assert len(between) >= 3, (figures, stands)  # the bar glides between the figures
    # A screen reader hears the state and each quarter, never the figure of every second.
    said = json.loads(page.evaluate("sessionStorage.getItem('progress-said') || '[]'"))
    assert said, seen
    assert set(said) <= {"Analysing…", *(f"Analysing… {q}%" for q in (25, 50, 75))}, said
    assert len(said) == len(set(said)), said  # each said once


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_patient_uploads_a_video_and_sees_its_analysis(
    browser: Any,
    clinic_server: ClinicServer,
    clinic_engine: Engine,
    world: ClinicWorld,
    clinic_artifacts: Path,
    size: str,
) -> None:
    clip = CLIPS[size]
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, clinic_server, world.patient.email)
    assert page.url.endswith("/me"), page.url
    page.wait_for_selector("[data-video-list] .video-list")  # the panel's list, loaded by JS
    page.click("a:has-text('Upload a video')")
    page.wait_for_load_state()
    upload_and_see_it_queued(page, clip, clinic_artifacts / f"video-queued-{size}.png")

    worker = start_the_latest_job(clinic_server, clinic_engine)
    follow_to_the_result(page, worker, clinic_artifacts, f"video-{size}")
    assert page.locator(".seconds li").count() >= 6  # one per second of the clip
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[size]["width"]  # nothing wider than the screen
    playable = page.evaluate(
        "fetch(document.querySelector('video.video-annotated').src)"
        ".then(r => [r.status, r.headers.get('content-type')])"
    )
    assert playable == [200, "video/mp4"]

    page.goto(f"{clinic_server.url}/me")
    page.wait_for_selector(f"[data-video-list] .video-item:has-text('{clip.name}')")
    line = page.inner_text(f".video-item:has-text('{clip.name}')")
    # The result's summary line: seconds in good form of those in position, or (the phone's
    # clip shows lunges, never the kneeling stretch) that the stretch was not seen.
    assert ("in position" in line) if size == "desktop" else ("Not seen in the stretch" in line)
    page.screenshot(path=clinic_artifacts / f"video-me-{size}.png", full_page=True)
    assert errors == []
    context.close()


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_clinician_uploads_a_video_for_a_patient_and_sees_its_analysis(
    browser: Any,
    clinic_server: ClinicServer,
    clinic_engine: Engine,
    world: ClinicWorld,
    clinic_artifacts: Path,
    tmp_path: Path,
    size: str,
) -> None:
    # The patient's clip of this size with one byte more: other bytes (the patient's upload
    # is analysed already and would be done at once), the same pictures.
    clip = tmp_path / f"clinic-recording-{size}.mp4"
    clip.write_bytes(CLIPS[size].read_bytes() + b"\0")
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, clinic_server, world.clinician.email)
    page.click("a:has-text('Pat brv')")  # the dashboard's row of the patient
    page.wait_for_load_state()
    assert page.url.endswith(f"/patients/{world.patient.id}"), page.url
    page.wait_for_selector("[data-video-list] .video-list")
    page.screenshot(path=clinic_artifacts / f"clinician-patient-{size}.png", full_page=True)
    page.click("a:has-text('Upload a video')")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Videos of Pat brv"  # whose videos the clinician adds to
    page.screenshot(path=clinic_artifacts / f"clinician-upload-{size}.png", full_page=True)
    upload_and_see_it_queued(page, clip, clinic_artifacts / f"clinician-queued-{size}.png")
    assert page.locator("a:has-text('Back to Pat brv')").count() == 1  # whose video it is

    worker = start_the_latest_job(clinic_server, clinic_engine)
    follow_to_the_result(page, worker, clinic_artifacts, f"clinician-{size}")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]

    page.click("a:has-text('Back to Pat brv')")  # the patient's page, where it is listed
    page.wait_for_load_state()
    assert page.url.endswith(f"/patients/{world.patient.id}"), page.url
    line = page.locator(f".video-item:has-text('{clip.name}')")
    line.wait_for()
    assert "Good form" in line.inner_text() or "Not seen in the stretch" in line.inner_text()
    page.screenshot(path=clinic_artifacts / f"clinician-result-{size}.png", full_page=True)
    assert errors == []
    context.close()
