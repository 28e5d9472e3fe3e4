"""The clinic's event loop never waits for a password hash or the database: while one person's
login is still checking the password (held here until the test lets it go), the server goes on
answering everybody else (and every patient's live session, which runs on the same loop).

Before the form routes ran their work on a thread, the held login froze the whole server: the
health check below timed out."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from tests.clinic.browser.conftest import ClinicServer
from tests.clinic.conftest import PASSWORD, PUBLIC_URL, build_world
from tests.web.browser.conftest import watch_errors

from hipflex.clinic.app import create_clinic_app
from hipflex.services.clinic import accounts
from hipflex.storage.clinic.store import ClinicStore

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def setup_app(clinic_engine: Engine) -> FastAPI:
    return create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL)


def test_a_login_checking_its_password_does_not_stop_the_server(
    browser: Any,
    clinic_server: ClinicServer,
    setup_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(setup_app, "loop")
    checking, release = threading.Event(), threading.Event()
    real_verify: Callable[[str, str], bool] = accounts.verify_password

    def held_verify(password: str, password_hash: str) -> bool:
        checking.set()
        release.wait(20)  # a very slow hash: the test lets it finish
        return real_verify(password, password_hash)

    monkeypatch.setattr(accounts, "verify_password", held_verify)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{clinic_server.url}/login")
    page.fill("#email", world.patient.email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')", no_wait_after=True)
    try:
        assert checking.wait(15), "the login never reached the password check"
        # The login is stuck in its password check; everybody else is still served.
        health = httpx.get(f"{clinic_server.url}/api/v1/health", timeout=5)
        assert health.status_code == 200
        login_page = httpx.get(f"{clinic_server.url}/login", timeout=5)
        assert login_page.status_code == 200 and "Log in" in login_page.text
    finally:
        release.set()
    page.wait_for_url("**/me", timeout=15_000)  # and the held login still gets in
    assert errors == []
    context.close()
