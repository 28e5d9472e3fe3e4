"""The app factory: ``create_app(data_dir)`` builds the whole web app, ready for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hipflex.domain.clock import Clock, SystemClock
from hipflex.settings import resolve_data_dir
from hipflex.storage.db import open_database
from hipflex.web.camera_bridge import EstimatorFactory
from hipflex.web.context import LOOPBACK_HOSTS, WebContext
from hipflex.web.error_pages import install_error_pages
from hipflex.web.routes.api import router as api_router
from hipflex.web.routes.camera_check import router as camera_check_router
from hipflex.web.routes.live import router as live_router
from hipflex.web.routes.pages import router as pages_router
from hipflex.web.security import LocalOnlyMiddleware
from hipflex.web.validation_errors import validation_error_response

STATIC_DIR = Path(__file__).with_name("static")
# A reverse proxy is trusted only on this machine: its X-Forwarded-Proto says whether the
# browser used HTTPS. From any other address the headers are ignored.
LOOPBACK_PROXIES = ["127.0.0.1", "::1"]


def create_app(
    data_dir: Path | None = None,
    *,
    speed: float = 1.0,
    allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
    estimator_factory: EstimatorFactory | None = None,
    clock_factory: Callable[[], Clock] | None = None,
    database_url: str | None = None,
    trusted_proxy: bool = False,
    clock: Clock | None = None,
) -> FastAPI:
    """The hipflex web app over the history in ``data_dir`` (default: the user data dir).

    ``speed`` > 1 runs session clocks that many times faster (tests and demos only);
    ``estimator_factory`` replaces MediaPipe (tests feed synthetic poses); ``clock_factory``
    replaces the session clock; ``clock`` replaces the wall clock the pages count days by
    (tests pin it to a date, so no page depends on the hour a test runs). ``allowed_hosts`` are
    the names browsers may use for the app (Host header); ``trusted_proxy`` honours
    ``X-Forwarded-Proto`` from a reverse proxy on loopback (docs/https.md). Raises ``DataDirError`` / ``DatabaseError`` when the data dir
    or history cannot be used, before anything is served.
    """
    if speed <= 0:
        raise ValueError("speed must be positive")
    directory = resolve_data_dir(data_dir)
    database = open_database(directory, url=database_url)
    context = WebContext(
        data_dir=directory,
        database=database,
        clock=clock or SystemClock(),  # the composition root: the one wall clock every handler uses
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
    app.add_exception_handler(RequestValidationError, validation_error_response)
    app.add_middleware(LocalOnlyMiddleware, allowed_hosts=context.allowed_hosts)
    if trusted_proxy:
        # Added last, so it runs first: the Origin check sees the browser's scheme.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=LOOPBACK_PROXIES)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages_router)
    app.include_router(api_router)
    app.include_router(live_router)
    app.include_router(camera_check_router)
    install_error_pages(app)  # HTML error pages, JSON under /api/
    return app
