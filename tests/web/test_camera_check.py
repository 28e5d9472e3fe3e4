"""The Camera check page in-process: it says which pose path this install can offer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hipflex.web.pose_assets import PoseAssets
from hipflex.web.routes import camera_check


def test_with_the_model_files_the_page_loads_the_browser_model(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(camera_check, "installed", lambda: PoseAssets("0.5.1", {"pose.js": 1}))
    page = client.get("/camera-check")
    assert page.status_code == 200
    assert '<script type="module" src="/static/js/pose/camera_check.js">' in page.text
    assert "Checking this browser" in page.text


def test_without_the_model_files_the_page_says_frames_go_to_hipflex(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wheel built without npm: no vendored files, the server path is used.
    monkeypatch.setattr(camera_check, "installed", lambda: None)
    page = client.get("/camera-check")
    assert page.status_code == 200
    assert "pose model files are not installed" in page.text
    assert "never stored" in page.text
    assert client.get("/static/vendor/mediapipe-pose/nothing.js").status_code == 404
