"""Replay source: round trip and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hipflex.errors import MediaError
from hipflex.vision.pose import Frame, PoseSource
from hipflex.vision.replay import ReplaySource, recording_to_dict
from hipflex.vision.synthetic import kneeling_pose


def test_round_trip(tmp_path: Path) -> None:
    frames = [Frame(i / 10, kneeling_pose(timestamp_s=i / 10) if i % 3 else None) for i in range(6)]
    data = recording_to_dict(frames, source="synthetic", fps=10.0, width_px=640, height_px=480)
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(data))
    source = ReplaySource.from_file(path)
    assert isinstance(source, PoseSource)
    replayed = list(source)
    assert len(replayed) == len(source) == 6
    for original, copy in zip(frames, replayed, strict=True):
        assert copy.timestamp_s == pytest.approx(original.timestamp_s)
        assert (copy.pose is None) == (original.pose is None)
        if original.pose is not None and copy.pose is not None:
            assert np.allclose(copy.pose.image_xy_px, original.pose.image_xy_px, atol=0.05)
            assert copy.pose.image_width_px == 640
    assert list(source)  # iterating twice replays twice


def test_bad_recordings(tmp_path: Path) -> None:
    with pytest.raises(MediaError):
        ReplaySource.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MediaError):
        ReplaySource.from_file(bad)
    with pytest.raises(MediaError):
        ReplaySource({"format": "something-else"})
