"""Landmarks of the shared media, computed once with the real model and cached in bench/out/.

The benchmarks and the fixture recorder share this: ``photo_recordings()`` runs the photo
person search (static mode, one graph for every photo) on ../shared/media/images and keeps one
``hipflex-landmarks/1`` recording per photo with its label; ``video_recording(name)`` runs a
clip in tracking mode. A cached file is reused while the media file is unchanged (size and
modification time) and the model version is the same; ``refresh=True`` recomputes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / ".." / "shared" / "media"
CACHE = ROOT / "bench" / "out" / "landmarks"
# Bump when the way landmarks are produced changes (search attempts, scaling...).
RECIPE = "person-search/1"


def labels() -> dict[str, dict[str, str]]:
    """labels.csv by file name."""
    with (MEDIA / "labels.csv").open(newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def _stamp(path: Path) -> dict[str, Any]:
    import mediapipe

    stat = path.stat()
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "mediapipe": mediapipe.__version__,
        "recipe": RECIPE,
    }


def _cached(target: Path, stamp: dict[str, Any]) -> dict[str, Any] | None:
    if not target.is_file():
        return None
    data: dict[str, Any] = json.loads(target.read_text())
    return data if data.get("stamp") == stamp else None


def record_photo(estimator: Any, path: Path, label: dict[str, str] | None) -> dict[str, Any]:
    """One photo's recording: the person followed, how they were found, and the label."""
    from hipflex.vision.mediapipe_source import read_image
    from hipflex.vision.pose import Frame
    from hipflex.vision.replay import recording_to_dict

    image = read_image(path)
    search = estimator.find_person(image, 0.0)
    height_px, width_px = image.shape[:2]
    recording = recording_to_dict(
        [Frame(0.0, search.pose)], source=path.name, fps=0.0, width_px=width_px, height_px=height_px
    )
    recording["search"] = {"attempt": search.attempt, "people_found": search.people_found}
    row = label or {}
    recording["label"] = {
        "in_position": row.get("in_position") == "1",
        "kneeling_side": row.get("kneeling_side") or "unknown",
    }
    return recording


def photo_recordings(
    names: Iterable[str] | None = None, *, refresh: bool = False
) -> dict[str, dict[str, Any]]:
    """Recordings of the labelled photos (all of them unless ``names``), by file name."""
    from hipflex.vision.mediapipe_source import PoseEstimator

    table = labels()
    wanted = sorted(names) if names is not None else sorted(table)
    out: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    (CACHE / "images").mkdir(parents=True, exist_ok=True)
    for name in wanted:
        stamp = _stamp(MEDIA / "images" / name)
        cached = None if refresh else _cached(CACHE / "images" / f"{name}.json", stamp)
        if cached is None:
            missing.append(name)
        else:
            out[name] = cached
    if missing:
        with PoseEstimator(static_images=True) as estimator:
            for name in missing:
                recording = record_photo(estimator, MEDIA / "images" / name, table.get(name))
                recording["stamp"] = _stamp(MEDIA / "images" / name)
                (CACHE / "images" / f"{name}.json").write_text(json.dumps(recording))
                out[name] = recording
    return out


def video_recording(name: str, *, refresh: bool = False) -> dict[str, Any]:
    """Every frame of ``video/name`` in tracking mode (landmarks only)."""
    from hipflex.vision.mediapipe_source import VideoFileSource
    from hipflex.vision.replay import recording_to_dict

    path = MEDIA / "video" / name
    target = CACHE / "video" / f"{name}.json"
    stamp = _stamp(path)
    cached = None if refresh else _cached(target, stamp)
    if cached is not None:
        return cached
    source = VideoFileSource(path, keep_images=False)
    recording = recording_to_dict(
        list(source),
        source=name,
        fps=source.info.fps,
        width_px=source.info.width_px,
        height_px=source.info.height_px,
    )
    recording["stamp"] = stamp
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(recording))
    return recording
