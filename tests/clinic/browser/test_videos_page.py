"""Uploading a video in Debian's Chromium, desktop and phone: the patient picks a file on the
upload form, sees it waiting, the analysis runs (the worker's job function, in a thread of the
test), and the page follows it by itself to the result."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.browser.conftest import ClinicServer
from tests.clinic.conftest import PASSWORD, PUBLIC_URL, T0, build_world
from tests.web.browser.conftest import watch_errors

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.jobs.analyzer import analyze_uploaded_video
from hipflex.jobs.queue import AnalysisJob, Attempt
from hipflex.services.clinic.video_analysis import VideoAnalysis
from hipflex.services.clinic.video_files import VideoFiles
from hipflex.storage.clinic.store import ClinicStore
from hipflex.storage.clinic.video_repo import VideoStore

pytestmark = pytest.mark.browser

MEDIA = Path(__file__).resolve().parents[3].parent / "shared" / "media" / "video"
CLIPS = {"desktop": MEDIA / "ucf101_v_Lunges_g18_c05.mp4", "phone": MEDIA / "rnhrn_lunges.mp4"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def patient_email(clinic_engine: Engine) -> str:
    world = build_world(create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL), "brv")
    return world.patient.email


@pytest.mark.skipif(not MEDIA.exists(), reason=f"shared media absent ({MEDIA})")
@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_patient_uploads_a_video_and_sees_its_analysis(
    browser: Any,
    clinic_server: ClinicServer,
    clinic_engine: Engine,
    patient_email: str,
    clinic_artifacts: Path,
    size: str,
) -> None:
    clip = CLIPS[size]
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{clinic_server.url}/login")
    page.fill("#email", patient_email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_load_state()
    assert page.url.endswith("/me"), page.url
    page.wait_for_selector("[data-video-list] .video-list")  # the panel's list, loaded by JS
    page.click("a:has-text('Upload a video')")
    page.wait_for_load_state()
    page.set_input_files("#video-file", str(clip))
    page.click("button:has-text('Upload and analyse')")
    page.wait_for_load_state()
    assert "/videos/" in page.url
    state = page.inner_text("[data-video-progress]")
    assert "Waiting for analysis" in state
    assert page.locator("[data-video-progress] progress").count() == 1
    page.screenshot(path=clinic_artifacts / f"video-queued-{size}.png", full_page=True)

    # The worker's job function runs while the page polls.
    with clinic_engine.connect() as connection:
        sha, version = connection.execute(
            text(
                "SELECT sha256, analyzer_version FROM video_uploads "
                "ORDER BY uploaded_at DESC, id LIMIT 1"
            )
        ).one()
    analysis = VideoAnalysis(
        VideoStore(ClinicStore(clinic_engine)),
        VideoFiles(clinic_server.data_dir).ensure(),
        analyze_uploaded_video,
        FakeClock(T0),
    )
    worker = threading.Thread(
        target=analysis.run, args=(AnalysisJob(sha, version), Attempt(1, False)), daemon=True
    )
    worker.start()
    # The page polls: "Analysing… n%" while the job runs (model start-up and the analysis
    # take several seconds, the poll comes every 2 s), then it reloads itself with the result.
    page.wait_for_selector("[data-video-progress]:has-text('Analysing')", timeout=60_000)
    page.screenshot(path=clinic_artifacts / f"video-analysing-{size}.png", full_page=True)
    page.wait_for_selector("text=in good form", timeout=120_000)
    worker.join(30)
    assert page.locator("video.video-annotated").count() == 1
    assert page.locator(".seconds li").count() >= 6  # one per second of the clip
    page.screenshot(path=clinic_artifacts / f"video-result-{size}.png", full_page=True)
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
