"""Jinja2 templates with autoescaping on: notes and protocol text are user text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.requests import HTTPConnection

from hipflex import __version__
from hipflex.web.context import WebContext

TEMPLATES_DIR = Path(__file__).with_name("templates")
FIGURES = {"kneeling": "kneeling", "prone": "prone", "standing": "standing"}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True  # every template, whatever its file name (.svg included)
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

NAV = [
    ("/", "Today"),
    ("/session", "Session"),
    ("/history", "History"),
    ("/protocols", "Protocols"),
    ("/settings", "Settings"),
]


def web_context(connection: HTTPConnection) -> WebContext:
    """The app's :class:`WebContext` (for a request or a WebSocket)."""
    context: WebContext = connection.app.state.context
    return context


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render a page with what every page needs (navigation, CSRF token, version)."""
    context = web_context(request)
    return templates.TemplateResponse(
        request,
        name,
        {
            "nav": NAV,
            "path": request.url.path,
            "csrf_token": context.csrf_token,
            "version": __version__,
            **values,
        },
        status_code=status_code,
    )
