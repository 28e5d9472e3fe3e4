"""Camera-mode latency in the web app: a real Chromium with a fake 30 fps camera.

Prints, for the frames of a live camera session:
* the time from a frame leaving the browser (just before JPEG encoding) to its skeleton being
  drawn over the video (median and 95th percentile, in ms; the first 5 s are warm-up);
* frames per minute the camera offered, sent, processed, skipped in the browser (one frame in
  flight at a time) and dropped by the server (replaced by a newer frame while waiting);
* the server's memory (RSS) over the run, and its growth per minute after warm-up.

Run:  .venv/bin/python bench/web_latency.py            (1 minute)
      .venv/bin/python bench/web_latency.py --minutes 10   (the 10-minute soak of issue 4)
Nothing is asserted; the figures are printed. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media"
DEFAULT_PHOTO = MEDIA / "images" / "pos_steve_hip_flexor_stretch.jpg"
CHROMIUM = "/usr/bin/chromium"
WARM_UP_S = 5.0
# A protocol with one long hold, so the session outlasts any soak.
SOAK_PROTOCOL = """
name = "bench-soak"
title = "Benchmark soak"
steps = ["Hold the half-kneeling stretch."]
hold_s = 600
reps = 2
sides = ["right"]
get_ready_s = 0
rest_s = 0
max_hold_factor = 10.0
"""


def write_y4m(photo: Path | None, out: Path, frames: int = 30) -> None:
    """640x480 at 30 fps: the photo letterboxed (or grey), with a little noise per frame."""
    import cv2
    import numpy as np

    canvas = np.full((480, 640, 3), 90, dtype=np.uint8)
    if photo is not None and photo.exists():
        image = cv2.imread(str(photo))
        scale = min(640 / image.shape[1], 480 / image.shape[0])
        resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)))
        top, left = (480 - resized.shape[0]) // 2, (640 - resized.shape[1]) // 2
        canvas[:] = 0
        canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    rng = np.random.default_rng(1)
    with out.open("wb") as handle:
        handle.write(b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            noise = rng.integers(-3, 4, canvas.shape, dtype=np.int16)
            frame = np.clip(canvas.astype(np.int16) + noise, 0, 255).astype(np.uint8)
            handle.write(b"FRAME\n" + cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())


def rss_mb() -> float:
    """This process's resident memory (the server runs in it), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(data_dir: Path) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    from hipflex.web import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(data_dir), host="127.0.0.1", port=port, log_level="warning", ws_max_size=2**20
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="length of the run")
    parser.add_argument("--fps", type=int, default=30, help="frames per second the page offers")
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO, help="what the camera shows")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print("needs Debian's chromium at /usr/bin/chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="hipflex-bench-"))
    (work / "data" / "protocols").mkdir(parents=True)
    (work / "data" / "protocols" / "bench-soak.toml").write_text(SOAK_PROTOCOL)
    video = work / "camera.y4m"
    photo = args.photo if args.photo.exists() else None
    write_y4m(photo, video)
    server, thread, url = start_server(work / "data")
    duration_s = args.minutes * 60
    memory: list[tuple[float, float]] = []
    print(
        f"web latency: {args.minutes:g} min, fake camera 640x480 at 30 fps, page sends up to "
        f"{args.fps} fps; camera shows {photo.name if photo else 'a grey frame'}"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = browser.new_context(permissions=["camera"], bypass_csp=True)
        page = context.new_page()
        page.goto(f"{url}/session?protocol=bench-soak&fps={args.fps}")
        page.check("#camera-toggle")
        page.uncheck("#voice-toggle")
        page.uncheck("#sound-toggle")
        page.click("#start-button")
        page.wait_for_function(
            "window.hipflexCameraStats && window.hipflexCameraStats.drawn > 0", timeout=60_000
        )
        started = time.monotonic()
        page.wait_for_timeout(WARM_UP_S * 1000)
        warm = page.evaluate(
            "({...window.hipflexCameraStats, latencies: window.hipflexCameraStats.latencies.length})"
        )
        memory.append((0.0, rss_mb()))
        while time.monotonic() - started < duration_s:
            page.wait_for_timeout(
                min(10_000, max(0.0, duration_s - (time.monotonic() - started)) * 1000)
            )
            memory.append(((time.monotonic() - started) / 60, rss_mb()))
        stats = page.evaluate("window.hipflexCameraStats")
        elapsed_min = (time.monotonic() - started - WARM_UP_S) / 60
        page.keyboard.press("q")
        page.wait_for_timeout(500)
        browser.close()
    server.should_exit = True
    thread.join(10)

    latencies = stats["latencies"][warm["latencies"] :]
    offered = args.fps * 60
    per_min = {
        key: (stats[key] - warm[key]) / elapsed_min
        for key in ("sent", "drawn", "skipped", "dropped")
    }
    print(f"frames measured        {len(latencies)}")
    if latencies:
        print(
            f"latency median         {statistics.median(latencies):6.1f} ms  (frame leaves the browser -> skeleton drawn)"
        )
        print(f"latency p95            {percentile(latencies, 0.95):6.1f} ms  (target <= 100 ms)")
        print(f"latency max            {max(latencies):6.1f} ms")
    print(f"frames offered / min   {offered:6.0f}  ({args.fps} fps)")
    print(f"frames sent / min      {per_min['sent']:6.0f}")
    print(f"frames drawn / min     {per_min['drawn']:6.0f}  ({per_min['drawn'] / 60:.1f} fps)")
    print(f"skipped in browser/min {per_min['skipped']:6.0f}  (a frame was still in flight)")
    print(f"dropped by server/min  {per_min['dropped']:6.0f}  (replaced by a newer frame)")
    start_mb, end_mb = memory[0][1], memory[-1][1]
    peak_mb = max(mb for _, mb in memory)
    minutes = max(memory[-1][0], 1e-9)
    print(
        f"server RSS             {start_mb:.0f} MB after warm-up -> {end_mb:.0f} MB at the end "
        f"(peak {peak_mb:.0f} MB, {(end_mb - start_mb) / minutes:+.2f} MB/min)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
