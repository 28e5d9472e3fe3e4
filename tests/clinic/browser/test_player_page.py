"""The patient's session player on the clinic's origin, in Debian's Chromium with a fake camera
playing a real photo: the pose runs in the page (no frame ever sent), the session and its pain
ratings land in the clinic's database, and the clinician's dashboard shows the alert. Without
the model files the player says so and counts on the timer (it never falls back to sending
frames, as the home app may)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from tests.clinic.browser.conftest import ClinicServer
from tests.clinic.conftest import PASSWORD, PUBLIC_URL, ClinicWorld, Person, build_world
from tests.web.browser.conftest import watch_errors
from tests.web.browser.test_session_pose import (
    camera_browser,
    count_binary_frames,
    inside_viewport,
)

from hipflex.clinic.app import create_clinic_app
from hipflex.clinic.routes import player as player_routes
from hipflex.storage.clinic.store import ClinicStore

pytestmark = [pytest.mark.browser, pytest.mark.media]

CLINIC_DEMO_SPEED = 15.0  # read by the clinic_server fixture
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def setup_app(clinic_engine: Engine) -> FastAPI:
    """The same database in-process, to make the accounts and prescriptions quickly."""
    return create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL)


@pytest.fixture
def camera_chromium(playwright_instance: Any, fake_camera: Path) -> Iterator[Any]:
    with camera_browser(playwright_instance, fake_camera) as browser:
        yield browser


PRESCRIPTION = {
    "protocol_name": "kneeling-hip-flexor",
    "hold_s": 30,
    "reps": 2,
    "sides": ["right"],
    "start_date": "2026-01-01",
}


def prescribe(world: ClinicWorld, **dose: Any) -> None:
    body = {**PRESCRIPTION, **dose}
    response = world.clinician.post_json(f"/api/v1/patients/{world.patient.id}/prescriptions", body)
    assert response.status_code == 201, response.text


def log_in(page: Any, base: str, person: Person) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", person.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/me")


def my_sessions(world: ClinicWorld) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = world.patient.client.get("/api/v1/me/sessions").json()
    return sessions


def my_sessions_of(clinician: Person, patient_id: str) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = clinician.client.get(
        f"/api/v1/patients/{patient_id}/sessions"
    ).json()
    return sessions


def test_a_desktop_session_with_the_pose_in_the_page(
    camera_chromium: Any,
    clinic_server: ClinicServer,
    setup_app: FastAPI,
    clinic_artifacts: Path,
) -> None:
    world = build_world(setup_app, "desk")
    prescribe(world)
    context = camera_chromium.new_context(permissions=["camera"], viewport=DESKTOP)
    page = context.new_page()
    errors = watch_errors(page)
    sent = count_binary_frames(page)
    log_in(page, clinic_server.url, world.patient)
    page.click('a:has-text("Start today\'s session")')
    page.wait_for_url("**/me/session")
    assert "2 × 30 s on each side" in page.inner_text(".setup-dose")
    assert "15× faster" in page.inner_text(".demo-note")
    page.screenshot(path=clinic_artifacts / "player-setup-1280.png", full_page=True)
    page.click("label.pain-option:has(input[name=pain_before][value='4'])")
    page.check("#camera-toggle")
    page.click("#start-button")
    page.wait_for_selector("#camera-box:not([hidden])", timeout=90_000)
    assert page.get_attribute("#session-app", "data-pose-path") == "browser"
    assert "frames never leave" in page.inner_text("#pose-path")
    page.wait_for_selector("#session-app[data-form-ok='yes']", timeout=60_000)
    page.screenshot(path=clinic_artifacts / "player-hold-1280.png")
    page.wait_for_selector("#after:not([hidden])", timeout=120_000)
    assert "2 of 2 holds" in page.inner_text("#summary")
    page.click("label.pain-option:has(input[name=pain_after][value='8'])")
    page.fill("#note", "pinched at the end")
    page.click("#save-button")
    page.wait_for_selector("#saved-message:has-text('Saved')", timeout=15_000)
    page.screenshot(path=clinic_artifacts / "player-after-1280.png", full_page=True)
    assert sent["binary"] == 0, "camera frames left the page"
    assert sent["text"] > 10  # landmark messages and commands
    assert errors == []
    context.close()

    [stored] = my_sessions(world)
    assert stored["status"] == "completed" and stored["source"] == "camera"
    assert (stored["pain_before"], stored["pain_after"]) == (4, 8)
    assert stored["note"] == "pinched at the end"
    assert len(stored["holds"]) == 2
    assert all(h["source"] == "camera" for h in stored["holds"])
    assert stored["holds"][0]["hip_extension_max_deg"] is not None
    dashboard = world.clinician.client.get("/dashboard").text
    assert "pain 8/10 after a session" in dashboard


def test_on_a_phone_without_the_model_the_player_counts_on_the_timer(
    camera_chromium: Any,
    clinic_server: ClinicServer,
    setup_app: FastAPI,
    clinic_artifacts: Path,
) -> None:
    world = build_world(setup_app, "phone")
    prescribe(world, hold_s=20, reps=2, sides=["right", "left"])
    context = camera_chromium.new_context(
        permissions=["camera"], viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.route("**/static/vendor/mediapipe-pose/**", lambda route: route.fulfill(status=404))
    page = context.new_page()
    sent = count_binary_frames(page)
    log_in(page, clinic_server.url, world.patient)
    page.click('a:has-text("Start today\'s session")')
    page.screenshot(path=clinic_artifacts / "player-setup-390.png", full_page=True)
    page.click("label.pain-option:has(input[name=pain_before][value='2'])")
    page.check("#camera-toggle")
    page.click("#start-button")
    page.wait_for_selector("#player:not([hidden])", timeout=60_000)
    assert page.get_attribute("#session-app", "data-pose-path") == "none"
    assert "Timer mode: no form check on this device" in page.inner_text("#notice")
    assert page.locator("#camera-box").is_hidden()
    page.wait_for_selector("#session-app[data-phase='hold']", timeout=30_000)
    page.screenshot(path=clinic_artifacts / "player-hold-390.png")
    for selector in ("#countdown", "#instruction", "#pause-button", "#skip-button", "#quit-button"):
        assert inside_viewport(page, selector), f"{selector} needs scrolling at 390x844"
    page.wait_for_selector("#after:not([hidden])", timeout=120_000)
    page.click("label.pain-option:has(input[name=pain_after][value='3'])")
    page.click("#save-button")
    page.wait_for_selector("#saved-message:has-text('Saved')", timeout=15_000)
    page.screenshot(path=clinic_artifacts / "player-after-390.png", full_page=True)
    assert sent["binary"] == 0, "the clinic was sent camera frames"
    page.click("a:has-text('Back to my plan')")
    assert "pain after 3" in page.inner_text(".sessions")
    context.close()
    [stored] = my_sessions(world)
    assert stored["status"] == "completed" and stored["source"] == "timer"
    assert (stored["pain_before"], stored["pain_after"]) == (2, 3)
    assert [h["side"] for h in stored["holds"]] == ["right", "right", "left", "left"]


@pytest.mark.parametrize("size", ["1280", "390"])
def test_an_ended_prescription_and_a_sign_out_mid_session_are_said_plainly(
    size: str,
    browser: Any,
    clinic_server: ClinicServer,
    setup_app: FastAPI,
    clinic_artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dates are far in the past whatever day this runs: the server's clock is real."""
    monkeypatch.setattr(player_routes, "LOGIN_CHECK_S", 0.5)  # the server runs in this process
    world = build_world(setup_app, f"ended{size}")
    prescribe(world, hold_s=300, reps=1)  # 20 s a hold at the demo speed: still running
    ended = {
        **PRESCRIPTION,
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
    }
    response = world.other_clinician.post_json(
        f"/api/v1/patients/{world.other_patient.id}/prescriptions", ended
    )
    assert response.status_code == 201, response.text
    viewport = DESKTOP if size == "1280" else PHONE
    phone = size == "390"

    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, clinic_server.url, world.other_patient)
    assert "Ended on Saturday 31 January 2026" in page.inner_text("#plan-state")
    assert page.locator("#start-session").count() == 0
    page.screenshot(path=clinic_artifacts / f"plan-ended-{size}.png", full_page=True)
    page.goto(f"{clinic_server.url}/me/session")
    assert "ended on Saturday 31 January 2026" in page.inner_text("main")
    assert page.locator("#start-button").count() == 0
    page.screenshot(path=clinic_artifacts / f"player-ended-{size}.png", full_page=True)
    assert errors == []
    context.close()

    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, clinic_server.url, world.patient)
    page.click('a:has-text("Start today\'s session")')
    page.click("#start-button")
    page.wait_for_selector("#session-app[data-phase='hold']", timeout=30_000)
    other_tab = context.new_page()
    other_tab.goto(f"{clinic_server.url}/me")
    other_tab.click("button:has-text('Log out')")
    other_tab.wait_for_url("**/login")
    page.wait_for_selector("#ended:not([hidden])", timeout=15_000)
    assert "You were signed out: the session was saved as partial" in page.inner_text(
        "#ended-message"
    )
    page.screenshot(path=clinic_artifacts / f"player-signed-out-{size}.png", full_page=True)
    assert errors == []
    context.close()
    [stored] = my_sessions_of(world.clinician, world.patient.id)
    assert stored["status"] == "partial"
