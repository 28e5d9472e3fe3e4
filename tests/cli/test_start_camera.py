"""``hipflex start`` with the form gate fed by frames (a landmark replay: no model, no camera)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.storage.db import open_database
from hipflex.vision.pose import Frame
from hipflex.vision.replay import recording_to_dict
from hipflex.vision.synthetic import kneeling_pose

PROTOCOL = """\
name = "one-short-hold"
title = "One short hold"
steps = ["Kneel on your {side} knee.", "Slide your hips forward."]
hold_s = 10
reps = 1
sides = ["right"]
get_ready_s = 2
rest_s = 0
max_hold_factor = 3.0
"""


def write_replay(path: Path, timeline: list[tuple[float, str]], fps: float = 10.0) -> None:
    """``timeline``: (seconds, what) with what in good / leaning / gone."""
    frames = []
    t = 0.0
    for seconds, what in timeline:
        end = t + seconds
        while t < end - 1e-9:
            pose = None
            if what == "good":
                pose = kneeling_pose(hip_extension_deg=20, timestamp_s=t)
            elif what == "leaning":
                pose = kneeling_pose(hip_extension_deg=20, trunk_forward_deg=35, timestamp_s=t)
            frames.append(Frame(round(t, 4), pose, None, len(frames)))
            t += 1 / fps
    data = recording_to_dict(frames, source="test", fps=fps, width_px=640, height_px=480)
    path.write_text(json.dumps(data))


def run_start(data_dir: Path, replay: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--replay", str(replay),
         "--protocol", "one-short-hold", "--no-preview", *extra],
        env={"HIPFLEX_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "COLUMNS": "120"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "short.toml").write_text(PROTOCOL)
    return tmp_path


def test_hold_counts_only_good_form_and_stores_camera_metrics(
    data_dir: Path, tmp_path: Path
) -> None:
    replay = tmp_path / "replay.json"
    # 4 s nobody, 4 s good, 3 s leaning forward (a fault), then good until the hold is done.
    write_replay(replay, [(4, "gone"), (4, "good"), (3, "leaning"), (12, "good")])
    result = run_start(data_dir, replay)
    assert result.returncode == 0, result.stderr
    with open_database(data_dir) as db:
        [session] = db.repository.recent_sessions()
    assert session.status is SessionStatus.COMPLETED
    assert session.source.value == "video"
    assert not session.demo  # a video runs on its own timeline, not a sped-up clock
    [hold] = session.holds
    assert hold.outcome is HoldOutcome.COMPLETED
    assert hold.counted_s == pytest.approx(10)
    assert hold.source.value == "video"
    # The hold took longer than 10 s of frames: time stopped while not in good form.
    assert (hold.ended_at - hold.started_at).total_seconds() > 13
    assert hold.hip_extension_max_deg == pytest.approx(20, abs=3)
    assert hold.faults and hold.faults.get("leaning_forward", 0) > 1.5


def test_video_that_ends_early_leaves_a_partial_session(data_dir: Path, tmp_path: Path) -> None:
    replay = tmp_path / "replay.json"
    write_replay(replay, [(3, "good"), (2, "gone")])
    result = run_start(data_dir, replay)
    assert result.returncode == 0, result.stderr
    with open_database(data_dir) as db:
        [session] = db.repository.recent_sessions()
    assert session.status is SessionStatus.PARTIAL


def test_camera_needs_the_kneeling_protocol_and_a_readable_video(tmp_path: Path) -> None:
    env = {"HIPFLEX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    prone = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--camera",
         "--protocol", "prone-hip-flexor"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert prone.returncode == 2
    assert "knows the kneeling stretch" in prone.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--video", str(tmp_path / "x.mp4")],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "x.mp4" in missing.stderr


def test_missing_camera_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--camera", "9", "--no-preview"],
        env={"HIPFLEX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "camera 9 is not available" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_camera_records_no_session(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hipflex", "start", "--no-input", "--camera", "7", "--no-preview"],
        env={"HIPFLEX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    with open_database(tmp_path) as db:
        assert db.repository.recent_sessions() == []
