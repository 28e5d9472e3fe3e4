"""``hipflex serve`` (and plain ``hipflex``): the local web app in the browser."""

from __future__ import annotations

import os
import socket
import sys
from typing import Annotated

import typer

from hipflex.cli.options import DataDirOption
from hipflex.settings import DEFAULT_WEB_PORT

HOST = "127.0.0.1"
# Big enough for a camera frame, small enough that a flood cannot exhaust memory.
WS_MAX_MESSAGE_BYTES = 1024 * 1024


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
    ] = DEFAULT_WEB_PORT,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser window.")
    ] = False,
    data_dir: DataDirOption = None,
    speed: Annotated[
        float,
        typer.Option(min=0.01, max=10000, hidden=True, help="Session clock factor (tests)."),
    ] = 1.0,
) -> None:
    """Start hipflex in your browser (the default when you type just `hipflex`)."""
    import uvicorn

    from hipflex.web.app import create_app

    app = create_app(data_dir, speed=speed)
    listener = _bind(port)
    bound_port = listener.getsockname()[1]
    url = f"http://{HOST}:{bound_port}/"
    config = uvicorn.Config(
        app,
        log_level="warning",
        ws_max_size=WS_MAX_MESSAGE_BYTES,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    typer.echo(f"hipflex is running at {url}  (Ctrl-C to stop)")
    if speed != 1.0:
        typer.echo(f"test speed: session clocks run {speed:g}x faster")
    if not no_browser and _has_display():
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    sys.stdout.flush()
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its clean shutdown; that is our normal exit
    finally:
        listener.close()
    typer.echo("hipflex stopped; anything in progress was saved.")


def _bind(port: int) -> socket.socket:
    from hipflex.errors import HipflexError

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as exc:
        listener.close()
        raise HipflexError(
            f"cannot listen on {HOST}:{port}: {exc.strerror or exc}",
            hint="is hipflex already running? Open it in the browser, or pass --port N",
        ) from None
    listener.listen(128)
    listener.setblocking(False)
    return listener


def _has_display() -> bool:
    """A browser can be shown: always on macOS and Windows, with X11/Wayland on Linux."""
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True
