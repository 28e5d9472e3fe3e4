"""The clinic server's app factory: ``create_clinic_app(store, public_url)``, ready for uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hipflex import __version__
from hipflex.clinic.auth import LoginRequired, current_principal
from hipflex.clinic.context import ClinicContext
from hipflex.clinic.routes.account_pages import router as account_router
from hipflex.clinic.routes.api import health_router
from hipflex.clinic.routes.api import router as api_router
from hipflex.clinic.routes.device import device_router, link_router, pages_router
from hipflex.clinic.routes.patient_pages import router as patient_router
from hipflex.clinic.routes.player import router as player_router
from hipflex.clinic.routes.staff_pages import router as staff_router
from hipflex.clinic.routes.videos import FORM_OVERHEAD_BYTES, VIDEO_UPLOAD_PATH
from hipflex.clinic.routes.videos import router as videos_router
from hipflex.clinic.security import ClinicSecurityMiddleware
from hipflex.clinic.templating import render
from hipflex.domain.clock import Clock, SystemClock
from hipflex.services.clinic.errors import ClinicError, InvalidInput, RateLimited
from hipflex.services.clinic.video_files import VideoSettings
from hipflex.storage.clinic.database import DatabaseUnavailable
from hipflex.storage.clinic.store import ClinicStore
from hipflex.web.app import STATIC_DIR as HOME_STATIC_DIR

CLINIC_STATIC_DIR = Path(__file__).with_name("static")
UNAVAILABLE = (
    "the clinic's database is unavailable right now; nothing was changed. Try again in a minute."
)


def create_clinic_app(
    store: ClinicStore,
    public_url: str,
    *,
    clock: Clock | None = None,
    demo_speed: float = 1.0,
    video_settings: VideoSettings | None = None,
) -> FastAPI:
    """The clinic web app over ``store`` (a migrated clinic database; closed at shutdown).

    ``public_url`` is the address people use (``https://clinic.example.org``): only requests
    for its host are served, state changes must come from its origin, and invite links use
    it. ``clock`` replaces the wall clock (tests). ``video_settings`` (the data dir) turns on
    video uploads (docs/clinic-videos.md). ``demo_speed`` > 1 runs the patients' session player
    that many times faster (demos and tests; never on a real clinic).
    """
    if demo_speed <= 0:
        raise ValueError("demo_speed must be positive")
    context = ClinicContext.build(
        store, clock or SystemClock(), public_url, video_settings, player_speed=demo_speed
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Sessions still running end as partial (their holds are saved) before the
            # database closes.
            context.players.stop_all()
            store.close()

    app = FastAPI(
        title="hipflex clinic",
        version=__version__,
        summary="Prescriptions, patients' sessions and pain, and the clinician's dashboard.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load scripts from a CDN; the schema is enough
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.clinic = context
    app.add_middleware(
        ClinicSecurityMiddleware,
        public_url=public_url,
        upload_path=VIDEO_UPLOAD_PATH if video_settings else None,
        max_upload_bytes=video_settings.max_bytes + FORM_OVERHEAD_BYTES if video_settings else 0,
    )
    app.mount("/static/clinic", StaticFiles(directory=CLINIC_STATIC_DIR), name="clinic-static")
    app.mount("/static", StaticFiles(directory=HOME_STATIC_DIR), name="static")
    app.include_router(account_router)
    app.include_router(staff_router)
    app.include_router(patient_router)
    app.include_router(player_router)
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(link_router)
    app.include_router(device_router)
    app.include_router(pages_router)
    app.include_router(videos_router)
    _add_error_handlers(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: Exception) -> Response:
        # The whole local address, query included (/device?code=...), comes back after login.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)

    @app.exception_handler(ClinicError)
    async def clinic_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ClinicError)
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after_s)
        if exc.status == 401 and _is_api(request):
            headers["WWW-Authenticate"] = "Bearer"
        if _is_api(request):
            content: dict[str, Any]
            if isinstance(exc, InvalidInput):
                # The same shape as FastAPI's own validation errors, so clients see one kind.
                content = {
                    "detail": [
                        {"loc": ["body"], "msg": problem, "type": "value_error"}
                        for problem in exc.problems
                    ]
                }
            else:
                content = {"detail": exc.message}
            return JSONResponse(content, status_code=exc.status, headers=headers)
        return _error_page(request, exc.status, exc.message, headers)

    @app.exception_handler(DatabaseUnavailable)
    async def unavailable(request: Request, _exc: Exception) -> Response:
        return _unavailable(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        message = "page not found" if exc.status_code == 404 else str(exc.detail)
        return _error_page(request, exc.status_code, message, {})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)


def _unavailable(request: Request) -> Response:
    headers = {"Retry-After": "30"}
    if _is_api(request):
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503, headers=headers)
    return _error_page(request, 503, UNAVAILABLE, headers, look_up_principal=False)


def _error_page(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str],
    *,
    look_up_principal: bool = True,
) -> Response:
    principal = None
    if look_up_principal:
        try:
            principal = current_principal(request)
        except DatabaseUnavailable:
            principal = None
    response = render(
        request, "error.html", principal, status_code=status, status=status, message=message
    )
    response.headers.update(headers)
    return response
