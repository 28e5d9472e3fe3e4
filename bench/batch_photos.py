"""Photos per second of ``hipflex analyze`` on many photos: one pose graph per photo (as
before) against one graph reused for every photo (static mode), in the same run.

Run: .venv/bin/python bench/batch_photos.py [COUNT]   (default: 24 shared photos)
Both sides do the same work per photo (person search, measurement, annotated PNG, JSON and
HTML report); only the graph's lifetime differs. The ratio is what reusing it buys.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from hipflex.vision.analysis import PhotoAnalyzer, analyze_image
from hipflex.vision.mediapipe_source import PoseEstimator, read_image
from media_landmarks import MEDIA


def main() -> int:
    images = MEDIA / "images"
    if not images.is_dir():
        print(f"no media at {MEDIA}", file=sys.stderr)
        return 1
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    paths = sorted(images.iterdir())[:: max(1, len(list(images.iterdir())) // count)][:count]
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as out:
        analyze_image(paths[0], Path(out))  # warm the disk cache and the imports
        started = time.perf_counter()
        for path in paths:
            analyze_image(path, Path(out))
        per_photo_s = time.perf_counter() - started
        started = time.perf_counter()
        with PhotoAnalyzer() as photos:
            for path in paths:
                photos.analyze(path, Path(out))
        shared_s = time.perf_counter() - started
        # The person search's own cost: the same graph, the model run once per photo.
        started = time.perf_counter()
        with PoseEstimator(static_images=True) as estimator:
            for path in paths:
                estimator.estimate(read_image(path), 0.0)
        once_s = time.perf_counter() - started
        started = time.perf_counter()
        with PoseEstimator(static_images=True) as estimator:
            for path in paths:
                estimator.find_person(read_image(path), 0.0)
        search_s = time.perf_counter() - started
    before, after = len(paths) / per_photo_s, len(paths) / shared_s
    print(f"{len(paths)} photos")
    print(f"one graph per photo (before): {before:5.2f} photos/s")
    print(f"one graph for all (after):    {after:5.2f} photos/s")
    print(f"ratio after/before: {after / before:.2f}x")
    print(
        f"model only, one graph: {len(paths) / once_s:5.2f} photos/s with one run per photo, "
        f"{len(paths) / search_s:5.2f} with the person search (covering each person found "
        "and looking again costs a second run)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
