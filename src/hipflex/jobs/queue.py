"""The job queue, as the clinic's use cases see it: enqueue an analysis inside the caller's
transaction, and (on a worker) run the jobs with a handler.

Small on purpose, so another engine could replace Procrastinate: a broker-based one would
implement :class:`AnalysisQueue` with an outbox row written in ``tx`` and a relay, and
:class:`QueueWorker` with its consumer loop.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass


@dataclass(frozen=True)
class AnalysisJob:
    """Analyse the video with this SHA-256 with this analyzer version (a pure function of
    both, so running it twice writes the same result)."""

    sha256: str
    analyzer_version: str

    @property
    def key(self) -> str:
        """One waiting job per video and analyzer: a second enqueue is a no-op."""
        return f"video-analysis:{self.sha256}:{self.analyzer_version}"


@dataclass(frozen=True)
class Attempt:
    """Which run of a job this is: ``number`` counts from 1; ``last`` when a failure now
    will not be retried."""

    number: int
    last: bool


JobHandler = Callable[[AnalysisJob, Attempt], None]


class InTransaction(typing.Protocol):
    """The caller's open database transaction, which the job joins (same commit or none)."""

    def driver_connection(self) -> typing.Any:
        """The DB-API connection the transaction runs on (psycopg 3)."""
        ...

    def savepoint(self) -> AbstractContextManager[object]:
        """A nested transaction: a refused enqueue rolls back to it, not the whole unit."""
        ...


class AnalysisQueue(typing.Protocol):
    def enqueue(self, tx: InTransaction, job: AnalysisJob) -> bool:
        """Queue ``job`` in ``tx``; False when the same job is already waiting (nothing
        added)."""
        ...


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker process runs: heartbeat every ``heartbeat_s``; a job whose worker has
    not beaten for ``stalled_after_s`` (killed, machine lost) is put back in the queue, checked
    every ``sweep_every_s``."""

    heartbeat_s: float = 10.0
    stalled_after_s: float = 60.0
    sweep_every_s: float = 15.0
    poll_s: float = 5.0  # how often to look for jobs when no notification came


class QueueWorker(typing.Protocol):
    def run(self, handler: JobHandler, options: WorkerOptions) -> None:
        """Run jobs one at a time until SIGTERM / SIGINT (the running job finishes first)."""
        ...
