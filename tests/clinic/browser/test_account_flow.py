"""The clinic's account flows in Debian's Chromium, every form submitted by the browser itself
(so its cookies, SameSite rules and the CSRF tokens are the real ones):

admin redeems the init invite → invites a clinician → clinician redeems, invites a patient
and prescribes → patient logs in on a phone-sized screen, checks in, does a sped-up session
in the clinic's session player (the pose in the page, with Chromium's fake camera playing a
real photo: no frame is sent) with pain before and after, and adds a device on the Account
page → the home app (this test, over HTTP with that device token) sends yesterday's session →
the clinician sees the patient, with the alert the player's session triggers, on the
dashboard, and downloads the PDF report and the FHIR export.
"""

from __future__ import annotations

import io
import json
import re
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.clinic.browser.conftest import ClinicServer
from tests.clinic.conftest import session_body
from tests.web.browser.conftest import MEDIA, watch_errors
from tests.web.browser.test_camera_mode import PHOTO, write_y4m
from tests.web.browser.test_session_pose import camera_browser, count_binary_frames

from hipflex.services.clinic.invites import Invites
from hipflex.storage.clinic.store import ClinicStore

pytestmark = pytest.mark.browser

CLINIC_DEMO_SPEED = 15.0  # the patient's session runs 15x faster (read by clinic_server)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "a phrase only I would type"


def home_app_post(url: str, token: str, body: Any) -> tuple[int, Any]:
    """What the home app does: a JSON POST with its device token (no browser, no cookie)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def pdf_text(content: bytes) -> bytes:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages).encode()


def redeem(page: Any, link: str, name: str, email: str) -> None:
    page.goto(link)
    page.fill("#display_name", name)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Create my account')")
    page.wait_for_load_state()


def new_invite(page: Any, name: str, shot: Path) -> str:
    page.fill("#display_name", name)
    page.click("button:has-text('Create invite')")
    page.wait_for_selector("svg.qr")
    page.screenshot(path=shot, full_page=True)
    link = page.input_value("#invite-link")
    assert "/invite/" in link
    return str(link)


@pytest.fixture
def phone_browser(playwright_instance: Any, tmp_path: Path) -> Iterator[Any]:
    """The patient's Chromium: its fake camera plays a real photo of the stretch."""
    photo = MEDIA / "images" / PHOTO
    if not photo.exists():
        pytest.skip(f"shared media not found at {MEDIA} (the patient's fake camera plays it)")
    with camera_browser(playwright_instance, write_y4m(photo, tmp_path / "cam.y4m")) as browser:
        yield browser


