"""The worker supervisor for real: ``run_workers`` in a process of its own, spawning real
worker processes (tests/jobs/worker_targets.py: each writes its pid into a folder and waits).
A worker killed with SIGKILL is replaced in its slot while the other keeps running; SIGTERM
lets the running jobs finish, kills a worker that outlives the grace time, and the
supervisor exits 0 with no worker left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = """
import sys
from hipflex.jobs.workers import run_workers
from tests.jobs.worker_targets import pid_in_slot

run_workers(
    2, pid_in_slot, (sys.argv[1], sys.argv[2]),
    restart_pause_s=0.1, check_every_s=0.05, stop_grace_s=float(sys.argv[3]),
)
print("supervisor done", flush=True)
"""
WAIT_S = 8.0  # a spawned worker starts in well under a second; this only bounds a failure


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_S} s for {what}")
        time.sleep(0.02)


def pids_in(folder: Path, slot: int) -> list[int]:
    """The pids written by the workers of ``slot``, in the order they started."""
    files = sorted(folder.glob(f"hipflex-worker-{slot}.*"), key=lambda f: f.stat().st_mtime_ns)
    return [int(f.suffix[1:]) for f in files]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Callable[[str, float], subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(mode: str, stop_grace_s: float) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
        process = subprocess.Popen(
            [sys.executable, "-c", SUPERVISOR, str(tmp_path), mode, str(stop_grace_s)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own group: a failed test kills all of it below
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def test_a_killed_worker_is_replaced_and_sigterm_lets_jobs_finish(
    supervisor: Callable[[str, float], subprocess.Popen[str]], tmp_path: Path
) -> None:
    process = supervisor("graceful", 5.0)
    wait_for(lambda: pids_in(tmp_path, 1) and pids_in(tmp_path, 2), "both workers to start")
    [first], [other] = pids_in(tmp_path, 1), pids_in(tmp_path, 2)

    os.kill(first, signal.SIGKILL)  # as the kernel's OOM killer would
    wait_for(lambda: len(pids_in(tmp_path, 1)) == 2, "a new worker in slot 1")
    replacement = pids_in(tmp_path, 1)[1]
    assert replacement != first
    assert not alive(first)
    assert alive(replacement)
    assert pids_in(tmp_path, 2) == [other] and alive(other)  # the other slot kept running

    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=WAIT_S)
    assert process.returncode == 0, out
    assert "worker 1 (pid" in out and "starting another" in out
    assert "supervisor done" in out
    # Each running job finished (its SIGTERM handler ran to the end), and no worker is left.
    assert {p.name for p in tmp_path.glob("*.finished")} == {
        f"{replacement}.finished",
        f"{other}.finished",
    }
    assert not alive(replacement) and not alive(other)


def test_a_worker_that_outlives_the_grace_time_is_killed(
    supervisor: Callable[[str, float], subprocess.Popen[str]], tmp_path: Path
) -> None:
    process = supervisor("stubborn", 0.5)
    wait_for(lambda: pids_in(tmp_path, 1) and pids_in(tmp_path, 2), "both workers to start")
    pids = pids_in(tmp_path, 1) + pids_in(tmp_path, 2)

    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=WAIT_S)
    assert process.returncode == 0, out
    assert not any(alive(pid) for pid in pids)
    assert list(tmp_path.glob("*.finished")) == []  # they ignored SIGTERM: killed, not finished
