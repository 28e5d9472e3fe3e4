"""The in-browser pose path over the live socket: landmark messages in, the server's verdict out."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import (
    BASE,
    ORIGIN,
    WS_URL,
    advance_until,
    is_event,
    is_type,
    receive_until,
    send,
)
from tests.web.test_live import jpeg_frame, sessions

from hipflex.domain.clock import FakeClock
from hipflex.vision.pose import Pose
from hipflex.vision.synthetic import kneeling_pose
from hipflex.web import create_app

WIDTH_PX, HEIGHT_PX = 640, 480


def landmark_message(pose: Pose | None, timestamp_ms: float, **extra: Any) -> dict[str, Any]:
    """What the page sends for ``pose``: landmarks normalised to the frame, metric ones too."""
    landmarks = None
    if pose is not None:
        landmarks = [
            [float(x) / WIDTH_PX, float(y) / HEIGHT_PX, float(z) / WIDTH_PX, float(v)]
            for (x, y), z, v in zip(pose.image_xy_px, pose.depth_z_px, pose.visibility, strict=True)
        ]
    return {
        "type": "landmarks",
        "timestamp_ms": timestamp_ms,
        "width_px": WIDTH_PX,
        "height_px": HEIGHT_PX,
        "landmarks": landmarks,
        **extra,
    }


def good_pose() -> Pose:
    return kneeling_pose(
        hip_extension_deg=22.0, image_size_px=(WIDTH_PX, HEIGHT_PX), floor_y_px=HEIGHT_PX * 0.875
    )


def standing_pose() -> Pose:
    """The good pose's upper body on two straight legs: a person standing side-on."""
    pose = good_pose()
    xy = pose.image_xy_px.copy()
    for hip, knee, ankle, heel, toe in ((23, 25, 27, 29, 31), (24, 26, 28, 30, 32)):
        hip_x, hip_y = xy[hip]
        xy[knee] = (hip_x, hip_y + 100.0)
        xy[ankle] = (hip_x, hip_y + 200.0)
        xy[heel] = (hip_x - 8.0, hip_y + 210.0)
        xy[toe] = (hip_x + 25.0, hip_y + 212.0)
    return dataclasses.replace(pose, image_xy_px=xy)


def now_ms() -> float:
    return time.monotonic() * 1000.0


class NoServerModel:
    """The server's model must not even load on the in-browser path."""

    def __init__(self) -> None:
        raise AssertionError("the server-side pose model was loaded on the in-browser path")


@pytest.fixture
def browser_client(data_dir: Path, fake_clock: FakeClock) -> Any:
    app = create_app(data_dir, clock_factory=lambda: fake_clock, estimator_factory=NoServerModel)
    with TestClient(app, base_url=BASE) as client:
        yield client


def start_browser_session(ws: Any) -> dict[str, Any]:
    send(ws, {"type": "start", "camera": True, "pose": "browser"})
    started, _ = receive_until(ws, is_type("started"))
    return started


