"""Who is asking: the session cookie (pages and the API) or a device's bearer token (API).

The cookie is ``__Host-hipflex-session``: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain
(the ``__Host-`` prefix makes browsers enforce the last two). Browsers accept Secure cookies
from ``http://localhost`` and ``http://127.0.0.1`` (both count as secure contexts), so a
clinic on loopback works without HTTPS for trying it out; anywhere else it must be HTTPS.

State-changing requests with the cookie must carry the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``). Before login (the login and invite forms) the
token is a random ``__Host-hipflex-csrf`` cookie repeated in the form (double submit).
Bearer requests need no CSRF token: a browser never adds that header by itself.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from hipflex.clinic.context import clinic_context
from hipflex.services.clinic.accounts import ABSOLUTE_TIMEOUT, Principal
from hipflex.services.clinic.errors import AuthFailed, Forbidden
from hipflex.services.clinic.tokens import new_token
from hipflex.web.security import CSRF_FIELD, CSRF_HEADER, csrf_valid

SESSION_COOKIE = "__Host-hipflex-session"
PRE_LOGIN_CSRF_COOKIE = "__Host-hipflex-csrf"
CSRF_REFUSED = "the form was out of date (CSRF check failed): reload the page and try again"


class LoginRequired(Exception):
    """A page needs a logged-in person; the edge redirects to the login page."""


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def pre_login_csrf(request: Request, response: Response) -> str:
    """The pre-login CSRF token, set as a cookie when the browser has none yet."""
    token = request.cookies.get(PRE_LOGIN_CSRF_COOKIE)
    if not token or len(token) > 100:
        token = new_token()
        response.set_cookie(
            PRE_LOGIN_CSRF_COOKIE, token, path="/", secure=True, httponly=True, samesite="lax"
        )
    return token


def current_principal(request: Request) -> Principal | None:
    """The person behind the request (cached on the request), or None."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    context = clinic_context(request)
    now = context.now()
    principal: Principal | None = None
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            principal = context.accounts.from_bearer(token.strip(), now)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = context.accounts.from_session_cookie(cookie, now)
    request.state.principal = principal
    return principal


def page_principal(request: Request) -> Principal:
    """For pages: the logged-in person, or a redirect to the login page."""
    principal = current_principal(request)
    if principal is None or principal.login is None:
        raise LoginRequired()
    return principal


def api_principal(request: Request) -> Principal:
    """For the API: the person (cookie or bearer), or 401."""
    principal = current_principal(request)
    if principal is None:
        raise AuthFailed("log in, or send a valid device token (Authorization: Bearer ...)")
    return principal


async def check_csrf(request: Request, principal: Principal | None) -> None:
    """Refuse a state change whose CSRF token is missing or wrong (cookie requests only)."""
    if principal is not None and not principal.needs_csrf:
        return
    expected = (
        principal.login.csrf_token
        if principal is not None and principal.login is not None
        else request.cookies.get(PRE_LOGIN_CSRF_COOKIE, "")
    )
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not csrf_valid(sent, expected):
        raise Forbidden(CSRF_REFUSED)


def client_address(request: Request) -> str:
    """The client's address (uvicorn fills it from X-Forwarded-For when Caddy is trusted)."""
    return request.client.host if request.client else "unknown"
