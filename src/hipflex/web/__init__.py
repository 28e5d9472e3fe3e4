"""The local web app: pages, a live session per WebSocket, and the camera form check.

Routes are thin: they parse input, call the engine, recorder, storage or insights, and render.
:func:`create_app` is the one public entry point.
"""

from __future__ import annotations

from hipflex.web.app import create_app

__all__ = ["create_app"]
