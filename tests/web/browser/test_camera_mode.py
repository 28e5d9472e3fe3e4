"""Camera mode on the server path in a real browser: Chromium's fake camera plays a y4m built
from a photo, the page sends JPEG frames."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from tests.web.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MEDIA,
    RunningServer,
    watch_errors,
)

from hipflex.storage.db import open_database

pytestmark = [pytest.mark.browser, pytest.mark.media]

# A side view of the half-kneeling hip flexor stretch that the shipped protocol's form table
# classifies as good. (pos_fedb_kneeling_hip_flexor_1.jpg measures a 36° front knee, more bent
# than the protocol allows, so it never reaches "good".)
PHOTO = "pos_steve_hip_flexor_stretch.jpg"
Y4M_HEADER = b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n"


def letterbox(image: np.ndarray, width: int = 640, height: int = 480) -> np.ndarray:  # type: ignore[type-arg]
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top = (height - resized.shape[0]) // 2
    left = (width - resized.shape[1]) // 2
    canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    return canvas


def write_y4m(photo: Path, out: Path, frames: int = 15) -> Path:
    """A short y4m of the photo (Chromium loops it), with a little noise so frames differ."""
    image = letterbox(cv2.imread(str(photo)))
    rng = np.random.default_rng(7)
    with out.open("wb") as handle:
        handle.write(Y4M_HEADER)
        for _ in range(frames):
            noise = rng.integers(-3, 4, image.shape, dtype=np.int16)
            frame = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            handle.write(b"FRAME\n")
            handle.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return out


def test_camera_mode_reaches_good_form_and_counts_hold_seconds(
    playwright_instance: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
) -> None:
    photo = MEDIA / "images" / PHOTO
    if not photo.exists():
        pytest.skip(f"shared media not found at {MEDIA} (needed for the fake camera)")
    video = write_y4m(photo, tmp_path / "camera.y4m")
    data_dir = tmp_path / "data"
    server = start_server(speed=6, data_dir=data_dir)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            permissions=["camera"], viewport={"width": 1280, "height": 1000}
        )
        page = context.new_page()
        errors = watch_errors(page)
        # The server path (JPEG frames); the in-browser path is test_session_pose.py's.
        page.goto(server.url + "/session?pose=server")
        page.check("#camera-toggle")
        page.click("#start-button")
        page.wait_for_selector("#camera-box:not([hidden])", timeout=15_000)
        page.wait_for_selector("#form-state[data-status='good']", timeout=30_000)
        assert "Good form" in page.locator("#form-status").inner_text()
        assert page.locator("#hip-angle").inner_text().endswith("°")
        page.wait_for_selector("#session-app[data-phase='hold']", timeout=15_000)
        page.wait_for_selector("#session-app[data-form-ok='yes']", timeout=15_000)
        page.screenshot(path=artifacts / "camera-good.png", full_page=True)
        # 30 s of good form at 6x: the first hold completes on camera-counted time.
        page.wait_for_selector(
            ".reps-side[data-side='right'] .reps-done:has-text('1')", timeout=30_000
        )
        stats = page.evaluate("window.hipflexCameraStats")
        assert stats["drawn"] > 10
        page.keyboard.press("q")
        page.wait_for_selector("#after:not([hidden])", timeout=15_000)
        assert errors == []
        context.close()
    finally:
        browser.close()
    with open_database(data_dir) as db:
        [record] = db.repository.recent_sessions(5)
    assert record.source.value == "camera"
    hold = record.holds[0]
    assert hold.counted_s == pytest.approx(30.0)
    assert hold.hip_extension_max_deg is not None and hold.hip_extension_max_deg > 10
