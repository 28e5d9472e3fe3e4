"""Local-only safety: the Host and Origin checks, CSRF tokens and response headers.

The app listens on loopback by default, but any web page the person visits can still make
their browser send requests to it. Three checks stop that:

* **Host**: a request must name the app by an allowed name (the loopback names, plus the
  names given to ``hipflex serve --host/--name``). A foreign name that resolves to the app's
  address (DNS rebinding) is refused before any route runs.
* **Origin**: a WebSocket handshake, and any state-changing request, must come from the app's
  own origin (scheme + its Host). Browsers label every request with ``Sec-Fetch-Site``, which
  no page can forge: ``cross-site`` and ``same-site`` (another port or subdomain) are refused
  whatever the Origin says. ``Origin: null`` (sandboxed frames, ``file:`` pages, or a form
  post under a ``no-referrer`` policy) is accepted only together with
  ``Sec-Fetch-Site: same-origin``.
* **CSRF token**: state-changing requests carry the app's token (a form field or the
  ``X-CSRF-Token`` header). Other origins cannot read it from our pages.

The scheme is the connection's own (``https`` when hipflex serves TLS itself), or, when the
app runs behind a reverse proxy on this machine, the proxy's ``X-Forwarded-Proto``; uvicorn's
``ProxyHeadersMiddleware`` applies it only to connections from loopback (see
``create_app(trusted_proxy=True)``). ``X-Forwarded-Host`` is never used: the proxy passes the
browser's Host header through, and the Host check applies to it.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(host_header: str) -> str:
    """``"127.0.0.1:8000"`` → ``"127.0.0.1"``; ``"[::1]:80"`` → ``"[::1]"``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.split(":", 1)[0]


def host_allowed(host_header: str | None, allowed: Iterable[str]) -> bool:
    if not host_header:
        return False
    return host_name(host_header) in set(allowed)


def origin_matches(origin: str | None, host_header: str | None, *, secure: bool = False) -> bool:
    """True when ``origin`` is exactly this app's own origin (scheme, host and port).

    ``secure``: the page was served over HTTPS (directly or through a trusted proxy).
    """
    if not origin or not host_header:
        return False
    scheme = "https" if secure else "http"
    return origin.strip().lower() == f"{scheme}://{host_header.strip().lower()}"


def same_origin_post(
    origin: str | None, sec_fetch_site: str | None, host_header: str | None, *, secure: bool
) -> tuple[bool, str]:
    """Whether a state-changing request comes from the app's own pages, and why not.

    A browser's ``Sec-Fetch-Site`` is trusted when present (pages cannot set it); ``Origin``
    must then match too, or be ``null`` with ``Sec-Fetch-Site: same-origin``. Requests
    without either header are not from a browser page and rely on the CSRF token alone.
    """
    site = (sec_fetch_site or "").strip().lower()
    if site and site not in ("same-origin", "none"):
        return False, "cross-origin request refused"
    if origin is None:
        return True, ""
    if origin.strip().lower() == "null":
        if site == "same-origin":
            return True, ""
        return False, "cross-origin request refused (Origin: null)"
    if origin_matches(origin, host_header, secure=secure):
        return True, ""
    return False, "cross-origin request refused"


def is_secure(scope: Scope) -> bool:
    """True when the browser reached the app over HTTPS (or WSS)."""
    return scope.get("scheme") in ("https", "wss")


def csrf_valid(sent: str | None, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent), expected)


# 'wasm-unsafe-eval' lets the in-browser pose model compile its WebAssembly (our own file);
# it allows no JavaScript eval. connect-src 'self' covers the page's own WebSocket (ws: and
# wss: to the page's host and port, CSP Level 3); nothing from the request (the Host header)
# is ever written into the policy, so no request can change it.
CONTENT_SECURITY_POLICY = (
    b"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    b"img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# Referrer-Policy same-origin: our own pages get the full referrer (so Chromium sends a real
# Origin on form posts: no-referrer made it send "Origin: null"), other sites get nothing.


class LocalOnlyMiddleware:
    """Refuses foreign Host headers and cross-origin WebSockets; adds security headers to
    every response, an error's 500 included."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = frozenset(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")
        if not host_allowed(host, self.allowed_hosts):
            await self._refuse(scope, receive, send, "unknown host: open hipflex at its own URL")
            return
        secure = is_secure(scope)
        if scope["type"] == "websocket":
            if not origin_matches(headers.get("origin"), host, secure=secure):
                await self._refuse(scope, receive, send, "cross-origin WebSocket refused")
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            allowed, reason = same_origin_post(
                headers.get("origin"), headers.get("sec-fetch-site"), host, secure=secure
            )
            if not allowed:
                await self._refuse(scope, receive, send, reason)
                return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *SECURITY_HEADERS],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's error middleware sits outside this one and would answer the 500
            # without these headers: answer it here, then let the error reach the log.
            if not started:
                response = PlainTextResponse("Internal Server Error", status_code=500)
                await response(scope, receive, send_with_headers)
            raise

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": reason})
            return
        response = PlainTextResponse(reason, status_code=403)
        await response(scope, receive, send)
