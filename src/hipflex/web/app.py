"""The app factory: ``create_app(data_dir)`` builds the whole web app, ready for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hipflex.domain.clock import Clock, SystemClock
from hipflex.settings import resolve_data_dir
from hipflex.storage.db import open_database
from hipflex.web.camera_bridge import EstimatorFactory
from hipflex.web.context import LOOPBACK_HOSTS, WebContext
from hipflex.web.routes.api import router as api_router
from hipflex.web.routes.live import router as live_router
from hipflex.web.routes.pages import router as pages_router
from hipflex.web.security import LocalOnlyMiddleware

STATIC_DIR = Path(__file__).with_name("static")


def create_app(
    data_dir: Path | None = None,
    *,
    speed: float = 1.0,
    allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
    estimator_factory: EstimatorFactory | None = None,
    clock_factory: Callable[[], Clock] | None = None,
    database_url: str | None = None,
) -> FastAPI:
    """The hipflex web app over the history in ``data_dir`` (default: the user data dir).

    ``speed`` > 1 runs session clocks that many times faster (tests and demos only);
    ``estimator_factory`` replaces MediaPipe (tests feed synthetic poses); ``clock_factory``
    replaces the session clock. Raises ``DataDirError`` / ``DatabaseError`` when the data dir
    or history cannot be used, before anything is served.
    """
    if speed <= 0:
        raise ValueError("speed must be positive")
    directory = resolve_data_dir(data_dir)
    database = open_database(directory, url=database_url)
    context = WebContext(
        data_dir=directory,
        database=database,
        clock=SystemClock(),  # the composition root: the one wall clock every handler uses
        speed=speed,
        allowed_hosts=frozenset(allowed_hosts),
        estimator_factory=estimator_factory,
        clock_factory=clock_factory,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Ctrl-C: a session still running is ended as partial before the history closes.
            context.live.stop_all("shutdown")
            database.close()

    app = FastAPI(
        title="hipflex", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.context = context
    app.add_middleware(LocalOnlyMiddleware, allowed_hosts=context.allowed_hosts)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages_router)
    app.include_router(api_router)
    app.include_router(live_router)
    return app
