"""Landmark messages from the in-browser pose model: every refusal with its reason."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import classify
from hipflex.vision.pose import Landmark
from hipflex.vision.synthetic import kneeling_pose
from hipflex.web.landmark_message import (
    BURST,
    MAX_MESSAGE_BYTES,
    RATE_PER_S,
    LandmarkGate,
    LandmarkRefused,
    TimestampGuard,
    TokenBucket,
    parse_landmark_message,
    to_pose,
)


def rows(value: float = 0.5) -> list[list[float]]:
    return [[value, value, 0.0, 0.9] for _ in range(33)]


def message(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "landmarks",
        "timestamp_ms": 1000.0,
        "width_px": 640,
        "height_px": 480,
        "landmarks": rows(),
    }
    base.update(changes)
    return base


def with_landmark(index: int, row: Any) -> list[Any]:
    landmarks: list[Any] = rows()
    landmarks[index] = row
    return landmarks


def drop(key: str) -> dict[str, Any]:
    data = message()
    del data[key]
    return data


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x" * (MAX_MESSAGE_BYTES + 1), "too long"),
        ("not json", "not JSON"),
        ("[" * 4000 + "]" * 4000, "not JSON"),  # nested deeper than the parser goes,
        ("[1, 2]", "JSON object"),
        (json.dumps(message(type="start")), "type must be 'landmarks'"),
        (json.dumps(drop("type")), "type must be 'landmarks'"),
        (json.dumps(message(in_position=True)), "unexpected field 'in_position'"),
        (json.dumps(message(form="good")), "judges form from the landmarks"),
        (json.dumps(drop("timestamp_ms")), "missing field 'timestamp_ms'"),
        (json.dumps(drop("width_px")), "missing field 'width_px'"),
        (json.dumps(message(timestamp_ms="soon")), "timestamp_ms must be a number"),
        (json.dumps(message(timestamp_ms=True)), "timestamp_ms must be a number"),
        (json.dumps(message(timestamp_ms=-1)), "must not be negative"),
        (
            json.dumps(message(timestamp_ms=0)).replace(": 0,", ": 1e400,"),
            "timestamp_ms must be finite",
        ),
        (json.dumps(message(timestamp_ms=float("inf"))), "must be finite (Infinity is not)"),
        (json.dumps(message(width_px=640.5)), "width_px must be a whole number"),
        (json.dumps(message(width_px=8)), "width_px must be 32 to 8192"),
        (json.dumps(message(height_px=100_000)), "height_px must be 32 to 8192"),
        (json.dumps(message(landmarks=rows()[:32])), "33 rows (got 32)"),
        (json.dumps(message(landmarks=[*rows(), [0.5, 0.5, 0, 1]])), "33 rows (got 34)"),
        (json.dumps(message(landmarks="all good")), "33 rows (got str)"),
        (json.dumps(message(landmarks=with_landmark(5, [0.5, 0.5, 0.0]))), "landmark 5 must be"),
        (json.dumps(message(landmarks=with_landmark(5, {"x": 1}))), "landmark 5 must be"),
        (
            json.dumps(message(landmarks=with_landmark(7, [0.5, "a", 0, 1]))),
            "landmark 7 must be a number",
        ),
        (
            json.dumps(message(landmarks=with_landmark(7, [0.5, None, 0, 1]))),
            "landmark 7 must be a number",
        ),
        (
            json.dumps(message(landmarks=with_landmark(3, [float("nan"), 0.5, 0, 1]))),
            "must be finite (NaN is not)",
        ),
        (
            json.dumps(message(landmarks=with_landmark(3, [-float("inf"), 0.5, 0, 1]))),
            "must be finite (-Infinity is not)",
        ),
        (
            json.dumps(message(landmarks=with_landmark(3, [0.5, 1234.5, 0, 1]))).replace(
                "1234.5", "1e400"
            ),
            "landmark 3 must be finite",
        ),
        (json.dumps(message(landmarks=with_landmark(9, [2.5, 0.5, 0, 1]))), "landmark 9: x and y"),
        (json.dumps(message(landmarks=with_landmark(9, [0.5, -1.5, 0, 1]))), "landmark 9: x and y"),
        (json.dumps(message(landmarks=with_landmark(4, [0.5, 0.5, 99, 1]))), "landmark 4: depth"),
        (
            json.dumps(message(landmarks=with_landmark(6, [0.5, 0.5, 0, 1.2]))),
            "landmark 6: visibility",
        ),
        (
            json.dumps(message(landmarks=with_landmark(6, [0.5, 0.5, 0, -0.1]))),
            "landmark 6: visibility",
        ),
    ],
)
def test_bad_messages_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(LandmarkRefused) as refused:
        parse_landmark_message(text)
    assert reason in refused.value.reason


def test_a_good_message_and_nobody_in_view() -> None:
    parsed = parse_landmark_message(json.dumps(message()))
    assert parsed.landmarks is not None and parsed.landmarks.shape == (33, 4)
    assert (parsed.width_px, parsed.height_px, parsed.timestamp_ms) == (640, 480, 1000.0)
    nobody = parse_landmark_message(json.dumps(message(landmarks=None)))
    assert nobody.landmarks is None
    assert to_pose(nobody, 1.0) is None
    # Out-of-frame limbs are extrapolated past the edges: still accepted.
    edge = parse_landmark_message(
        json.dumps(message(landmarks=with_landmark(28, [0.5, 1.7, 0, 0.1])))
    )
    assert edge.landmarks is not None and edge.landmarks[28, 1] == pytest.approx(1.7)


def test_to_pose_scales_to_the_stated_frame() -> None:
    landmarks = rows()
    landmarks[int(Landmark.LEFT_KNEE)] = [0.25, 0.75, -0.1, 0.6]
    parsed = parse_landmark_message(
        json.dumps(message(landmarks=landmarks, width_px=1280, height_px=720))
    )
    pose = to_pose(parsed, 12.5)
    assert pose is not None
    assert pose.xy(Landmark.LEFT_KNEE) == pytest.approx([320.0, 540.0])
    assert pose.z(Landmark.LEFT_KNEE) == pytest.approx(-128.0)
    assert pose.vis(Landmark.LEFT_KNEE) == pytest.approx(0.6)
    assert (pose.image_width_px, pose.image_height_px, pose.timestamp_s) == (1280, 720, 12.5)


@pytest.mark.parametrize(
    ("shape", "in_position"),
    # Knee on the floor; knee well off it (not half-kneeling), whatever the page may believe.
    [({}, True), ({"back_knee_height": 0.3, "back_shin_px": 200}, False)],
)
def test_round_trip_keeps_the_servers_form_decision(
    shape: dict[str, float], in_position: bool
) -> None:
    """Landmarks sent as a message are judged by the server exactly as the pose itself."""
    pose = kneeling_pose(**shape)
    normalised = np.column_stack(
        [
            pose.image_xy_px / np.array([pose.image_width_px, pose.image_height_px]),
            pose.depth_z_px / pose.image_width_px,
            pose.visibility,
        ]
    )
    text = json.dumps(
        message(
            width_px=pose.image_width_px,
            height_px=pose.image_height_px,
            landmarks=normalised.tolist(),
        )
    )
    back = to_pose(parse_landmark_message(text), 0.0)
    assert back is not None
    assert np.allclose(back.image_xy_px, pose.image_xy_px)
    original = classify(measure_form(pose), FormThresholds()).status
    assert classify(measure_form(back), FormThresholds()).status == original
    assert original.in_position is in_position


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        # (page ms, server s) pairs; the last one is refused.
        ([(1000, 10.0), (1000, 10.1)], "backwards (or repeated)"),
        ([(1000, 10.0), (1033, 10.1), (1020, 10.2)], "backwards"),
        ([(1000, 10.0), (4100, 11.0)], "in the future"),  # 3.1 s of page time in 1 s
        ([(1000, 10.0), (1100, 16.0)], "late (out of date)"),  # 0.1 s of page time in 6 s
    ],
)
def test_timestamps_going_backwards_from_the_future_or_stale(
    steps: list[tuple[float, float]], reason: str
) -> None:
    guard = TimestampGuard()
    for page_ms, server_s in steps[:-1]:
        guard.check(page_ms, server_s)
    with pytest.raises(LandmarkRefused) as refused:
        guard.check(*steps[-1])
    assert reason in refused.value.reason


def test_timestamps_map_to_the_servers_clock_with_jitter_allowed() -> None:
    guard = TimestampGuard()
    assert guard.check(5000.0, 100.0) == 100.0
    # The network delivers late and in bursts; the page's own timing is kept.
    assert guard.check(5033.0, 100.2) == pytest.approx(100.033)
    assert guard.check(5066.0, 100.2) == pytest.approx(100.066)
    assert guard.check(6500.0, 101.0) == pytest.approx(101.5)  # 0.5 s ahead: jitter, allowed
    # A refused message leaves the guard as it was.
    with pytest.raises(LandmarkRefused):
        guard.check(6400.0, 101.1)
    assert guard.check(6533.0, 101.6) == pytest.approx(101.533)


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate_per_s=10, burst=5)
    assert [bucket.allow(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.allow(0.05) is False  # half a token
    assert bucket.allow(0.1) is True
    # A long quiet spell refills only up to the burst.
    assert sum(bucket.allow(100.0) for _ in range(20)) == 5
    # A clock that steps back neither refills nor breaks the bucket.
    assert bucket.allow(50.0) is False
    with pytest.raises(ValueError):
        TokenBucket(rate_per_s=0)


def test_gate_floods_are_cut_and_the_session_goes_on() -> None:
    gate = LandmarkGate()
    refused: list[str] = []
    accepted = 0
    # A flood: 200 messages within one server second.
    for index in range(200):
        text = json.dumps(message(timestamp_ms=1000.0 + index))
        try:
            gate.accept(text, 10.0 + index * 0.005)
            accepted += 1
        except LandmarkRefused as exc:
            refused.append(exc.reason)
    assert BURST <= accepted <= BURST + RATE_PER_S * 1.0 + 1
    assert refused and all("too many landmark messages" in reason for reason in refused)
    # After the flood, normal camera-rate messages are accepted again.
    pose = gate.accept(json.dumps(message(timestamp_ms=3000.0)), 12.0)
    assert pose is not None and pose.timestamp_s == pytest.approx(12.0)


def test_gate_refuses_oversize_before_parsing_and_reports_nobody() -> None:
    gate = LandmarkGate()
    with pytest.raises(LandmarkRefused, match="too long"):
        gate.accept(b"{" + b" " * MAX_MESSAGE_BYTES + b"}", 0.0)
    assert gate.accept(json.dumps(message(landmarks=None)), 0.0) is None
    with pytest.raises(LandmarkRefused, match="backwards"):
        gate.accept(json.dumps(message(landmarks=None)), 0.1)
