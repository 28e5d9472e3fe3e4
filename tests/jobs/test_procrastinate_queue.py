"""The Procrastinate adapter on its in-memory connector: enqueueing joins the caller's
transaction, the queueing lock de-duplicates, and the worker hands jobs to the handler.

Each test body runs in a thread of its own: Procrastinate's sync calls (and ``asyncio.run``)
refuse a thread with a running event loop, which the session's Playwright leaves in the main
thread when the browser tests ran first."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ParamSpec, TypeVar

import pytest
from procrastinate import testing

from hipflex.jobs.procrastinate_queue import QUEUE_NAME, RETRIES, TASK_NAME, ProcrastinateQueue
from hipflex.jobs.queue import AnalysisJob, Attempt

P = ParamSpec("P")
R = TypeVar("R")


def in_a_thread(test: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(test, *args, **kwargs).result()

    return run


class FakeTransaction:
    def __init__(self) -> None:
        self.savepoints = 0
        self.connection = object()

    def driver_connection(self) -> Any:
        return self.connection

    def savepoint(self) -> AbstractContextManager[object]:
        self.savepoints += 1
        return nullcontext()


@pytest.fixture
def connector() -> testing.InMemoryConnector:
    return testing.InMemoryConnector()


@pytest.fixture
def queue(connector: testing.InMemoryConnector) -> ProcrastinateQueue:
    return ProcrastinateQueue(connector)


JOB = AnalysisJob("a" * 64, "v1")


@in_a_thread
def test_enqueue_writes_one_job_with_its_locks_in_a_savepoint(
    queue: ProcrastinateQueue, connector: testing.InMemoryConnector
) -> None:
    queue.app.open()
    tx = FakeTransaction()
    assert queue.enqueue(tx, JOB) is True
    assert tx.savepoints == 1
    (job,) = connector.jobs.values()
    assert job["task_name"] == TASK_NAME
    assert job["queue_name"] == QUEUE_NAME
    assert job["args"] == {"sha256": JOB.sha256, "analyzer_version": "v1"}
    assert job["queueing_lock"] == JOB.key
    assert job["lock"] == JOB.key
    assert job["status"] == "todo"


@in_a_thread
def test_the_same_video_waiting_is_not_queued_twice(
    queue: ProcrastinateQueue, connector: testing.InMemoryConnector
) -> None:
    queue.app.open()
    assert queue.enqueue(FakeTransaction(), JOB) is True
    assert queue.enqueue(FakeTransaction(), JOB) is False
    assert queue.enqueue(FakeTransaction(), AnalysisJob("b" * 64, "v1")) is True
    assert queue.enqueue(FakeTransaction(), AnalysisJob("a" * 64, "v2")) is True
    assert len(connector.jobs) == 3


@in_a_thread
def test_the_worker_hands_each_job_to_the_handler_once(
    queue: ProcrastinateQueue, connector: testing.InMemoryConnector
) -> None:
    seen: list[tuple[AnalysisJob, Attempt]] = []
    queue.app.open()
    queue.enqueue(FakeTransaction(), JOB)
    queue.enqueue(FakeTransaction(), JOB)  # de-duplicated
    queue.set_handler(lambda job, attempt: seen.append((job, attempt)))
    asyncio.run(queue.app.run_worker_async(queues=[QUEUE_NAME], wait=False))
    assert seen == [(JOB, Attempt(number=1, last=False))]
    assert [j["status"] for j in connector.jobs.values()] == ["succeeded"]


@in_a_thread
def test_a_failing_job_is_retried_and_told_when_it_is_the_last_try(
    queue: ProcrastinateQueue, connector: testing.InMemoryConnector
) -> None:
    attempts: list[Attempt] = []

    def failing(_job: AnalysisJob, attempt: Attempt) -> None:
        attempts.append(attempt)
        raise RuntimeError("database away")

    queue.set_handler(failing)
    queue.app.open()
    queue.enqueue(FakeTransaction(), JOB)
    (job_id,) = connector.jobs
    for _ in range(RETRIES + 1):
        connector.jobs[job_id]["scheduled_at"] = None  # do not wait for the retry delay
        asyncio.run(queue.app.run_worker_async(queues=[QUEUE_NAME], wait=False))
    assert attempts == [
        Attempt(1, False),
        Attempt(2, False),
        Attempt(3, True),
    ]
    assert connector.jobs[job_id]["status"] == "failed"


@in_a_thread
def test_a_stalled_job_is_put_back_in_the_queue(
    queue: ProcrastinateQueue, connector: testing.InMemoryConnector
) -> None:
    queue.app.open()
    queue.enqueue(FakeTransaction(), JOB)
    (job_id,) = connector.jobs
    connector.jobs[job_id]["status"] = "doing"  # taken by a worker that then died
    connector.jobs[job_id]["worker_id"] = None
    assert asyncio.run(queue.retry_stalled(30)) == 1
    assert connector.jobs[job_id]["status"] == "todo"
    assert asyncio.run(queue.retry_stalled(30)) == 0  # nothing left to put back
