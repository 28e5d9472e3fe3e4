"""Fixtures every test folder may use. ``postgres_server`` starts lazily: only test sessions
that ask for it pay for a PostgreSQL cluster (see tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.pg import PostgresServer, start_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per test session, on 127.0.0.1, stopped at the end."""
    try:
        server = start_postgres()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    """Playwright driving Debian's Chromium (never its own browser download), shared by every
    test folder: a second sync Playwright cannot start while one is alive."""
    from tests.web.browser.conftest import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (run scripts/ensure-system-packages)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def fake_camera(tmp_path: Path) -> Path:
    """A y4m file for Chromium's fake camera: a shared photo of the stretch, held still
    (tests/web/browser and tests/clinic/browser both film with it)."""
    from tests.web.browser.conftest import MEDIA
    from tests.web.browser.test_camera_mode import PHOTO, write_y4m

    photo = MEDIA / "images" / PHOTO
    if not photo.exists():
        pytest.skip(f"shared media not found at {MEDIA} (needed for the fake camera)")
    return write_y4m(photo, tmp_path / "camera.y4m")
