"""A whole session in a real browser, timer mode, with the engine sped up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser.conftest import RunningServer, watch_errors

from hipflex.storage.db import open_database

pytestmark = pytest.mark.browser


def test_whole_session_then_check_in_then_history(
    browser: Any, start_server: Callable[..., RunningServer], artifacts: Path
) -> None:
    server = start_server(speed=60)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = watch_errors(page)
    page.goto(server.url + "/")
    page.screenshot(path=artifacts / "today-empty.png", full_page=True)
    page.click("#start-link")
    page.wait_for_selector("#setup-form")
    page.click("label.pain-option:has(input[name=pain_before][value='4'])")
    page.screenshot(path=artifacts / "session-setup.png", full_page=True)
    page.click("#start-button")
    page.wait_for_selector("#player:not([hidden])")
    page.wait_for_selector("#session-app[data-phase='hold']")
    page.screenshot(path=artifacts / "session-hold.png", full_page=True)
    assert page.locator("#countdown").inner_text().strip().isdigit()
    assert "right side" in page.locator("#phase-label").inner_text()
    page.wait_for_selector("#after:not([hidden])", timeout=30_000)
    assert "8 of 8 holds" in page.locator("#summary").inner_text()
    assert "complete" in page.locator("#summary").inner_text()
    page.click("label.pain-option:has(input[name=pain_after][value='2'])")
    page.fill("#note", "Left side <tighter> than right")
    page.screenshot(path=artifacts / "session-after.png", full_page=True)
    page.click("#save-button")
    page.wait_for_selector("#saved-message:has-text('Saved')")

    page.goto(server.url + "/history")
    item = page.locator(".session-item").first
    assert "completed" in item.inner_text()
    assert "8 of 8 holds" in item.inner_text()
    assert "Left side <tighter> than right" in item.locator(".note").inner_text()
    assert "Pain 4 → 2" in item.inner_text()
    # A sped-up server records its sessions as demos: listed and marked, never counted.
    assert "demo, not counted" in item.inner_text()
    page.screenshot(path=artifacts / "history.png", full_page=True)
    page.goto(server.url + "/")
    assert "Not yet" in page.locator(".fact").first.inner_text()
    page.screenshot(path=artifacts / "today-after-demo.png", full_page=True)
    for name in ("protocols", "settings"):
        page.goto(f"{server.url}/{name}")
        page.screenshot(path=artifacts / f"{name}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    for name in ("", "session", "history"):
        page.goto(f"{server.url}/{name}")
        page.screenshot(path=artifacts / f"phone-{name or 'today'}.png", full_page=True)
    assert errors == []
    page.close()


def test_keyboard_pause_resume_and_quit_saves_partial(
    browser: Any, start_server: Callable[..., RunningServer], artifacts: Path
) -> None:
    server = start_server(speed=8)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = watch_errors(page)
    page.goto(server.url + "/session")
    # Keyboard only: Tab to Start and press Enter.
    page.focus("#start-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#session-app[data-phase='hold']", timeout=15_000)
    page.locator("body").focus()
    page.keyboard.press("Space")
    page.wait_for_selector("#session-app[data-paused='yes']")
    assert page.locator("#paused-flag").is_visible()
    paused_at = page.locator("#countdown").inner_text()
    page.screenshot(path=artifacts / "session-paused.png", full_page=True)
    page.wait_for_timeout(1000)  # 8 s of session time would pass if the clock ran
    assert page.locator("#countdown").inner_text() == paused_at
    page.keyboard.press("Space")
    page.wait_for_selector("#session-app[data-paused='no']")
    # Let one hold complete, then quit with q.
    page.wait_for_selector(".reps-side[data-side='right'] .reps-done:has-text('1')", timeout=15_000)
    page.keyboard.press("q")
    page.wait_for_selector("#after:not([hidden])")
    assert "Saved as partial" in page.locator("#summary").inner_text()
    page.goto(server.url + "/history")
    assert "partial" in page.locator(".session-item").first.inner_text()
    with open_database(server.data_dir) as db:
        [record] = db.repository.recent_sessions(5)
    assert record.status.value == "partial"
    assert record.reps_done == 1
    assert errors == []
    page.close()


def test_a_browser_without_speech_synthesis_still_runs(
    browser: Any, start_server: Callable[..., RunningServer]
) -> None:
    server = start_server(speed=100)
    context = browser.new_context()
    context.add_init_script(
        "delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;"
        "delete Window.prototype.speechSynthesis;"
    )
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(server.url + "/session")
    assert page.evaluate("typeof window.speechSynthesis") == "undefined"
    assert page.locator("#voice-toggle").is_disabled()
    page.click("#start-button")
    page.wait_for_selector("#after:not([hidden])", timeout=30_000)
    assert "8 of 8 holds" in page.locator("#summary").inner_text()
    assert errors == []
    context.close()


def test_camera_refused_falls_back_to_timer_mode(
    playwright_instance: Any, start_server: Callable[..., RunningServer], artifacts: Path
) -> None:
    from tests.web.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    server = start_server(speed=100)
    # A camera exists, but the person says no (no permission granted, no auto-accept).
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--deny-permission-prompts"],
    )
    try:
        page = browser.new_page()
        errors = watch_errors(page)
        page.goto(server.url + "/session")
        page.check("#camera-toggle")
        page.click("#start-button")
        page.wait_for_selector("#player:not([hidden])", timeout=15_000)
        notice = page.locator("#notice").inner_text()
        assert "Camera not available" in notice and "timer mode" in notice
        assert page.locator("#camera-box").is_hidden()
        page.screenshot(path=artifacts / "camera-refused.png", full_page=True)
        page.wait_for_selector("#after:not([hidden])", timeout=30_000)
        assert "8 of 8 holds" in page.locator("#summary").inner_text()
        assert errors == []
    finally:
        browser.close()
    with open_database(server.data_dir) as db:
        [record] = db.repository.recent_sessions(5)
    assert record.source.value == "timer"
