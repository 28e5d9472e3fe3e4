"""Camera-mode latency in the web app: a real Chromium with a fake 30 fps camera.

Two paths, side by side:
* the JPEG path (today's sessions): the page sends camera frames, the server runs MediaPipe;
* the in-browser path: a session in which MediaPipe Pose (@mediapipe/pose) runs in the page
  on the same camera and only landmark messages go to the server.

Prints, for the frames of a live camera session (JPEG path):
* the time from a frame leaving the browser (just before JPEG encoding) to its skeleton being
  drawn over the video (median and 95th percentile, in ms; the first 5 s are warm-up);
* frames per minute the camera offered, sent, processed, skipped in the browser (one frame in
  flight at a time) and dropped by the server (replaced by a newer frame while waiting);
* the server's memory (RSS) over the run, and its growth per minute after warm-up.

and for the in-browser path: frames the camera offered and the model processed per second,
the model's time per frame (p50/p95, ms, the last 300 frames), frame captured -> the server's
verdict received (p50/p95). For both: this process's CPU seconds per minute of session (the
server runs in it; Chromium is another process) and the bytes the page sent per second over
the session's WebSocket (counted by Playwright).

Run:  .venv/bin/python bench/web_latency.py            (1 minute per path)
      .venv/bin/python bench/web_latency.py --minutes 10   (the 10-minute soak of issue 4)
      .venv/bin/python bench/web_latency.py --path browser
      .venv/bin/python bench/web_latency.py --parity   (every shared photo through both models)
Nothing is asserted; the figures are printed. Needs /usr/bin/chromium and `make web-assets`.
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
sys.path.insert(0, str(REPO))  # tests.web.browser.pose_parity, for --parity
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


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def camera_browser(playwright: Any, video: Path) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def count_sent_bytes(page: Any) -> dict[str, int]:
    """Bytes the page sends over its WebSockets (frames or landmark messages)."""
    sent = {"bytes": 0}

    def on_socket(socket: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            sent["bytes"] += len(payload.encode() if isinstance(payload, str) else payload)

        socket.on("framesent", on_frame)

    page.on("websocket", on_socket)
    return sent


def measure_jpeg_path(
    playwright: Any, video: Path, url: str, duration_s: float, fps: int
) -> dict[str, Any]:
    """A camera session on the JPEG path; frames per minute, latency and memory."""
    memory: list[tuple[float, float]] = []
    browser = camera_browser(playwright, video)
    context = browser.new_context(permissions=["camera"], bypass_csp=True)
    page = context.new_page()
    sent = count_sent_bytes(page)
    page.goto(f"{url}/session?protocol=bench-soak&fps={fps}&pose=server")
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
    cpu_start_s = time.process_time()
    bytes_start = sent["bytes"]
    memory.append((0.0, rss_mb()))
    while time.monotonic() - started < duration_s:
        page.wait_for_timeout(
            min(10_000, max(0.0, duration_s - (time.monotonic() - started)) * 1000)
        )
        memory.append(((time.monotonic() - started) / 60, rss_mb()))
    stats = page.evaluate("window.hipflexCameraStats")
    cpu_s = time.process_time() - cpu_start_s
    sent_bytes = sent["bytes"] - bytes_start
    elapsed_min = (time.monotonic() - started - WARM_UP_S) / 60
    page.keyboard.press("q")
    page.wait_for_timeout(500)
    browser.close()
    per_min = {
        key: (stats[key] - warm[key]) / elapsed_min
        for key in ("sent", "drawn", "skipped", "dropped")
    }
    return {
        "latencies": stats["latencies"][warm["latencies"] :],
        "per_min": per_min,
        "memory": memory,
        "cpu_s_per_min": cpu_s / elapsed_min,
        "bytes_per_s": sent_bytes / (elapsed_min * 60),
        "fps": fps,
    }


def measure_browser_path(
    playwright: Any, video: Path, url: str, duration_s: float
) -> dict[str, Any]:
    """A camera session with the model in the page: frames/s, ms per frame, frame -> verdict
    latency, server CPU per minute and bytes sent per second."""
    browser = camera_browser(playwright, video)
    context = browser.new_context(permissions=["camera"], bypass_csp=True)
    page = context.new_page()
    sent = count_sent_bytes(page)
    page.goto(f"{url}/session?protocol=bench-soak")
    page.check("#camera-toggle")
    page.uncheck("#voice-toggle")
    page.uncheck("#sound-toggle")
    page.click("#start-button")
    page.wait_for_selector("#camera-box:not([hidden])", timeout=120_000)
    if page.get_attribute("#session-app", "data-pose-path") != "browser":
        reason = page.locator("#pose-path").inner_text()
        browser.close()
        return {"unavailable": reason}
    page.wait_for_function("window.hipflexBrowserPoseStats.verdicts > 0", timeout=60_000)
    snapshot = (
        "({...window.hipflexPoseStats(), now: performance.now(),"
        " latencies: window.hipflexBrowserPoseStats.latencies.length})"
    )
    page.wait_for_timeout(WARM_UP_S * 1000)
    first = page.evaluate(snapshot)
    cpu_start_s = time.process_time()
    bytes_start = sent["bytes"]
    page.wait_for_timeout(max(1.0, duration_s - WARM_UP_S) * 1000)
    last = page.evaluate(snapshot)
    cpu_s = time.process_time() - cpu_start_s
    sent_bytes = sent["bytes"] - bytes_start
    stats = page.evaluate("window.hipflexBrowserPoseStats")
    cpu_inference = page.evaluate(
        "import('/static/js/pose/browser_pose.js').then(async (m) => (await m.checkSupport()).softwareGl)"
    )
    page.keyboard.press("q")
    page.wait_for_timeout(500)
    browser.close()
    elapsed_s = (last["now"] - first["now"]) / 1000
    return {
        "offered_per_s": (last["offered"] - first["offered"]) / elapsed_s,
        "frames_per_s": (last["frames"] - first["frames"]) / elapsed_s,
        "p50_ms": last["inferenceP50Ms"],
        "p95_ms": last["inferenceP95Ms"],
        "latencies": stats["latencies"][first["latencies"] :],
        "refused": stats["refused"],
        "reasons": stats["reasons"],
        "failures": last["failures"],
        "cpu_s_per_min": cpu_s / (elapsed_s / 60),
        "bytes_per_s": sent_bytes / elapsed_s,
        "cpu_inference": cpu_inference,
    }


def print_jpeg(result: dict[str, Any]) -> None:
    latencies = result["latencies"]
    per_min = result["per_min"]
    print(f"frames measured        {len(latencies)}")
    if latencies:
        print(
            f"latency median         {statistics.median(latencies):6.1f} ms  (frame leaves the browser -> skeleton drawn)"
        )
        print(f"latency p95            {percentile(latencies, 0.95):6.1f} ms  (target <= 100 ms)")
        print(f"latency max            {max(latencies):6.1f} ms")
    print(f"frames offered / min   {result['fps'] * 60:6.0f}  ({result['fps']} fps)")
    print(f"frames sent / min      {per_min['sent']:6.0f}")
    print(f"frames drawn / min     {per_min['drawn']:6.0f}  ({per_min['drawn'] / 60:.1f} fps)")
    print(f"skipped in browser/min {per_min['skipped']:6.0f}  (a frame was still in flight)")
    print(f"dropped by server/min  {per_min['dropped']:6.0f}  (replaced by a newer frame)")
    memory = result["memory"]
    start_mb, end_mb = memory[0][1], memory[-1][1]
    peak_mb = max(mb for _, mb in memory)
    minutes = max(memory[-1][0], 1e-9)
    print(
        f"server RSS             {start_mb:.0f} MB after warm-up -> {end_mb:.0f} MB at the end "
        f"(peak {peak_mb:.0f} MB, {(end_mb - start_mb) / minutes:+.2f} MB/min)"
    )


def print_side_by_side(jpeg: dict[str, Any] | None, inbrowser: dict[str, Any] | None) -> None:
    def cell(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    print()
    print(f"{'':34s}{'JPEG path':>12s}{'in-browser':>12s}")
    jpeg_fps = jpeg["per_min"]["drawn"] / 60 if jpeg else None
    lat = jpeg["latencies"] if jpeg else []
    if inbrowser and "unavailable" not in inbrowser:
        print(
            f"{'camera frames offered / s':34s}{cell(jpeg['fps'] if jpeg else None):>12s}{cell(inbrowser['offered_per_s']):>12s}"
        )
        print(
            f"{'frames processed / s':34s}{cell(jpeg_fps):>12s}{cell(inbrowser['frames_per_s']):>12s}"
        )
        print(
            f"{'ms per frame p50 (model in page)':34s}{'-':>12s}{cell(inbrowser['p50_ms'], 0):>12s}"
        )
        print(
            f"{'ms per frame p95 (model in page)':34s}{'-':>12s}{cell(inbrowser['p95_ms'], 0):>12s}"
        )
        own = inbrowser["latencies"]
        print(
            f"{'frame -> state p50 / p95 ms':34s}"
            f"{(cell(statistics.median(lat), 0) + ' / ' + cell(percentile(lat, 0.95), 0)) if lat else '-':>12s}"
            f"{(cell(statistics.median(own), 0) + ' / ' + cell(percentile(own, 0.95), 0)) if own else '-':>12s}"
        )
        print(
            f"{'server CPU s / min of session':34s}{cell(jpeg['cpu_s_per_min'] if jpeg else None):>12s}{cell(inbrowser['cpu_s_per_min']):>12s}"
        )
        print(
            f"{'bytes sent / s':34s}{cell(jpeg['bytes_per_s'] if jpeg else None, 0):>12s}{cell(inbrowser['bytes_per_s'], 0):>12s}"
        )
        if jpeg and inbrowser["cpu_s_per_min"] > 0:
            print(
                f"server CPU, JPEG / in-browser: {jpeg['cpu_s_per_min'] / inbrowser['cpu_s_per_min']:.1f}x; "
                f"bytes, JPEG / in-browser: {jpeg['bytes_per_s'] / max(inbrowser['bytes_per_s'], 1):.1f}x"
            )
        if jpeg_fps and inbrowser["frames_per_s"]:
            print(
                f"in-browser / JPEG frames per second: {inbrowser['frames_per_s'] / jpeg_fps:.2f}x"
            )
        where = (
            "CPU (WASM SIMD; WebGL is software here)"
            if inbrowser["cpu_inference"]
            else "GPU (WebGL)"
        )
        print(
            f"in-browser model ran on the {where}; failures: {inbrowser['failures']}; "
            f"landmark messages refused: {inbrowser['refused']}"
        )
        for reason, count in inbrowser["reasons"].items():
            print(f"  refused {count}: {reason}")
    elif inbrowser:
        print(f"in-browser path unavailable: {inbrowser['unavailable']}")


def run_parity(url: str) -> None:
    from playwright.sync_api import sync_playwright
    from tests.web.browser.pose_parity import run_parity as parity

    photos = sorted(p for p in (MEDIA / "images").iterdir() if p.suffix.lower() in (".jpg", ".png"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/camera-check")
        results = parity(page, photos)
        browser.close()
    agree = close = close_agree = 0
    distances = []
    print("gaps between the two models' body landmarks, in leg lengths; in_position verdicts")
    print(f"{'photo':52s}{'median':>8s}{'max':>8s}  python  browser")
    for r in results:
        gap, worst = r.distance, r.max_distance
        if gap is not None:
            distances.append(gap)
        same = r.in_position_python == r.in_position_browser
        agree += same
        if worst is not None and worst <= 0.10:
            close += 1
            close_agree += same
        print(
            f"{r.name:52s}{'-' if gap is None else f'{gap:.4f}':>8s}"
            f"{'-' if worst is None else f'{worst:.3f}':>8s}  {r.in_position_python!s:6s}  "
            f"{r.in_position_browser!s:6s}{'' if same else '  differs'}"
        )
    print(
        f"in_position agrees on {agree} of {len(results)} photos; median body-landmark gap "
        f"{statistics.median(distances):.4f} leg lengths (p95 {percentile(distances, 0.95):.4f}, "
        f"max {max(distances):.4f}); every landmark within 0.10 on {close} photos, "
        f"verdicts agree on {close_agree} of them"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="length of each run")
    parser.add_argument("--fps", type=int, default=30, help="frames per second the page offers")
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO, help="what the camera shows")
    parser.add_argument(
        "--path", choices=("jpeg", "browser", "both"), default="both", help="which path to run"
    )
    parser.add_argument(
        "--parity", action="store_true", help="every shared photo through both models instead"
    )
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
    try:
        if args.parity:
            run_parity(url)
            return 0
        duration_s = args.minutes * 60
        print(
            f"web latency: {args.minutes:g} min per path, fake camera 640x480 at 30 fps, page "
            f"sends up to {args.fps} fps; camera shows {photo.name if photo else 'a grey frame'}"
        )
        jpeg = inbrowser = None
        with sync_playwright() as playwright:
            if args.path in ("jpeg", "both"):
                jpeg = measure_jpeg_path(playwright, video, url, duration_s, args.fps)
                print_jpeg(jpeg)
            if args.path in ("browser", "both"):
                inbrowser = measure_browser_path(playwright, video, url, duration_s)
        print_side_by_side(jpeg, inbrowser)
    finally:
        server.should_exit = True
        thread.join(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
