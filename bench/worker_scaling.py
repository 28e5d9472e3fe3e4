"""Video analysis on the job queue (issue 14): videos per minute with 1 and 2 worker processes.

The bench starts a throw-away PostgreSQL the way the test suite does (``tests/pg.py``:
Debian's ``initdb``/``pg_ctl`` in a temporary directory, 127.0.0.1 only), migrates one template
database and, for each worker count, copies it, uploads the same short real clips (from
``../shared/media/video``) through the clinic's own upload route (in-process), starts the real
``hipflex clinic worker --processes N`` and waits until every upload is analysed (bounded by
``--max-seconds``), then stops the worker with SIGTERM.

Printed per run: wall time from the worker's start to the last result (worker start-up
included: that is what a clinic sees), videos per minute, and the CPU seconds the worker
processes used per video (their rusage, collected when they exit; a figure that does not
depend on what else this shared machine runs). Then the ratio of 2 workers over 1 (videos per
minute), measured in the same run. Nothing is asserted.

Run:  .venv/bin/python bench/worker_scaling.py
      .venv/bin/python bench/worker_scaling.py --clips ucf101_v_Lunges_g18_c05.mp4 rnhrn_lunges.mp4
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media" / "video"
sys.path.insert(0, str(REPO))  # tests/pg.py and the clinic fixtures: the suite's set-up
DEFAULT_CLIPS = (
    "ucf101_v_Lunges_g18_c05.mp4",  # 10.2 s, 320x240
    "vid_techbusa_1.mp4",  # 8.7 s, 838x444
    "rnhrn_lunges.mp4",  # 6.3 s, 1280x720
)
# A fourth upload, so two workers get two videos each: the first clip with one byte appended
# (other bytes, so another analysis; the container still decodes the same frames).
EXTRA_COPY_OF = 0


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def upload_all(url: str, data_dir: Path, clips: list[Path]) -> None:
    """Upload every clip, plus a one-byte-longer copy of clip ``EXTRA_COPY_OF``."""
    from tests.clinic.conftest import PUBLIC_URL, build_world

    from hipflex.clinic.app import create_clinic_app
    from hipflex.services.clinic.video_files import VideoSettings
    from hipflex.storage.clinic.database import create_clinic_engine
    from hipflex.storage.clinic.store import ClinicStore

    engine = create_clinic_engine(url)
    try:
        app = create_clinic_app(
            ClinicStore(engine), PUBLIC_URL, video_settings=VideoSettings(data_dir)
        )
        patient = build_world(app, "bench").patient
        uploads = [(clip.name, clip.read_bytes()) for clip in clips]
        name, content = uploads[EXTRA_COPY_OF]
        uploads.append((f"copy-of-{name}", content + b"\0"))
        for name, content in uploads:
            response = patient.client.post(
                f"/patients/{patient.id}/videos",
                data={"csrf_token": patient.csrf},
                files={"video": (name, content, "video/mp4")},
            )
            if response.status_code != 303:
                raise SystemExit(f"upload of {name} failed: {response.status_code}")
    finally:
        engine.dispose()


def pending(url: str) -> tuple[int, int]:
    """(uploads not finished, uploads failed)."""
    import psycopg

    from hipflex.jobs.procrastinate_queue import libpq_dsn

    with psycopg.connect(libpq_dsn(url)) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE status IN ('queued', 'analysing')), "
            "count(*) FILTER (WHERE status = 'failed') FROM video_uploads"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def run(url: str, processes: int, clips: list[Path], max_s: float) -> tuple[float, float, int, int]:
    """(wall seconds, worker CPU seconds, videos finished, of which failed) for one worker
    count; unfinished videos (the run hit ``max_s``) are not counted."""
    data_dir = Path(tempfile.mkdtemp(prefix="hipflex-bench-videos-"))
    upload_all(url, data_dir, clips)
    cpu_before = children_cpu_s()
    started = time.monotonic()
    worker = subprocess.Popen(
        [sys.executable, "-m", "hipflex", "clinic", "worker", "--processes", str(processes),
         "--data-dir", str(data_dir), "--heartbeat-s", "2", "--stalled-after-s", "30"],
        env={**os.environ, "HIPFLEX_CLINIC_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        while (left := pending(url))[0] > 0:
            if time.monotonic() - started > max_s:
                print(f"  stopped after {max_s:.0f} s with {left[0]} videos left")
                break
            time.sleep(0.2)
        wall_s = time.monotonic() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    left, failed = pending(url)
    return wall_s, children_cpu_s() - cpu_before, len(clips) + 1 - left, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", nargs="+", default=list(DEFAULT_CLIPS))
    parser.add_argument("--max-seconds", type=float, default=75.0, help="per worker count")
    args = parser.parse_args(argv)
    clips = [MEDIA / name for name in args.clips]
    missing = [c.name for c in clips if not c.exists()]
    if missing:
        print(f"skipped: clips not found in {MEDIA}: {', '.join(missing)}")
        return 0

    import pwdlib.hashers.argon2 as argon2
    from pwdlib import PasswordHash
    from tests.pg import start_postgres

    from hipflex.services.clinic import passwords
    from hipflex.storage.clinic.database import create_clinic_engine, migrate

    # Cheap argon2 for the bench's accounts (as the tests do): no login is measured.
    passwords._hasher = PasswordHash((argon2.Argon2Hasher(time_cost=1, memory_cost=8192),))

    began = time.monotonic()
    seconds = sum(probe_s(c) for c in clips) + probe_s(clips[EXTRA_COPY_OF])
    videos = len(clips) + 1
    print(
        f"{videos} videos ({len(clips)} clips and a copy), {seconds:.1f} s of video in all; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (a shared machine)"
    )
    postgres = start_postgres()
    try:
        template = postgres.create_database("videos_template")
        engine = create_clinic_engine(postgres.url(template))
        migrate(engine)
        engine.dispose()
        per_minute: dict[int, float] = {}
        for processes in (1, 2):
            database = postgres.create_database("videos", template=template)
            wall_s, cpu_s, finished, failed = run(
                postgres.url(database), processes, clips, args.max_seconds
            )
            per_minute[processes] = finished / wall_s * 60
            per_video = f"{cpu_s / finished:.1f}" if finished else "-"
            print(
                f"{processes} worker process{'es' if processes > 1 else ''}: {finished} of "
                f"{videos} videos in {wall_s:.1f} s, {per_minute[processes]:.1f} videos/min, "
                f"{per_video} CPU s per video{f', {failed} failed' if failed else ''}"
            )
        if per_minute[1] > 0:
            print(f"ratio 2 workers / 1 worker: {per_minute[2] / per_minute[1]:.2f}x")
        print(f"load average now {os.getloadavg()[0]:.1f}")
    finally:
        postgres.stop()
    print(f"total: {time.monotonic() - began:.1f} s")
    return 0


def probe_s(clip: Path) -> float:
    from hipflex.vision.mediapipe_source import probe_video

    return float(probe_video(clip).duration_s)


if __name__ == "__main__":
    raise SystemExit(main())
