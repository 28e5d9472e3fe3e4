"""Worker bodies for tests/jobs/test_workers.py, in a module of their own: the supervisor
spawns its workers, and a spawned process imports its target by module name (a test module
would drag pytest into every worker)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path
from types import FrameType

JOB_FINISH_S = 0.3  # what "finishing the running job" takes after SIGTERM


def pid_in_slot(directory: str, mode: str) -> None:
    """Write ``<slot name>.<pid>`` into ``directory``, then wait as if running a job.

    ``mode`` "graceful": SIGTERM finishes the job (``JOB_FINISH_S``), writes
    ``<pid>.finished`` and exits 0, as Procrastinate's worker does. "stubborn": SIGTERM is
    ignored, so only the supervisor's kill after its grace time ends it."""
    folder = Path(directory)

    def finish(_signum: int, _frame: FrameType | None) -> None:
        time.sleep(JOB_FINISH_S)
        (folder / f"{os.getpid()}.finished").touch()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, finish if mode == "graceful" else signal.SIG_IGN)
    name = multiprocessing.current_process().name  # hipflex-worker-<slot>
    (folder / f"{name}.{os.getpid()}").touch()
    while True:
        time.sleep(0.05)
