"""Record landmark fixtures (JSON, no pixels) from ../shared/media into tests/fixtures/landmarks.

Run: .venv/bin/python bench/record_fixtures.py
Photos: one recording per file (static mode) with the human label from labels.csv.
Videos: a few clips in tracking mode, every frame processed, landmarks kept at ~10 fps.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from hipflex.vision.mediapipe_source import ImageFilesSource, VideoFileSource
from hipflex.vision.pose import Frame
from hipflex.vision.replay import recording_to_dict

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / ".." / "shared" / "media"
OUT = ROOT / "tests" / "fixtures" / "landmarks"
VIDEOS = {"vcproj_lunges1.mp4": 10.0, "rnhrn_lunges.mp4": 10.0, "alishbah_yoga_standing.mp4": 5.0}


def _compact(recording: dict[str, object], keep_world: bool) -> dict[str, object]:
    for frame in recording["frames"]:  # type: ignore[attr-defined]
        pose = frame["pose"]
        if pose is not None:
            pose["vis"] = [round(v, 2) for v in pose["vis"]]
            if not keep_world:
                pose["world"] = None
    return recording


def record_images() -> None:
    labels = {row["file"]: row for row in csv.DictReader((MEDIA / "labels.csv").open())}
    paths = sorted((MEDIA / "images").iterdir())
    (OUT / "images").mkdir(parents=True, exist_ok=True)
    for path, frame in zip(paths, ImageFilesSource(paths, keep_images=True), strict=True):
        assert frame.image is not None
        height_px, width_px = frame.image.shape[:2]
        frame = Frame(0.0, None if frame.pose is None else frame.pose.with_timestamp(0.0))
        recording = recording_to_dict(
            [frame], source=path.name, fps=0.0, width_px=width_px, height_px=height_px
        )
        row = labels.get(path.name, {})
        recording["label"] = {
            "in_position": row.get("in_position") == "1",
            "kneeling_side": row.get("kneeling_side") or "unknown",
        }
        target = OUT / "images" / f"{path.stem}.json"
        target.write_text(json.dumps(_compact(recording, True), separators=(",", ":")))
    print(f"{len(paths)} photos -> {OUT / 'images'}")


def record_videos() -> None:
    (OUT / "video").mkdir(parents=True, exist_ok=True)
    for name, keep_fps in VIDEOS.items():
        source = VideoFileSource(MEDIA / "video" / name, keep_images=False)
        step = max(1, round(source.info.fps / keep_fps))
        frames = [f for f in source if f.index % step == 0]
        recording = recording_to_dict(
            frames,
            source=name,
            fps=source.info.fps / step,
            width_px=source.info.width_px,
            height_px=source.info.height_px,
        )
        target = OUT / "video" / f"{Path(name).stem}.json"
        target.write_text(json.dumps(_compact(recording, False), separators=(",", ":")))
        print(f"{name}: {len(frames)} frames -> {target}")


def main() -> int:
    if not MEDIA.is_dir():
        print(f"no media at {MEDIA}", file=sys.stderr)
        return 1
    record_images()
    record_videos()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
