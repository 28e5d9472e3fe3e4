"""Page load under 20 concurrent clients on a 1-year and a 5-year history (issue 10, item 3).

For each history length the bench writes a realistic history into a temporary data dir (about
one session a day, most completed, some partial or skipped days; four holds per side; a third
of them measured by the camera; pain before/after on most; a note now and then; pain
check-ins on many rest days), starts the real server (`hipflex serve --port 0`) on 127.0.0.1
in a subprocess, and runs two phases of ``--seconds`` each with ``--clients`` clients, every
client on its own keep-alive connection:

* baseline: every client loads ``/api/health`` (a trivial route: the server's own overhead);
* pages: every client loads ``/``, ``/history``, ``/history?page=2`` and ``/api/health`` in
  turn (what a person's browser loads);
* pages while writing: the same, while this process commits a pain check-in every
  ``--write-every`` seconds (as a session in another terminal commits its holds), so the
  pages are recomputed after each write instead of served from the cache.

It prints requests/s, p50 and p95 per page and overall, and two ratios measured in the same
run: the pages' p95 over the baseline's p95, and the 5-year p95 over the 1-year p95. Slow
requests that outlast the phase are awaited at most ``--timeout`` seconds and counted as
timed out, so the bench always stops by itself. Nothing is asserted.

Run:  .venv/bin/python bench/history_load.py                 (1 and 5 years, 10 s phases)
      .venv/bin/python bench/history_load.py --years 1 --seconds 5
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = ("/", "/history", "/history?page=2", "/api/health")
BASELINE = ("/api/health",)


@dataclass
class Results:
    """Latencies (s) per path, errors and timeouts, over one phase."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    timeouts: int = 0
    elapsed_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(path, []).append(seconds)

    def all(self) -> list[float]:
        return [s for values in self.latencies.values() for s in values]


def write_history(data_dir: Path, years: int, seed: int = 10) -> dict[str, int]:
    """A history of ``years`` years ending today in ``data_dir``; returns what was written."""
    from hipflex.domain.events import SessionStatus
    from hipflex.domain.protocol import Side
    from hipflex.domain.records import PainCheckInRecord
    from hipflex.insights.synthetic import synthetic_session
    from hipflex.storage.db import open_database

    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=365 * years)
    sessions, checkins = [], []
    day = first
    while day <= today:
        if rng.random() < 0.85:
            start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC) + timedelta(
                minutes=rng.randrange(0, 14 * 60)
            )
            camera = rng.random() < 0.35
            partial = rng.random() < 0.08
            before = rng.randint(1, 7) if rng.random() < 0.7 else None
            sessions.append(
                synthetic_session(
                    start,
                    counted_s=rng.uniform(12, 30) if partial else None,
                    status=SessionStatus.PARTIAL if partial else SessionStatus.COMPLETED,
                    extension_deg=(
                        {Side.RIGHT: rng.uniform(8, 22), Side.LEFT: rng.uniform(8, 22)}
                        if camera
                        else None
                    ),
                    pain_before=before,
                    pain_after=None if before is None else max(0, before - rng.randint(0, 2)),
                    note=(
                        rng.choice(["Tight after the run.", "Felt easier today.", "Knee sore."])
                        if rng.random() < 0.15
                        else None
                    ),
                )
            )
        elif rng.random() < 0.6:
            checkins.append(
                PainCheckInRecord(
                    f"bench-checkin-{day}",
                    day,
                    rng.randint(1, 7),
                    datetime(day.year, day.month, day.day, 20, tzinfo=UTC),
                )
            )
        day += timedelta(days=1)
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions, checkins)
    return {
        "sessions": len(sessions),
        "holds": sum(len(s.holds) for s in sessions),
        "checkins": len(checkins),
    }


