"""The clinic server's outer checks: Host, Origin, body size, and the security headers.

It reuses the home app's Host/CSRF helpers (``web/security.py``). What differs is that the
clinic has one public origin (``--public-url``, e.g. ``https://clinic.example.org`` behind
Caddy) instead of loopback names, serves health data (no caching, HSTS over HTTPS) and takes
bodies from the internet (a size cap).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hipflex.web.security import SAFE_METHODS, host_allowed

MAX_BODY_BYTES = 512 * 1024  # a session with 200 holds is ~80 KB of JSON

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
# The session player runs the pose model in the page: WebAssembly ('wasm-unsafe-eval' allows
# no JavaScript eval), the camera's picture (blob:, mediastream:), its own WebSocket (connect-src
# 'self' covers ws:/wss: to this origin). Only that page gets it.
PLAYER_PATH = "/me/session"
PLAYER_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


def public_origin(public_url: str) -> tuple[str, str]:
    """(origin, host name) of the public URL: ``https://a.example:8443/x`` →
    (``https://a.example:8443``, ``a.example``)."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {public_url!r}")
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{parts.netloc.lower()}", host


class ClinicSecurityMiddleware:
    """Refuses foreign hosts, cross-origin state changes and oversized bodies; adds headers."""

    def __init__(
        self,
        app: ASGIApp,
        public_url: str,
        max_body_bytes: int = MAX_BODY_BYTES,
        upload_path: re.Pattern[str] | None = None,
        max_upload_bytes: int = 0,
    ):
        self.app = app
        # Video uploads (docs/clinic-videos.md): a larger limit, declared up front (the server
        # reads no more than Content-Length), streamed to the route instead of held in memory.
        self.upload_path = upload_path
        self.max_upload_bytes = max_upload_bytes
        self.origin, host = public_origin(public_url)
        self.allowed_hosts = frozenset({host})
        self.https = self.origin.startswith("https://")
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not host_allowed(headers.get("host"), self.allowed_hosts):
            await _refuse(scope, receive, send, 403, "unknown host: open the clinic at its own URL")
            return
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None and origin.strip().lower() != self.origin:
                await _refuse(scope, receive, send, 403, "cross-origin request refused")
                return
            declared = headers.get("content-length")
            if self.upload_path is not None and self.upload_path.fullmatch(scope["path"]):
                if declared is None or not declared.isdigit():
                    await _refuse(scope, receive, send, 411, "send the upload's size")
                    return
                if int(declared) > self.max_upload_bytes:
                    limit_mb = self.max_upload_bytes / 1e6
                    await _refuse(
                        scope, receive, send, 413, f"the upload is larger than {limit_mb:.0f} MB"
                    )
                    return
            elif declared is not None and (
                not declared.isdigit() or int(declared) > self.max_body_bytes
            ):
                await _refuse(scope, receive, send, 413, self._too_large())
                return
            else:
                body = await _read_body(receive, self.max_body_bytes)
                if body is None:
                    await _refuse(scope, receive, send, 413, self._too_large())
                    return
                receive = _replay(body, receive)

        policy = (
            PLAYER_CONTENT_SECURITY_POLICY
            if scope["path"] == PLAYER_PATH
            else CONTENT_SECURITY_POLICY
        )
        extra = [
            (b"content-security-policy", policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            # Invite links carry their token in the path: never send it to another site.
            # Not "no-referrer": with it Chromium sends "Origin: null" on our own form posts,
            # which the Origin check above must refuse.
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(self), microphone=(), geolocation=()"),
        ]
        if self.https:
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        static = scope["path"].startswith("/static")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                added = list(extra)
                if not static:  # patients' data must not sit in shared caches
                    added.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket handshake must name our host and come from our own origin exactly: a
        page on another site cannot open the patient's session with their cookie (no
        cross-site WebSocket hijacking). Closing before accepting answers it with 403."""
        headers = Headers(scope=scope)
        origin = (headers.get("origin") or "").strip().lower()
        if not host_allowed(headers.get("host"), self.allowed_hosts) or origin != self.origin:
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    def _too_large(self) -> str:
        return f"request body too large (at most {self.max_body_bytes // 1024} KiB)"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it exceeds ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hand the app the body read already, then the real stream (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    response: Response
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"detail": reason}, status_code=status)
    else:
        response = PlainTextResponse(reason, status_code=status)
    await response(scope, receive, send)