def test_admin_clinician_patient_flow(
    browser: Any,
    phone_browser: Any,
    clinic_server: ClinicServer,
    clinic_engine: Engine,
    clinic_artifacts: Path,
) -> None:
    _, invite = Invites(ClinicStore(clinic_engine)).create_clinic(
        "Browser Physio", "UTC", datetime.now(UTC)
    )
    base = clinic_server.url

    # The admin redeems the one-time link `hipflex clinic init` printed.
    admin_context = browser.new_context(viewport=DESKTOP)
    admin = admin_context.new_page()
    admin_errors = watch_errors(admin)
    admin.goto(f"{base}/invite/{invite.token}")
    admin.screenshot(path=clinic_artifacts / "invite-admin.png", full_page=True)
    redeem(admin, f"{base}/invite/{invite.token}", "Ada Admin", "ada@physio.test")
    assert admin.url.endswith("/admin"), admin.content()[:500]
    cookie = next(c for c in admin_context.cookies() if c["name"] == "__Host-hipflex-session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    clinician_link = new_invite(admin, "Dr Chen", clinic_artifacts / "invite-clinician.png")
    admin.goto(f"{base}/admin")
    admin.screenshot(path=clinic_artifacts / "admin.png", full_page=True)

    # The link cannot be used twice.
    clinician_context = browser.new_context(viewport=DESKTOP)
    clinician = clinician_context.new_page()
    clinician_errors = watch_errors(clinician)
    redeem(clinician, clinician_link, "Dr Chen", "chen@physio.test")
    assert clinician.url.endswith("/dashboard")
    reuse = browser.new_page()
    reuse.goto(clinician_link)
    assert "cannot be used" in reuse.inner_text("h1")
    reuse.close()

    patient_link = new_invite(clinician, "Pat Patient", clinic_artifacts / "invite-patient.png")

    patient_context = phone_browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, permissions=["camera"]
    )
    patient = patient_context.new_page()
    patient_errors = watch_errors(patient)
    redeem(patient, patient_link, "Pat Patient", "pat@physio.test")
    assert patient.url.endswith("/me")
    assert "No plan yet" in patient.inner_text("#plan-title")

    # The clinician prescribes: first a typo (0 reps) the server refuses, then the real dose.
    clinician.goto(f"{base}/dashboard")
    clinician.click("a:has-text('Pat Patient')")
    clinician.fill("#reps", "0")
    clinician.evaluate("document.querySelector('#reps').removeAttribute('min')")
    clinician.click("button:has-text('Save as a new version')")
    assert "reps: must be between 1 and 20 (got 0)" in clinician.inner_text(".errors")
    clinician.fill("#reps", "2")
    clinician.fill("#hold_s", "30")
    clinician.fill("#note", "Keep the pelvis tucked; stop if it pinches.")
    clinician.click("button:has-text('Save as a new version')")
    assert "Prescription saved as version 1" in clinician.inner_text(".notice")
    clinician.screenshot(path=clinic_artifacts / "patient-page.png", full_page=True)

    # The patient, on the phone, sees the plan, checks in and does today's session.
    patient.reload()
    assert "30 seconds × 2" in patient.inner_text(".dose")
    patient.click("label.pain-option:has(input[value='3'])")
    patient.click("button:has-text('Save check-in')")
    patient.wait_for_selector("text=today's check-in is saved")
    patient.screenshot(path=clinic_artifacts / "phone-checkin.png", full_page=True)

    sent = count_binary_frames(patient)
    patient.click('a:has-text("Start today\'s session")')
    patient.click("label.pain-option:has(input[name=pain_before][value='4'])")
    patient.check("#camera-toggle")
    patient.click("#start-button")
    patient.wait_for_selector("#camera-box:not([hidden])", timeout=90_000)
    assert patient.get_attribute("#session-app", "data-pose-path") == "browser"
    patient.wait_for_selector("#session-app[data-phase='hold']", timeout=60_000)
    patient.wait_for_selector("#session-app[data-form-ok='yes']", timeout=60_000)
    patient.screenshot(path=clinic_artifacts / "phone-player-hold.png")
    patient.wait_for_selector("#after:not([hidden])", timeout=180_000)
    patient.click("label.pain-option:has(input[name=pain_after][value='8'])")
    patient.click("#save-button")
    patient.wait_for_selector("#saved-message:has-text('Saved')", timeout=15_000)
    patient.screenshot(path=clinic_artifacts / "phone-player-after.png", full_page=True)
    assert sent["binary"] == 0, "camera frames reached the clinic"
    assert sent["text"] > 10
    patient.click("a:has-text('Back to my plan')")
    assert "pain after 8" in patient.inner_text(".sessions")  # the session, on the phone

    # The patient adds the home app as a device (Account page), then the home app sends a
    # session with that token, as `hipflex clinic link` makes it do.
    patient.click("a:has-text('Account')")
    patient.fill("#device-name", "my laptop")
    patient.click("button:has-text('Add a device')")
    device_token = patient.input_value("input[aria-label='device token']")
    patient.screenshot(path=clinic_artifacts / "phone-device.png", full_page=True)
    started = datetime.now(UTC) - timedelta(days=1)
    body = session_body(str(uuid.uuid4()), started, pain_before=4, pain_after=5)
    status, _ = home_app_post(f"{base}/api/v1/sessions", device_token, body)
    assert status == 201
    patient.goto(f"{base}/me")
    assert "pain after 5" in patient.inner_text(".sessions")  # the home app's, next to it

    forged = patient.evaluate(
        """async () => (await fetch('/api/v1/checkins', {method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({day: '2026-01-01', value: 1})})).status"""
    )
    assert forged == 403  # the cookie alone is not enough: no CSRF token, no change
    patient.reload()
    patient.screenshot(path=clinic_artifacts / "phone-me.png", full_page=True)

    # Logging out and back in, on the phone.
    patient.click("button:has-text('Log out')")
    assert "/login" in patient.url
    patient.fill("#email", "pat@physio.test")
    patient.fill("#password", PASSWORD)
    patient.click("button:has-text('Log in')")
    patient.wait_for_url("**/me")
    patient.goto(f"{base}/account")
    patient.screenshot(path=clinic_artifacts / "phone-account.png", full_page=True)

    # A form whose CSRF token was tampered with is refused by the server.
    patient.goto(f"{base}/me")
    patient.evaluate(
        "document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'forged')"
    )
    patient.click("label.pain-option:has(input[value='9'])")
    patient.click("button:has-text('Save check-in')")
    assert "CSRF" in patient.inner_text("main")

    # The clinician sees the patient on the dashboard, with the pain alert.
    clinician.goto(f"{base}/dashboard")
    row = clinician.locator("tr.patient-row", has_text="Pat Patient")
    assert "pain 8/10 after a session" in row.inner_text()
    # Hip extension per side, measured in the patient's browser today (the home app's
    # session of yesterday said 18° / 9°: the latest figures are the player's).
    hip = re.search(r"(\d+)° / (\d+)°", row.inner_text())
    assert hip is not None and hip.groups() != ("18", "9")
    clinician.screenshot(path=clinic_artifacts / "dashboard.png", full_page=True)
    clinician.set_viewport_size(PHONE)
    clinician.screenshot(path=clinic_artifacts / "phone-dashboard.png", full_page=True)
    clinician.click("a:has-text('Pat Patient')")
    clinician.screenshot(path=clinic_artifacts / "phone-patient-page.png", full_page=True)
    with clinician.expect_download() as pdf_download:
        clinician.click("a:has-text('PDF report')")
    pdf = pdf_download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and b"Pat Patient" in pdf_text(pdf)
    with clinician.expect_download() as fhir_download:
        clinician.click("a:has-text('FHIR export')")
    bundle = json.loads(fhir_download.value.path().read_text())
    assert bundle["resourceType"] == "Bundle"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Procedure") == 2 and "CarePlan" in kinds
    admin.goto(f"{base}/admin/audit")
    assert "patient page" in admin.inner_text("table")
    admin.screenshot(path=clinic_artifacts / "audit.png", full_page=True)

    for errors in (admin_errors, clinician_errors, patient_errors):
        # The refused requests above log a console error for their 403/422 status; nothing else.
        assert [e for e in errors if "status of 4" not in e] == []
    for context in (admin_context, clinician_context, patient_context):
        context.close()
