"""Worker processes: one per core by default, each running jobs one at a time; a process that
dies (killed, out of memory) is started again. More machines scale out by running more of
these against the same database (the queue hands each job to one worker).

Engine-agnostic: ``target(*args)`` is the whole life of one worker process (a module-level
function, since processes are spawned, not forked: a forked copy of a process that already
ran MediaPipe crashes).
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

RESTART_PAUSE_S = 2.0  # between a worker's death and its replacement
STOP_GRACE_S = 30.0  # SIGTERM lets the running job finish; after this it is killed (and retried)
CHECK_EVERY_S = 0.5


def run_workers(
    processes: int,
    target: Callable[..., None],
    args: tuple[Any, ...],
    *,
    on_event: Callable[[str], None] = print,
    restart_pause_s: float = RESTART_PAUSE_S,
    check_every_s: float = CHECK_EVERY_S,
    stop_grace_s: float = STOP_GRACE_S,
) -> None:
    """Run ``processes`` worker processes until SIGTERM / SIGINT, replacing any that die
    (checked every ``check_every_s``, restarted after ``restart_pause_s``). On the signal each
    worker gets SIGTERM and ``stop_grace_s`` to finish its job before it is killed."""
    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def start(slot: int) -> BaseProcess:
        process = context.Process(target=target, args=args, name=f"hipflex-worker-{slot}")
        process.start()
        on_event(f"worker {slot} started (pid {process.pid})")
        return process

    workers = [start(slot) for slot in range(1, processes + 1)]
    try:
        while not stopping:
            time.sleep(check_every_s)
            for index, process in enumerate(workers):
                if not process.is_alive() and not stopping:
                    on_event(
                        f"worker {index + 1} (pid {process.pid}) stopped with exit code "
                        f"{process.exitcode}; starting another"
                    )
                    time.sleep(restart_pause_s)
                    workers[index] = start(index + 1)
    finally:
        for process in workers:
            if process.is_alive() and process.pid is not None:
                process.terminate()  # SIGTERM: Procrastinate finishes the running job
        # One grace time for all of them, not one each (counted in checks: no clock read).
        for _ in range(math.ceil(stop_grace_s / check_every_s)):
            if not any(process.is_alive() for process in workers):
                break
            time.sleep(check_every_s)
        for process in workers:
            if process.is_alive():
                process.kill()
            process.join(5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