def reach_good_form(ws: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {}
    for _ in range(200):  # good form needs 0.5 s of poses
        send(ws, landmark_message(good_pose(), now_ms()))
        reply, _ = receive_until(ws, is_type("pose"))
        if reply["good"]:
            return reply
        time.sleep(0.03)
    raise AssertionError(f"never good: {reply}")


def test_landmarks_from_the_page_count_a_hold_with_the_servers_form_check(
    browser_client: TestClient, data_dir: Path, fake_clock: FakeClock
) -> None:
    with browser_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        started = start_browser_session(ws)
        assert started["camera"] is True and started["pose"] == "browser"
        sent_ms = now_ms()
        send(ws, landmark_message(None, sent_ms))
        nobody, _ = receive_until(ws, is_type("pose"))
        assert nobody["status"] == "no_person" and nobody["timestamp_ms"] == sent_ms
        reply = reach_good_form(ws)
        assert reply["status"] == "good" and reply["source"] == "browser"
        assert reply["landmarks"] is None  # the page drew them itself
        assert reply["hip_extension_deg"] == pytest.approx(22.0, abs=1.0)
        completed = None
        for _ in range(60):
            send(ws, landmark_message(good_pose(), now_ms()))
            receive_until(ws, is_type("pose"))
            fake_clock.advance(1.0)
            try:
                completed, _ = advance_until(ws, fake_clock, is_event("hold_completed"), 0.0, 1)
            except AssertionError:
                continue
            break
        assert completed is not None and completed["outcome"] == "completed"
        send(ws, {"type": "quit"})
        receive_until(ws, is_event("session_finished"))
    [record] = sessions(data_dir)
    assert record.source.value == "camera"
    assert record.holds[0].source.value == "camera"
    assert record.holds[0].hip_extension_max_deg == pytest.approx(22.0, abs=1.0)


def test_a_client_claiming_good_form_is_refused_and_the_server_decides(
    browser_client: TestClient, data_dir: Path, fake_clock: FakeClock
) -> None:
    with browser_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        start_browser_session(ws)
        claim = landmark_message(good_pose(), now_ms(), in_position=True, status="good")
        send(ws, claim)
        refused, _ = receive_until(ws, is_type("refused"))
        assert "judges form from the landmarks" in refused["reason"]
        # Landmarks that are not half-kneeling (standing) never count, whatever the page
        # might think of them.
        lunge = standing_pose()
        advance_until(ws, fake_clock, lambda m: m.get("type") == "state" and m["phase"] == "hold")
        for _ in range(30):
            send(ws, landmark_message(lunge, now_ms()))
            reply, _ = receive_until(ws, is_type("pose"))
            assert reply["good"] is False and reply["in_position"] is False
            time.sleep(0.02)
        fake_clock.advance(5.0)
        state, _ = receive_until(ws, is_type("state"))
        state, _ = receive_until(ws, is_type("state"))
        assert state["counted_s"] == 0.0 and state["form_ok"] is False
        send(ws, {"type": "quit"})
        receive_until(ws, is_event("session_finished"))


def bad_messages(base_ms: float) -> list[tuple[str, str]]:
    good = landmark_message(good_pose(), base_ms)
    short = {**good, "landmarks": good["landmarks"][:32]}
    far = {**good, "landmarks": [[5.0, 0.5, 0.0, 0.9], *good["landmarks"][1:]]}
    nan_text = json.dumps(good).replace(str(good["landmarks"][3][0]), "NaN", 1)
    return [
        (nan_text, "finite"),
        (json.dumps(short), "must be 33 rows"),
        (json.dumps(far), "x and y must be within"),
        (json.dumps({**good, "timestamp_ms": base_ms + 60_000}), "in the future"),
        (json.dumps({**good, "timestamp_ms": base_ms - 1000}), "backwards"),
        (json.dumps({**good, "width_px": 10}), "width_px"),
    ]


def test_bad_landmark_messages_are_refused_with_reasons_and_the_session_goes_on(
    browser_client: TestClient,
) -> None:
    with browser_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        start_browser_session(ws)
        reach_good_form(ws)
        base_ms = now_ms()
        send(ws, landmark_message(good_pose(), base_ms))
        receive_until(ws, is_type("pose"))
        for text, reason in bad_messages(base_ms + 1):
            ws.send_text(text)
            refused, seen = receive_until(ws, is_type("refused"))
            assert reason in refused["reason"], refused
            assert not any(m.get("type") == "pose" for m in seen)
        # A flood: the rate limit refuses what is beyond its burst, with one report.
        flood_started = time.monotonic()
        for index in range(120):
            send(ws, landmark_message(good_pose(), now_ms() + index * 0.001))
        flood_s = time.monotonic() - flood_started
        refused, seen = receive_until(ws, is_type("refused"))
        assert "too many landmark messages" in refused["reason"]
        accepted = [m for m in seen if m.get("type") == "pose"]
        # The burst of 40, plus 40 a second while the flood was being sent.
        assert 1 <= len(accepted) <= 41 + 40 * flood_s
        # Over 100 refusals, and the session still runs: it answers a pause.
        send(ws, {"type": "pause"})
        paused, _ = receive_until(ws, is_event("paused"))
        assert paused["event"] == "paused"
        time.sleep(1.1)  # the flood's tokens come back
        send(ws, landmark_message(good_pose(), now_ms()))
        reply, _ = receive_until(ws, is_type("pose"))
        assert reply["status"] == "good"


def test_each_path_refuses_the_other_paths_messages(
    browser_client: TestClient, data_dir: Path
) -> None:
    with browser_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, landmark_message(good_pose(), now_ms()))
        refused, _ = receive_until(ws, is_type("refused"))
        assert "send start first" in refused["reason"]
        start_browser_session(ws)
        ws.send_bytes(jpeg_frame(1))
        error, _ = receive_until(ws, is_type("error"))
        assert "pose 'server'" in error["message"]
        send(ws, {"type": "quit"})
        receive_until(ws, is_event("session_finished"))
    server_app = create_app(data_dir, speed=2000)
    with (
        TestClient(server_app, base_url=BASE) as client,
        client.websocket_connect(WS_URL, headers=ORIGIN) as ws,
    ):
        send(ws, {"type": "start", "camera": True})
        started, _ = receive_until(ws, is_type("started"))
        assert started["pose"] == "server"
        send(ws, landmark_message(good_pose(), now_ms()))
        refused, _ = receive_until(ws, is_type("refused"))
        assert "measures pose on the server" in refused["reason"]
        send(ws, {"type": "quit"})
        receive_until(ws, is_event("session_finished"))


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "start", "camera": "yes"}, "camera"),
        ({"type": "start", "camera": 1}, "camera"),
        ({"type": "start", "take_over": "true"}, "take_over"),
        ({"type": "start", "camera": True, "pose": "magic"}, "pose"),
        ({"type": "camera", "enabled": "no"}, "enabled"),
    ],
)
def test_non_boolean_flags_are_rejected_with_a_reason(
    client: TestClient, message: dict[str, Any], field: str
) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, message)
        error, _ = receive_until(ws, is_type("error"))
        assert error["message"].split(":")[0].endswith(f".{field}"), error
        send(ws, {"type": "start"})
        started, _ = receive_until(ws, is_type("started"))
        assert started["camera"] is False
