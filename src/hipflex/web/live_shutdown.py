"""Stopping the server with a session running: its page is told before the socket closes.

On Ctrl-C (SIGINT) or SIGTERM uvicorn first closes every WebSocket with code 1012 and only
then runs the app's shutdown, so a page would see the connection drop and nothing else. This
server ends the running session first (saved as partial), waits until its page has received
``{"type": "ended", "reason": "shutdown"}`` and the socket closed (1001), then shuts down as usual.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from hipflex.web.live_registry import LiveRegistry

# How long the server waits for the page to be told (then uvicorn's own shutdown goes on).
STOP_WAIT_S = 3.0
POLL_S = 0.02


class SessionSavingServer(uvicorn.Server):
    """uvicorn's server, ending the live session before it closes the sockets."""

    def __init__(self, config: uvicorn.Config, live: LiveRegistry) -> None:
        super().__init__(config)
        self.live = live

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        handle = self.live.stop_all("shutdown")
        # Counted in polls rather than read off a clock (only the clocks read the time).
        for _ in range(int(STOP_WAIT_S / POLL_S)):
            if handle is None or handle.closed.is_set():
                break
            await asyncio.sleep(POLL_S)
        await super().shutdown(sockets)
