"""``hipflex clinic worker``: the processes that analyse uploaded videos (the composition of
one worker process: storage, the analysis use case, the analyzer and the queue)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from hipflex.cli.runtime import wall_clock
from hipflex.domain.clock import Clock
from hipflex.errors import HipflexError

LOG_FORMAT = "%(asctime)s worker %(process)d: %(message)s"


def worker_log_stream() -> logging.StreamHandler:  # type: ignore[type-arg]
    """A log handler on a copy of file descriptor 2 taken now. Video analysis mutes descriptor
    2 while MediaPipe runs (its native log lines); the worker's own lines must still show."""
    stream = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    return handler


def worker_process(
    database_url: str, data_dir: Path, keep_videos: bool, options: object, clock: Clock
) -> None:
    """The whole life of one worker process (spawned by ``jobs.workers.run_workers``)."""
    from hipflex.jobs.analyzer import analyze_uploaded_video
    from hipflex.jobs.procrastinate_queue import worker_queue
    from hipflex.jobs.queue import AnalysisJob, Attempt, WorkerOptions
    from hipflex.services.clinic.video_analysis import VideoAnalysis
    from hipflex.services.clinic.video_files import VideoFiles
    from hipflex.storage.clinic.database import create_clinic_engine
    from hipflex.storage.clinic.store import ClinicStore
    from hipflex.storage.clinic.video_repo import VideoStore

    assert isinstance(options, WorkerOptions)
    logging.basicConfig(level=logging.WARNING, handlers=[worker_log_stream()])
    engine = create_clinic_engine(database_url, pool_size=2, max_overflow=2)
    analysis = VideoAnalysis(
        VideoStore(ClinicStore(engine)),
        VideoFiles(data_dir).ensure(),
        analyze_uploaded_video,
        clock,
        keep_videos=keep_videos,
    )

    def handle(job: AnalysisJob, attempt: Attempt) -> None:
        analysis.run(job, attempt)

    try:
        worker_queue(database_url).run(handle, options)
    finally:
        engine.dispose()


def worker(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="HIPFLEX_CLINIC_DATABASE_URL",
            help="PostgreSQL URL (or $HIPFLEX_CLINIC_DATABASE_URL): the clinic's database.",
            show_envvar=False,
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="HIPFLEX_CLINIC_DATA_DIR",
            help="Where uploads and annotated videos are kept (the same as `serve`'s; "
            "workers on other machines mount it).",
            show_envvar=False,
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes", min=1, max=64, help="Worker processes (default: one per core)."
        ),
    ] = None,
    keep_videos: Annotated[
        bool, typer.Option("--keep-videos", help="Keep uploads after analysis (default: delete).")
    ] = False,
    heartbeat_s: Annotated[
        float, typer.Option(min=0.2, help="Seconds between a worker's heartbeats.")
    ] = 10.0,
    stalled_after_s: Annotated[
        float,
        typer.Option(
            min=1.0, help="A job whose worker was silent this long is run again by another."
        ),
    ] = 60.0,
) -> None:
    """Analyse uploaded videos: run worker processes until Ctrl-C / SIGTERM."""
    from hipflex.cli.clinic_cmd import _engine, clinic_data_dir

    engine = _engine(database_url)
    try:
        from hipflex.jobs.queue import WorkerOptions
        from hipflex.jobs.workers import run_workers
        from hipflex.storage.clinic.database import check_ready, location, resolve_url

        check_ready(engine)
        url = resolve_url(database_url or os.environ.get("HIPFLEX_CLINIC_DATABASE_URL"))
        where = location(engine)
    except ImportError as exc:
        raise HipflexError(
            f"the clinic worker needs extra packages ({exc.name or exc} is missing)",
            hint="pip install 'hipflex[clinic]'",
        ) from None
    finally:
        engine.dispose()
    if stalled_after_s < 3 * heartbeat_s:
        raise HipflexError("--stalled-after-s must be at least 3 heartbeats (--heartbeat-s)")
    folder = clinic_data_dir(data_dir)
    count = processes or os.cpu_count() or 1
    options = WorkerOptions(
        heartbeat_s=heartbeat_s,
        stalled_after_s=stalled_after_s,
        sweep_every_s=max(1.0, stalled_after_s / 4),
        poll_s=min(5.0, heartbeat_s),
    )
    typer.echo(
        f"hipflex clinic worker: {count} process{'es' if count > 1 else ''} on {where}, "
        f"files in {folder}  (Ctrl-C to stop)",
    )
    run_workers(
        count,
        worker_process,
        (url, folder, keep_videos, options, wall_clock(ctx)),
        on_event=lambda line: typer.echo(line),
    )
    typer.echo("hipflex clinic worker stopped")
