"""Jinja2 templates for the clinic's pages (autoescaped: names and notes are user text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hipflex import __version__
from hipflex.domain.clinic import Role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.metrics import percent

TEMPLATES_DIR = Path(__file__).with_name("templates")
# The session player's markup and figures are the home app's (web/templates/session_player.html):
# looked up there when the clinic has no template of that name.
HOME_TEMPLATES_DIR = Path(__file__).parent.parent / "web" / "templates"

templates = Jinja2Templates(directory=[str(TEMPLATES_DIR), str(HOME_TEMPLATES_DIR)])
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.filters["percent"] = percent
# Jinja's "capitalize" lower-cases the rest (names, "CSRF"); this only raises the first letter.
templates.env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]

NAV = {
    Role.ADMIN: [("/admin", "Staff"), ("/admin/audit", "Audit log"), ("/account", "Account")],
    Role.CLINICIAN: [
        ("/dashboard", "Patients"),
        ("/protocols", "Protocols"),
        ("/account", "Account"),
    ],
    Role.PATIENT: [("/me", "My plan"), ("/account", "Account")],
}


def render(
    request: Request,
    name: str,
    principal: Principal | None,
    *,
    status_code: int = 200,
    csrf_token: str | None = None,
    **values: Any,
) -> HTMLResponse:
    """A page with what every page needs: navigation for the role, the CSRF token."""
    token = csrf_token
    if token is None and principal is not None and principal.login is not None:
        token = principal.login.csrf_token
    return templates.TemplateResponse(
        request,
        name,
        {
            "me": principal.account if principal else None,
            "nav": NAV[principal.account.role] if principal else [],
            "path": request.url.path,
            "csrf_token": token or "",
            "version": __version__,
            **values,
        },
        status_code=status_code,
    )
