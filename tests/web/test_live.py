"""The live session WebSocket: whole sessions, controls, two tabs, shutdown, camera mode."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi import FastAPI
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

from hipflex.domain.clock import FakeClock
from hipflex.storage.db import open_database
from hipflex.vision.pose import Pose
from hipflex.vision.synthetic import kneeling_pose
from hipflex.web import create_app
from hipflex.web.wire import FRAME_HEADER


def sessions(data_dir: Path) -> list:  # type: ignore[type-arg]
    with open_database(data_dir) as db:
        return db.repository.recent_sessions(50)


def test_whole_session_is_coached_and_saved(client: TestClient, data_dir: Path) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start", "pain_before": 4})
        started, _ = receive_until(ws, is_type("started"))
        finished, seen = receive_until(ws, is_event("session_finished"))
    assert started["protocol"]["name"] == "kneeling-hip-flexor"
    assert finished["status"] == "completed"
    assert finished["holds_done"] == 8
    assert finished["counted_s_by_side"] == {"right": 120.0, "left": 120.0}
    events = [m["event"] for m in seen if m["type"] == "event"]
    assert events.count("hold_completed") == 8
    assert "side_switched" in events and "cue" in events
    assert all(m["saved"] for m in seen if m.get("event") == "hold_completed")
    states = [m for m in seen if m["type"] == "state"]
    assert states and {"remaining_s", "instruction", "reps_done", "next_up"} <= states[0].keys()
    [record] = sessions(data_dir)
    assert record.status.value == "completed"
    assert record.pain_before == 4
    assert record.source.value == "timer"
    assert len(record.holds) == 8
    assert record.id == started["session_id"]
    assert record.demo  # this app runs sessions 2000 times faster: a demo, not a real session


def test_pause_stops_the_clock_and_resume_continues(
    clocked_client: TestClient, fake_clock: FakeClock
) -> None:
    with clocked_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start"})
        advance_until(ws, fake_clock, lambda m: m.get("type") == "state" and m["phase"] == "hold")
        fake_clock.advance(5)
        send(ws, {"type": "pause"})
        paused, _ = receive_until(ws, lambda m: m.get("type") == "state" and m["paused"])
        counted = paused["counted_s"]
        fake_clock.advance(100)  # time passes while paused: nothing counts
        send(ws, {"type": "toggle_pause"})
        resumed, seen = receive_until(ws, lambda m: m.get("type") == "state" and not m["paused"])
        assert resumed["counted_s"] == pytest.approx(counted, abs=1.0)
        assert resumed["phase"] == "hold"
        assert any(m.get("event") == "resumed" for m in seen)
        send(ws, {"type": "skip"})
        skipped, _ = receive_until(ws, is_event("hold_completed"))
        assert skipped["outcome"] == "skipped"
        send(ws, {"type": "quit"})
        finished, _ = receive_until(ws, is_event("session_finished"))
        assert finished["status"] == "partial"


def test_quit_keeps_completed_holds_as_partial(
    clocked_client: TestClient, fake_clock: FakeClock, data_dir: Path
) -> None:
    with clocked_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start"})
        advance_until(ws, fake_clock, is_event("hold_completed"), step_s=2.0)
        send(ws, {"type": "quit"})
        finished, _ = receive_until(ws, is_event("session_finished"))
    assert finished["status"] == "partial"
    [record] = sessions(data_dir)
    assert record.status.value == "partial"
    assert record.reps_done == 1
    assert not record.demo  # real speed: a real session


def test_closing_the_tab_saves_the_session_as_partial(
    clocked_client: TestClient, fake_clock: FakeClock, data_dir: Path
) -> None:
    with clocked_client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start"})
        advance_until(ws, fake_clock, is_event("hold_completed"), step_s=2.0)
    # The server notices the closed socket and ends the session.
    for _ in range(50):
        records = sessions(data_dir)
        if records and records[0].status.value != "in_progress":
            break
        threading.Event().wait(0.05)
    [record] = sessions(data_dir)
    assert record.status.value == "partial"
    assert len(record.holds) == 1


def test_server_stopping_mid_session_saves_partial(data_dir: Path, fake_clock: FakeClock) -> None:
    app = create_app(data_dir, clock_factory=lambda: fake_clock)
    with (
        TestClient(app, base_url=BASE) as client,
        client.websocket_connect(WS_URL, headers=ORIGIN) as ws,
    ):
        send(ws, {"type": "start"})
        advance_until(ws, fake_clock, is_event("hold_completed"), step_s=2.0)
        fake_clock.advance(20)  # into the next hold
        app.state.context.live.stop_all("shutdown")  # what Ctrl-C does
        ended, seen = receive_until(ws, is_type("ended"))
        assert ended["reason"] == "shutdown"
        assert any(m.get("event") == "session_finished" for m in seen)
    [record] = sessions(data_dir)
    assert record.status.value == "partial"
    assert record.reps_done >= 1


def test_two_tabs_one_session_unless_taken_over(
    clocked_client: TestClient, fake_clock: FakeClock, data_dir: Path
) -> None:
    with (
        clocked_client.websocket_connect(WS_URL, headers=ORIGIN) as first,
        clocked_client.websocket_connect(WS_URL, headers=ORIGIN) as second,
    ):
        send(first, {"type": "start"})
        send(second, {"type": "start"})
        replies = [
            receive_until(ws, lambda m: m["type"] in ("started", "busy"))[0]
            for ws in (first, second)
        ]
        assert sorted(r["type"] for r in replies) == ["busy", "started"]
        running, waiting = (first, second) if replies[0]["type"] == "started" else (second, first)
        send(waiting, {"type": "start", "take_over": True})
        receive_until(waiting, is_type("started"))
        ended, seen = receive_until(running, is_type("ended"))
        assert ended["reason"] == "taken_over"
        assert any(m.get("event") == "session_finished" for m in seen)
        send(waiting, {"type": "quit"})
        receive_until(waiting, is_event("session_finished"))
    records = sessions(data_dir)
    assert len(records) == 2
    assert {r.status.value for r in records} == {"partial"}


def test_two_tabs_starting_at_the_same_moment(app: FastAPI) -> None:
    """Both tabs press Start at once: exactly one session runs."""
    results: list[str] = []
    barrier = threading.Barrier(2)

    def tab(client: TestClient) -> None:
        with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
            barrier.wait()
            send(ws, {"type": "start"})
            reply, _ = receive_until(ws, lambda m: m["type"] in ("started", "busy"))
            results.append(reply["type"])
            if reply["type"] == "started":
                send(ws, {"type": "quit"})
                receive_until(ws, is_event("session_finished"))

    with TestClient(app, base_url=BASE) as client:
        threads = [threading.Thread(target=tab, args=(client,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(results) in (["busy", "started"], ["started", "started"])
    assert results.count("started") >= 1


# -- camera mode ---------------------------------------------------------------------------


class SyntheticEstimator:
    """Stands in for MediaPipe: every frame shows a good half-kneeling stretch."""

    def __init__(self, hip_extension_deg: float = 22.0) -> None:
        self.hip_extension_deg = hip_extension_deg
        self.closed = False

    def estimate(self, image_bgr: np.ndarray, timestamp_s: float) -> Pose | None:  # type: ignore[type-arg]
        height, width = image_bgr.shape[:2]
        return kneeling_pose(
            hip_extension_deg=self.hip_extension_deg,
            timestamp_s=timestamp_s,
            image_size_px=(width, height),
            floor_y_px=height * 0.875,
        )

    def close(self) -> None:
        self.closed = True


def jpeg_frame(seq: int, width: int = 640, height: int = 480) -> bytes:
    image = np.full((height, width, 3), 128, dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return FRAME_HEADER.pack(seq) + encoded.tobytes()


def test_camera_mode_counts_good_form_and_records_hip_extension(
    data_dir: Path, fake_clock: FakeClock
) -> None:
    app = create_app(
        data_dir, clock_factory=lambda: fake_clock, estimator_factory=SyntheticEstimator
    )
    with (
        TestClient(app, base_url=BASE) as client,
        client.websocket_connect(WS_URL, headers=ORIGIN) as ws,
    ):
        send(ws, {"type": "start", "camera": True})
        started, _ = receive_until(ws, is_type("started"))
        assert started["camera"] is True
        seq = 0
        pose: dict = {}  # type: ignore[type-arg]
        for seq in range(1, 200):  # good form needs 0.5 s of frames
            ws.send_bytes(jpeg_frame(seq))
            pose, _ = receive_until(ws, is_type("pose"))
            if pose["good"]:
                break
            threading.Event().wait(0.03)
        assert pose["good"], pose
        assert pose["status"] == "good"
        assert len(pose["landmarks"]) == 33
        assert pose["hip_extension_deg"] == pytest.approx(22.0, abs=1.0)
        # Walk through get-ready and the first hold, a frame before each second.
        completed = None
        for _ in range(60):
            seq += 1
            ws.send_bytes(jpeg_frame(seq))
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
    hold = record.holds[0]
    assert hold.source.value == "camera"
    assert hold.hip_extension_max_deg == pytest.approx(22.0, abs=1.0)


def test_camera_without_frames_does_not_count(data_dir: Path, fake_clock: FakeClock) -> None:
    app = create_app(
        data_dir, clock_factory=lambda: fake_clock, estimator_factory=SyntheticEstimator
    )
    with (
        TestClient(app, base_url=BASE) as client,
        client.websocket_connect(WS_URL, headers=ORIGIN) as ws,
    ):
        send(ws, {"type": "start", "camera": True})
        advance_until(ws, fake_clock, lambda m: m.get("type") == "state" and m["phase"] == "hold")
        fake_clock.advance(10)
        state, _ = receive_until(ws, is_type("state"))  # at least once a second
        state, _ = receive_until(ws, is_type("state"))
        assert state["counted_s"] == 0.0
        assert state["form_ok"] is False
        # The camera is lost: the page says so and the timer takes over.
        send(ws, {"type": "camera", "enabled": False})
        receive_until(ws, lambda m: m.get("type") == "camera" and m["enabled"] is False)
        state, _ = advance_until(
            ws, fake_clock, lambda m: m.get("type") == "state" and m["counted_s"] > 0, 2.0, 5
        )
        assert state["phase"] == "hold" and state["camera"] is False
        send(ws, {"type": "quit"})
        receive_until(ws, is_event("session_finished"))


def test_the_camera_check_is_only_offered_for_the_kneeling_stretch(client: TestClient) -> None:
    kneeling = client.get("/session?protocol=kneeling-hip-flexor").text
    assert '<input type="checkbox" id="camera-toggle">' in kneeling
    prone = client.get("/session?protocol=prone-hip-flexor").text
    assert '<input type="checkbox" id="camera-toggle" disabled>' in prone
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start", "protocol": "prone-hip-flexor", "camera": True})
        error, _ = receive_until(ws, is_type("error"))
        assert "knows the kneeling stretch" in error["message"]
        send(ws, {"type": "start", "protocol": "prone-hip-flexor"})  # the slot was released
        started, _ = receive_until(ws, is_type("started"))
        assert started["camera"] is False
        send(ws, {"type": "quit"})
