"""The "Link the hipflex app" page in Debian's Chromium, desktop and phone: the patient logs
in, types the code their app shows, and the app's next poll gets its token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from tests.clinic.browser.conftest import ClinicServer
from tests.clinic.conftest import PASSWORD, PUBLIC_URL, build_world
from tests.web.browser.conftest import watch_errors

from hipflex.clinic.app import create_clinic_app
from hipflex.storage.clinic.store import ClinicStore

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def patient_email(clinic_engine: Engine) -> str:
    world = build_world(create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL), "brw")
    return world.patient.email


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_patient_confirms_the_apps_code(
    browser: Any,
    clinic_server: ClinicServer,
    patient_email: str,
    clinic_artifacts: Path,
    size: str,
) -> None:
    base = clinic_server.url
    grant = httpx.post(f"{base}/api/v1/device/codes", json={"name": f"hipflex on {size}"}).json()
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(grant["verification_uri"])
    assert "/login" in page.url  # the page needs the patient logged in
    page.fill("#email", patient_email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_load_state()
    assert page.url.endswith("/device"), page.url
    page.screenshot(path=clinic_artifacts / f"device-{size}.png", full_page=True)

    # A typo first: refused in the form, nothing linked.
    page.fill("#code", "BBBB-BBBB")
    page.click("button:has-text('Link this app')")
    page.wait_for_load_state()
    assert "no such code" in page.inner_text(".errors")
    poll = httpx.post(f"{base}/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert poll.status_code == 202

    page.fill("#code", grant["user_code"].lower())
    page.click("button:has-text('Link this app')")
    page.wait_for_load_state()
    notice = page.inner_text("[role=status]")
    assert f"hipflex on {size}" in notice and "Clinic brw" in notice
    page.screenshot(path=clinic_artifacts / f"device-linked-{size}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[size]["width"]  # nothing wider than the screen

    claimed = httpx.post(f"{base}/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert claimed.status_code == 200 and claimed.json()["token"]
    # Chromium logs the typo's 422 answer; anything else (a CSP violation, a script error) fails.
    assert [e for e in errors if "status of 422" not in e] == []
    context.close()