def start_server(data_dir: Path) -> tuple[subprocess.Popen[str], int]:
    """``hipflex serve`` on 127.0.0.1, any free port; returns the process and the port."""
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "hipflex", "serve", "--port", "0", "--no-browser"),
            *("--data-dir", str(data_dir)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DISPLAY": ""},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        if match := re.search(r"http://127\.0\.0\.1:(\d+)/", line):
            # Drain the rest of its output so a chatty server never blocks on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, int(match.group(1))
    process.kill()
    raise SystemExit(f"the server did not start: {process.stdout.read()}")


def run_phase(
    port: int,
    paths: Sequence[str],
    clients: int,
    seconds: float,
    timeout_s: float,
    write: tuple[Path, float] | None = None,
) -> Results:
    """``clients`` threads, each loading ``paths`` in turn until ``seconds`` have passed;
    with ``write`` (data dir, interval), a check-in is committed every interval meanwhile."""
    results = Results()
    stop_at = time.monotonic() + seconds

    def writer(data_dir: Path, every_s: float) -> None:
        from hipflex.storage.db import open_database

        with open_database(data_dir) as database:
            value = 0
            while time.monotonic() < stop_at:
                time.sleep(every_s)
                now = datetime.now(UTC)
                database.repository.record_pain_checkin(now.date(), value % 11, now)
                value += 1

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
        turn = offset
        while time.monotonic() < stop_at:
            path = paths[turn % len(paths)]
            turn += 1
            began = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
            except TimeoutError:
                results.timeouts += 1
                return
            except (OSError, http.client.HTTPException):
                results.errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
                continue
            if response.status != 200:
                results.errors += 1
            results.add(path, time.perf_counter() - began)
        connection.close()

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    if write is not None:
        threads.append(threading.Thread(target=writer, args=write, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout_s + 5)
    results.elapsed_s = time.monotonic() - began
    return results


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(title: str, results: Results) -> float | None:
    """Print one phase's table; returns its overall p95 (s), None without a response."""
    print(f"  {title}: {results.elapsed_s:.1f} s", end="")
    print(f", {results.errors} errors, {results.timeouts} timed out")
    print(f"    {'page':<18}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}")
    rows = [*sorted(results.latencies.items()), ("overall", results.all())]
    for path, values in rows:
        if not values:
            continue
        print(
            f"    {path:<18}{len(values):>9}{len(values) / results.elapsed_s:>9.1f}"
            f"{statistics.median(values) * 1000:>9.0f}{percentile(values, 0.95) * 1000:>9.0f}"
        )
    every = results.all()
    return percentile(every, 0.95) if every else None


def bench_history(years: int, args: argparse.Namespace) -> float | None:
    with tempfile.TemporaryDirectory(prefix="hipflex-load-") as tmp:
        data_dir = Path(tmp)
        began = time.perf_counter()
        written = write_history(data_dir, years)
        print(
            f"{years}-year history: {written['sessions']} sessions, {written['holds']} holds, "
            f"{written['checkins']} pain check-ins (written in {time.perf_counter() - began:.1f} s)"
        )
        process, port = start_server(data_dir)
        try:
            run_phase(port, PAGES, 2, 1.0, args.timeout)  # warm up: imports, templates
            baseline = run_phase(port, BASELINE, args.clients, args.seconds, args.timeout)
            base_p95 = report(f"baseline {BASELINE[0]}", baseline)
            pages = run_phase(port, PAGES, args.clients, args.seconds, args.timeout)
            pages_p95 = report("pages", pages)
            writing = run_phase(
                port, PAGES, args.clients, args.seconds, args.timeout, (data_dir, args.write_every)
            )
            report(f"pages, a write every {args.write_every:g} s", writing)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if pages_p95 is not None and base_p95:
            print(f"    ratio: pages p95 / baseline p95 = {pages_p95 / base_p95:.1f}")
        return pages_p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="per request, after which it counts lost"
    )
    parser.add_argument("--write-every", type=float, default=1.0, help="seconds, third phase")
    args = parser.parse_args()
    print(f"{args.clients} clients, {args.seconds:g} s per phase, loopback\n")
    p95s = {years: bench_history(years, args) for years in args.years}
    known = {years: p95 for years, p95 in p95s.items() if p95}
    if len(known) > 1:
        shortest = min(known)
        for years, p95 in sorted(known.items()):
            if years != shortest:
                ratio = p95 / known[shortest]
                print(f"ratio: {years}-year p95 / {shortest}-year p95 = {ratio:.2f}")


if __name__ == "__main__":
    main()
