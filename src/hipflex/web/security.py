"""Local-only safety: the Host and Origin checks, CSRF tokens and response headers.

The app listens on loopback, but any web page the person visits can still make their browser
send requests to it. Three checks stop that:

* **Host**: a request must name the app by a loopback name. A foreign name that resolves to
  127.0.0.1 (DNS rebinding) is refused before any route runs.
* **Origin**: a WebSocket handshake, and any state-changing request that carries an Origin,
  must come from the app's own origin (``http://`` + its Host).
* **CSRF token**: state-changing requests carry the app's token (a form field or the
  ``X-CSRF-Token`` header). Other origins cannot read it from our pages.
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


def origin_matches(origin: str | None, host_header: str | None) -> bool:
    """True when ``origin`` is exactly this app's own origin (scheme, host and port)."""
    if not origin or not host_header:
        return False
    return origin.strip().lower() == f"http://{host_header.strip().lower()}"


def csrf_valid(sent: str | None, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent), expected)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self' ws://{host}; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class LocalOnlyMiddleware:
    """Refuses foreign Host headers and cross-origin WebSockets; adds security headers."""

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
        if scope["type"] == "websocket":
            if not origin_matches(headers.get("origin"), host):
                await self._refuse(scope, receive, send, "cross-origin WebSocket refused")
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and not origin_matches(origin, host):
                await self._refuse(scope, receive, send, "cross-origin request refused")
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (
                        b"content-security-policy",
                        CONTENT_SECURITY_POLICY.format(host=host).encode(),
                    ),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403.
            await send({"type": "websocket.close", "code": 1008, "reason": reason})
            return
        response = PlainTextResponse(reason, status_code=403)
        await response(scope, receive, send)
