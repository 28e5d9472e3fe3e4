"""``/ws/session``: one live session per WebSocket (see ``live_connection``)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from hipflex.web.live_connection import serve_connection
from hipflex.web.templating import web_context

router = APIRouter()


@router.websocket("/ws/session")
async def session_socket(websocket: WebSocket) -> None:
    # Host and Origin were checked by LocalOnlyMiddleware before this runs.
    await serve_connection(websocket, web_context(websocket))
