"""A second tab takes the session over: the first tab says so, and asks nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser.conftest import RunningServer, watch_errors

from hipflex.domain.events import SessionStatus
from hipflex.storage.db import open_database

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 800, "desktop"), (390, 844, "phone")])
def test_the_first_tab_says_the_session_goes_on_elsewhere(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    width: int,
    height: int,
    name: str,
) -> None:
    server = start_server(speed=4)  # slow enough that nothing ends on its own
    context = browser.new_context(viewport={"width": width, "height": height})
    first, second = context.new_page(), context.new_page()
    first_errors, second_errors = watch_errors(first), watch_errors(second)
    first.goto(server.url + "/session")
    first.click("#start-button")
    first.wait_for_selector("#session-app[data-phase='hold']", timeout=15_000)

    second.goto(server.url + "/session")
    second.click("#start-button")
    second.wait_for_selector("#busy:not([hidden])")
    assert "already running" in second.locator("#busy-message").inner_text()
    second.screenshot(path=artifacts / f"take-over-offer-{name}.png", full_page=True)
    second.click("#take-over-button")
    second.wait_for_selector("#player:not([hidden])")

    first.wait_for_selector("#ended:not([hidden])", timeout=10_000)
    message = first.locator("#ended-message").inner_text()
    assert "goes on in another tab" in message and "saved" in message
    assert first.locator("#after").is_hidden()  # no "Session saved … partial"
    assert not first.locator("input[name=pain_after]").first.is_visible()  # no check-in
    assert first.locator("#player").is_hidden()
    assert first.locator("#ended a[href='/history']").is_visible()
    first.screenshot(path=artifacts / f"taken-over-{name}.png", full_page=True)

    # The session goes on in the second tab, which can finish it and check in.
    second.wait_for_selector("#session-app[data-phase='hold']", timeout=15_000)
    assert second.locator("#after").is_hidden()
    second.locator("body").focus()
    second.keyboard.press("q")
    second.wait_for_selector("#after:not([hidden])")
    assert "Saved as partial" in second.locator("#summary").inner_text()
    assert first_errors == [] and second_errors == []
    context.close()
    with open_database(server.data_dir) as db:
        records = db.repository.recent_sessions(5)
    assert len(records) == 2
    assert {r.status for r in records} == {SessionStatus.PARTIAL}
