"""Record landmark fixtures (JSON, no pixels) from ../shared/media into tests/fixtures/landmarks.

Run: .venv/bin/python bench/record_fixtures.py [--refresh]
Photos: one recording per file, found as ``hipflex analyze`` finds a person (static mode,
attempts at other scales, several people), with the human label from labels.csv and how the
person was found. Videos: a few clips in tracking mode, every frame processed, landmarks kept
at 5-15 fps. World (metric) landmarks are kept: the position check uses their depth.
The model is run through bench/media_landmarks.py, whose cache in bench/out/ is reused.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from media_landmarks import MEDIA, photo_recordings, video_recording

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "landmarks"
# Clip -> frames per second kept in the fixture.
VIDEOS = {
    "vcproj_lunges1.mp4": 12.5,
    "rnhrn_lunges.mp4": 10.0,
    "alishbah_yoga_standing.mp4": 5.0,
    "vid_techbusa_1.mp4": 15.0,
    "vid_tomnotchymk_1.mp4": 12.0,
    "vid_likithmeruvu_1.mp4": 6.0,
}


def _compact(recording: dict[str, Any]) -> dict[str, Any]:
    recording = {k: v for k, v in recording.items() if k != "stamp"}
    for frame in recording["frames"]:
        pose = frame["pose"]
        if pose is not None:
            pose["vis"] = [round(v, 2) for v in pose["vis"]]
    return recording


def record_images(refresh: bool) -> None:
    (OUT / "images").mkdir(parents=True, exist_ok=True)
    recordings = photo_recordings(refresh=refresh)
    for name, recording in recordings.items():
        target = OUT / "images" / f"{Path(name).stem}.json"
        target.write_text(json.dumps(_compact(recording), separators=(",", ":")))
    print(f"{len(recordings)} photos -> {OUT / 'images'}")


def record_videos(refresh: bool) -> None:
    (OUT / "video").mkdir(parents=True, exist_ok=True)
    for name, keep_fps in VIDEOS.items():
        recording = video_recording(name, refresh=refresh)
        step = max(1, round(float(recording["fps"]) / keep_fps))
        recording = dict(recording)
        recording["frames"] = recording["frames"][::step]
        recording["fps"] = float(recording["fps"]) / step
        target = OUT / "video" / f"{Path(name).stem}.json"
        target.write_text(json.dumps(_compact(recording), separators=(",", ":")))
        print(f"{name}: {len(recording['frames'])} frames -> {target}")


def main() -> int:
    if not MEDIA.is_dir():
        print(f"no media at {MEDIA}", file=sys.stderr)
        return 1
    refresh = "--refresh" in sys.argv[1:]
    record_images(refresh)
    record_videos(refresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
