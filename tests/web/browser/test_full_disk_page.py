"""The session page when the disk fills mid-session (real Chromium, a real file-size limit on
the server process): the person reads what was kept, at desktop and phone size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.full_disk import hipflex_on_full_disk, holds_kept, migrated
from tests.web.browser.conftest import watch_errors

from hipflex.storage.db import open_database

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_page_says_what_was_kept_when_the_disk_fills(
    browser: Any, tmp_path: Path, artifacts: Path, width: int, height: int
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    migrated(data_dir)
    server = hipflex_on_full_disk(
        "serve", "--port", "0", "--no-browser", "--speed", "200", "--data-dir", str(data_dir)
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "hipflex is running at" in line, line
        url = line.split("running at ")[1].split()[0].rstrip("/")
        page = browser.new_page(viewport={"width": width, "height": height})
        errors = watch_errors(page)
        page.goto(url + "/session")
        page.click("#start-button")
        page.wait_for_selector("#ended:not([hidden])", timeout=60_000)
        page.screenshot(path=artifacts / f"session-disk-full-{width}.png", full_page=True)
        message = page.locator("#ended-message").inner_text()
        assert message.startswith("Could not write to the history"), message
        assert "Not saved: the hold that had just ended" in message, message
        assert page.locator("#ended-message").is_visible()
        assert "Free some disk space" in message, message
        assert page.locator("#player").is_hidden()
        # The file path in the message wraps: nothing runs off a phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert errors == []
        page.close()
    finally:
        server.kill()
        server.communicate(timeout=30)
    with open_database(data_dir) as database:
        [session] = database.repository.recent_sessions(5)
    assert len(session.holds) == holds_kept(message)
