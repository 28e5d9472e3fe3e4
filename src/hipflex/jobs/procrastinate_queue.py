"""The job queue on Procrastinate: jobs live in the clinic's own PostgreSQL (no new service).

The only module that imports procrastinate. Enqueueing runs Procrastinate's own defer query on
the caller's psycopg connection (``configure(connection=...)``, its external-connection API),
inside a savepoint: the job commits with the upload row or not at all, and a job refused by the
queueing lock (the same video already waiting) rolls back only the savepoint.

Workers: one job at a time per process (``concurrency=1``: the analysis uses a whole core), a
heartbeat, and a sweep that puts the jobs of workers that stopped beating (SIGKILL, lost
machine) back in the queue (``get_stalled_jobs`` + ``retry_job``, the 3.x way; Procrastinate
does not retry stalled jobs by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import procrastinate
from procrastinate import exceptions
from procrastinate.schema import SchemaManager

from hipflex.jobs.queue import AnalysisJob, Attempt, InTransaction, JobHandler, WorkerOptions

TASK_NAME = "hipflex.analyse_video"
QUEUE_NAME = "videos"
# A job that raised is retried twice (after 10 s, then 100 s): a database restart or a full
# disk passes; a video that cannot be analysed is not an exception (the handler records why).
RETRIES = 2
RETRY = procrastinate.RetryStrategy(max_attempts=RETRIES, exponential_wait=10)

logger = logging.getLogger(__name__)


def install_schema_sql() -> str:
    """Procrastinate's schema, as the installed package ships it (run by migration c0004)."""
    return str(SchemaManager.get_schema())


def drop_schema_sql() -> str:
    """Remove every Procrastinate table, function and type (migration c0004's downgrade)."""
    return """
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT tablename FROM pg_tables
              WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%' LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.tablename);
  END LOOP;
  FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
              JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%' LOOP
    EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature);
  END LOOP;
  FOR item IN SELECT t.typname FROM pg_type t
              JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
                AND t.typtype IN ('e', 'c') LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
  END LOOP;
END $$;
"""


def libpq_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy's form) as a plain ``postgresql://`` URL."""
    scheme, sep, rest = sqlalchemy_url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgresql") else sqlalchemy_url


class ProcrastinateQueue:
    """:class:`~hipflex.jobs.queue.AnalysisQueue` and the worker, on a Procrastinate app.

    ``connector``: Procrastinate's ``SyncPsycopgConnector`` to enqueue (its pool is never
    opened: every job goes through the caller's connection), ``PsycopgConnector`` for a worker,
    ``procrastinate.testing.InMemoryConnector`` in unit tests.
    """

    def __init__(self, connector: procrastinate.BaseConnector | None = None) -> None:
        self.app = procrastinate.App(connector=connector or procrastinate.SyncPsycopgConnector())
        self._handler: JobHandler | None = None

        @self.app.task(name=TASK_NAME, queue=QUEUE_NAME, pass_context=True, retry=RETRY)
        def analyse_video(
            context: procrastinate.JobContext, sha256: str, analyzer_version: str
        ) -> None:
            if self._handler is None:
                raise RuntimeError("this queue has no job handler (it only enqueues)")
            done_before = context.job.attempts
            self._handler(
                AnalysisJob(sha256, analyzer_version),
                Attempt(number=done_before + 1, last=done_before >= RETRIES),
            )

        self.task = analyse_video

    # ---- enqueueing ------------------------------------------------------------------------

    def enqueue(self, tx: InTransaction, job: AnalysisJob) -> bool:
        try:
            with tx.savepoint():
                self.task.configure(
                    connection=tx.driver_connection(),
                    queueing_lock=job.key,  # one waiting job per video and analyzer
                    lock=job.key,  # and never two running at once
                ).defer(sha256=job.sha256, analyzer_version=job.analyzer_version)
        except exceptions.AlreadyEnqueued:
            return False
        return True

    # ---- the worker ------------------------------------------------------------------------

    def set_handler(self, handler: JobHandler) -> None:
        self._handler = handler

    def run(self, handler: JobHandler, options: WorkerOptions) -> None:
        """Run jobs until SIGTERM / SIGINT (see :class:`~hipflex.jobs.queue.QueueWorker`)."""
        self.set_handler(handler)
        asyncio.run(self._run(options))

    async def _run(self, options: WorkerOptions) -> None:
        async with self.app.open_async():
            sweeper = asyncio.create_task(self._sweep_forever(options))
            try:
                await self.app.run_worker_async(
                    queues=[QUEUE_NAME],
                    concurrency=1,
                    update_heartbeat_interval=options.heartbeat_s,
                    stalled_worker_timeout=options.stalled_after_s,
                    fetch_job_polling_interval=options.poll_s,
                    delete_jobs="successful",
                    install_signal_handlers=True,
                )
            finally:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper

    async def _sweep_forever(self, options: WorkerOptions) -> None:
        while True:
            try:
                await self.retry_stalled(options.stalled_after_s)
            except exceptions.ProcrastinateException as exc:  # database away: next round
                logger.warning("could not look for stalled jobs: %s", exc)
            await asyncio.sleep(options.sweep_every_s)

    async def retry_stalled(self, stalled_after_s: float) -> int:
        """Put back in the queue the running jobs of workers silent for ``stalled_after_s``;
        returns how many. Several workers may sweep at once: a job another one already put
        back is skipped."""
        manager = self.app.job_manager
        retried = 0
        for job in await manager.get_stalled_jobs(
            task_name=TASK_NAME, seconds_since_heartbeat=stalled_after_s
        ):
            try:
                await manager.retry_job(job)
            except exceptions.ProcrastinateException:
                continue  # not 'doing' any more: someone else retried or finished it
            logger.warning("job %s of a stalled worker is queued again", job.id)
            retried += 1
        return retried


def worker_queue(database_url: str) -> ProcrastinateQueue:
    """A queue for a worker process over the clinic database (a small pool of its own)."""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_dsn(database_url),
        min_size=1,
        max_size=3,
        kwargs={"application_name": "hipflex-clinic-worker"},
    )
    return ProcrastinateQueue(connector)
