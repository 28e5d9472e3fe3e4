"""The worker processes of ``hipflex clinic serve --workers N``.

uvicorn starts each worker as a fresh process and calls :func:`create_app_from_environment`
there; ``serve`` hands over the checked settings through the environment. This module is
light on purpose: the supervising process imports it without the app, so it stays small.
Everything that must hold across processes lives in the database (login sessions, device
tokens, lock-out counters, invites, the data versions the dashboard caches are keyed on).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from hipflex.services.clinic.video_files import VideoSettings

# Set by ``serve`` for its workers (not settings for people).
ENV_DATABASE_URL = "HIPFLEX_CLINIC_WORKER_DATABASE_URL"
ENV_PUBLIC_URL = "HIPFLEX_CLINIC_WORKER_PUBLIC_URL"
ENV_DEMO_SPEED = "HIPFLEX_CLINIC_WORKER_DEMO_SPEED"
ENV_VIDEOS = "HIPFLEX_CLINIC_WORKER_VIDEOS"  # the video settings, as JSON
FACTORY = "hipflex.clinic.workers:create_app_from_environment"


def hand_over(
    database_url: str, public_url: str, demo_speed: float, videos: VideoSettings | None
) -> str:
    """Put the settings where the workers find them; returns the factory's import path."""
    os.environ[ENV_DATABASE_URL] = database_url
    os.environ[ENV_PUBLIC_URL] = public_url
    os.environ[ENV_DEMO_SPEED] = repr(demo_speed)
    if videos is None:
        os.environ.pop(ENV_VIDEOS, None)
    else:
        os.environ[ENV_VIDEOS] = json.dumps(
            {"data_dir": str(videos.data_dir), "keep_videos": videos.keep_videos,
             "max_bytes": videos.max_bytes, "max_duration_s": videos.max_duration_s}
        )  # fmt: skip
    return FACTORY


def create_app_from_environment() -> FastAPI:
    """One worker's app: its own engine, pool and caches over the shared database."""
    from hipflex.clinic.app import create_clinic_app
    from hipflex.services.clinic.video_files import VideoSettings
    from hipflex.storage.clinic.database import create_clinic_engine
    from hipflex.storage.clinic.store import ClinicStore

    videos = None
    if ENV_VIDEOS in os.environ:
        settings = json.loads(os.environ[ENV_VIDEOS])
        settings["data_dir"] = Path(settings["data_dir"])
        videos = VideoSettings(**settings)
    engine = create_clinic_engine(os.environ[ENV_DATABASE_URL])
    return create_clinic_app(
        ClinicStore(engine),
        os.environ[ENV_PUBLIC_URL],
        demo_speed=float(os.environ.get(ENV_DEMO_SPEED, "1.0")),
        video_settings=videos,
    )
