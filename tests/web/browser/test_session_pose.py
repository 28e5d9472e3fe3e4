"""A camera session with the pose in the page (Chromium's fake camera plays a real photo), its
fall-back to sending frames, and the running session on a phone (layout, wake lock, touch)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RunningServer,
    watch_errors,
)

from hipflex.storage.db import open_database

pytestmark = [pytest.mark.browser, pytest.mark.media]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# A stand-in for the Screen Wake Lock API that records what the page asks for, and a page
# visibility the test can switch (headless Chromium has neither a screen to keep on nor tabs
# to hide).
FAKE_WAKE_LOCK = """
window.__wake = { requests: 0, releases: 0, held: false };
window.__visibility = "visible";
Object.defineProperty(document, "visibilityState", { get: () => window.__visibility });
Object.defineProperty(navigator, "wakeLock", { value: { request: async (kind) => {
  if (kind !== "screen") throw new Error("wrong kind");
  window.__wake.requests += 1; window.__wake.held = true;
  const sentinel = new EventTarget();
  sentinel.release = async () => {
    if (!window.__wake.held) return;
    window.__wake.held = false; window.__wake.releases += 1;
    sentinel.dispatchEvent(new Event("release"));
  };
  return sentinel;
} } });
"""


class NoServerModel:
    """On the in-browser path the server must never load its own pose model."""

    def __init__(self) -> None:
        raise AssertionError("the server-side pose model was loaded on the in-browser path")


@contextmanager
def camera_browser(playwright: Any, video: Path) -> Iterator[Any]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        yield browser
    finally:
        browser.close()


def count_binary_frames(page: Any) -> dict[str, int]:
    """Binary WebSocket messages (camera frames) and text messages the page sends."""
    sent = {"binary": 0, "text": 0}

    def on_socket(socket: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            sent["binary" if isinstance(payload, bytes) else "text"] += 1

        socket.on("framesent", on_frame)

    page.on("websocket", on_socket)
    return sent


def start_camera_session(page: Any, url: str) -> None:
    page.goto(url + "/session")
    page.check("#camera-toggle")
    page.click("#start-button")
    page.wait_for_selector("#camera-box:not([hidden])", timeout=90_000)


def test_the_in_browser_path_counts_a_30_s_hold_and_sends_no_frames(
    playwright_instance: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    fake_camera: Path,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    # 6x: the 30 s hold takes 5 s; the form gate still needs real seconds of good poses.
    server = start_server(speed=6, data_dir=data_dir, estimator_factory=NoServerModel)
    with camera_browser(playwright_instance, fake_camera) as browser:
        context = browser.new_context(permissions=["camera"], viewport=DESKTOP)
        page = context.new_page()
        errors = watch_errors(page)
        sent = count_binary_frames(page)
        start_camera_session(page, server.url)
        assert page.get_attribute("#session-app", "data-pose-path") == "browser"
        assert "frames never leave" in page.locator("#pose-path").inner_text()
        page.wait_for_selector("#form-state[data-status='good']", timeout=60_000)
        page.wait_for_selector("#session-app[data-phase='hold']", timeout=30_000)
        page.wait_for_selector("#session-app[data-form-ok='yes']", timeout=30_000)
        page.screenshot(path=artifacts / "session-browser-pose-1280.png")
        page.wait_for_selector(
            ".reps-side[data-side='right'] .reps-done:has-text('1')", timeout=60_000
        )
        stats = page.evaluate("window.hipflexBrowserPoseStats")
        loop = page.evaluate("window.hipflexPoseStats()")
        assert stats["sent"] > 10 and stats["verdicts"] > 10, stats
        assert stats["refused"] == 0
        assert loop["frames"] >= stats["sent"]
        page.keyboard.press("q")
        page.wait_for_selector("#after:not([hidden])", timeout=15_000)
        assert sent["binary"] == 0, "camera frames left the page"
        assert sent["text"] > 10
        assert errors == []
        context.close()
    with open_database(data_dir) as db:
        [record] = db.repository.recent_sessions(5)
    assert record.source.value == "camera"
    hold = record.holds[0]
    assert hold.counted_s == pytest.approx(30.0)
    assert hold.source.value == "camera"
    assert hold.hip_extension_max_deg is not None and hold.hip_extension_max_deg > 10


def test_without_the_pose_files_the_session_sends_frames_and_says_why(
    playwright_instance: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    fake_camera: Path,
) -> None:
    server = start_server(speed=6)
    with camera_browser(playwright_instance, fake_camera) as browser:
        context = browser.new_context(permissions=["camera"], viewport=DESKTOP)
        context.route("**/static/vendor/mediapipe-pose/**", lambda route: route.fulfill(status=404))
        page = context.new_page()
        sent = count_binary_frames(page)
        start_camera_session(page, server.url)
        assert page.get_attribute("#session-app", "data-pose-path") == "server"
        path_text = page.locator("#pose-path").inner_text()
        assert "not installed with hipflex" in path_text
        assert "frames are sent to it and never stored" in path_text
        # Polled: wait_for_function needs 'unsafe-eval', which the CSP does not give.
        for _ in range(300):
            if page.evaluate("window.hipflexCameraStats.drawn") >= 3:
                break
            page.wait_for_timeout(100)
        assert page.evaluate("window.hipflexCameraStats.drawn") >= 3
        assert sent["binary"] >= 3
        page.screenshot(path=artifacts / "session-server-pose-fallback-1280.png")
        page.keyboard.press("q")
        page.wait_for_selector("#after:not([hidden])", timeout=15_000)
        context.close()


def inside_viewport(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return (
        box is not None
        and box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= PHONE["height"]
        and box["x"] + box["width"] <= PHONE["width"]
    )


@pytest.mark.parametrize("camera", [True, False], ids=["camera", "timer"])
def test_the_running_session_fits_a_phone_and_keeps_the_screen_on(
    playwright_instance: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    fake_camera: Path,
    camera: bool,
) -> None:
    server = start_server(speed=4)  # set-up in a few seconds; a 30 s hold still lasts 7.5 s
    with camera_browser(playwright_instance, fake_camera) as browser:
        context = browser.new_context(
            permissions=["camera"], viewport=PHONE, is_mobile=True, has_touch=True
        )
        context.add_init_script(FAKE_WAKE_LOCK)
        page = context.new_page()
        errors = watch_errors(page)
        if camera:
            start_camera_session(page, server.url)
            page.wait_for_selector("#form-state[data-status='good']", timeout=60_000)
        else:
            page.goto(server.url + "/session")
            page.click("#start-button")
            page.wait_for_selector("#player:not([hidden])", timeout=15_000)
        # The hold's instruction is the longest text the player shows.
        page.wait_for_selector("#session-app[data-phase='hold']", timeout=30_000)
        assert page.evaluate("window.scrollY") == 0
        for selector in (
            "#countdown",
            "#instruction",
            "#pause-button",
            "#skip-button",
            "#quit-button",
        ):
            assert inside_viewport(page, selector), f"{selector} needs scrolling at 390x844"
        for selector in ("#pause-button", "#skip-button", "#quit-button"):
            assert page.locator(f"{selector} kbd").is_hidden(), "a keyboard hint on a touch screen"
        if camera:
            view = page.locator(".camera-view").bounding_box()
            status = page.locator("#form-state").bounding_box()
            assert view is not None and status is not None
            # The status sits below the picture: it covers none of the kneeling legs.
            assert status["y"] >= view["y"] + view["height"] - 1
            assert "frames never leave" in page.locator("#pose-path").inner_text()
        name = "camera" if camera else "timer"
        page.screenshot(path=artifacts / f"session-running-{name}-390.png")
        assert page.get_attribute("#session-app", "data-wake-lock") == "on"
        # Hidden: the lock is let go; visible again: asked for again.
        page.evaluate(
            "window.__visibility = 'hidden'; document.dispatchEvent(new Event('visibilitychange'))"
        )
        page.wait_for_selector("#session-app[data-wake-lock='off']", timeout=5_000)
        page.evaluate(
            "window.__visibility = 'visible'; document.dispatchEvent(new Event('visibilitychange'))"
        )
        page.wait_for_selector("#session-app[data-wake-lock='on']", timeout=5_000)
        page.click("#quit-button")
        page.wait_for_selector("#after:not([hidden])", timeout=15_000)
        page.wait_for_selector("#session-app[data-wake-lock='off']", timeout=5_000)
        wake = page.evaluate("window.__wake")
        assert wake == {"requests": 2, "releases": 2, "held": False}
        assert errors == []
        context.close()
