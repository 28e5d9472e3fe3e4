"""Errors a person sees in the browser as a page of the app, not as raw JSON.

Under ``/api/`` (and the WebSocket and static files) errors stay as they were: JSON for the
scripts that call the API, plain text for a missing file. Everywhere else an HTTP error
(a mistyped address, a session deleted meanwhile, a form without its token) renders
``error.html`` with the same status code and headers, and links back into the app.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hipflex.web.templating import render

MACHINE_PATHS = ("/api/", "/static/", "/ws/")
TITLES = {
    400: "That request could not be used",
    403: "That was refused",
    404: "Page not found",
    405: "That cannot be done here",
    409: "That cannot be done now",
}


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(MACHINE_PATHS) or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    response = render(
        request,
        "error.html",
        status_code=exc.status_code,
        title=TITLES.get(exc.status_code, "Something went wrong"),
        detail=detail,
        not_found=exc.status_code == 404,
    )
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install_error_pages(app: FastAPI) -> None:
    """Render HTTP errors of the pages as HTML (see the module's docstring)."""
    app.add_exception_handler(StarletteHTTPException, _error_page)
