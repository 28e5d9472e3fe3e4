"""``hipflex serve`` (and plain ``hipflex``): the local web app in the browser.

Loopback by default. ``--host`` makes it reachable from other devices (with a loud warning);
``--certfile/--keyfile`` serve HTTPS directly (mkcert on a home network); ``--behind-proxy``
with ``--name`` puts it behind a reverse proxy on this computer (Caddy). See docs/https.md.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hipflex.cli.options import DataDirOption
from hipflex.errors import HipflexError, HistoryWriteError
from hipflex.settings import DEFAULT_WEB_PORT

if TYPE_CHECKING:
    from hipflex.web.listen import ListenPlan

HOST = "127.0.0.1"
# Big enough for a camera frame, small enough that a flood cannot exhaust memory.
WS_MAX_MESSAGE_BYTES = 1024 * 1024


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = DEFAULT_WEB_PORT,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser window.")
    ] = False,
    data_dir: DataDirOption = None,
    host: Annotated[
        str,
        typer.Option(
            help="Address or name to listen on. Anything but loopback lets other devices "
            "reach hipflex (see docs/https.md); 0.0.0.0 is every network interface.",
        ),
    ] = HOST,
    name: Annotated[
        list[str] | None,
        typer.Option(
            "--name",
            help="Another name browsers use for hipflex, e.g. the reverse proxy's "
            "(repeatable). Requests naming anything else are refused.",
            show_default=False,
        ),
    ] = None,
    certfile: Annotated[
        Path | None,
        typer.Option(help="Serve HTTPS with this certificate (PEM), e.g. from mkcert."),
    ] = None,
    keyfile: Annotated[
        Path | None, typer.Option(help="The certificate's private key (PEM).")
    ] = None,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy",
            help="A reverse proxy on this computer serves hipflex over HTTPS: trust its "
            "X-Forwarded-Proto (only from loopback). Needs --name.",
        ),
    ] = False,
    speed: Annotated[
        float,
        typer.Option(min=0.01, max=10000, hidden=True, help="Session clock factor (tests)."),
    ] = 1.0,
) -> None:
    """Start hipflex in your browser (the default when you type just `hipflex`)."""
    import uvicorn

    from hipflex.storage.db import WRITE_FAILED_HINT
    from hipflex.web.app import create_app
    from hipflex.web.listen import exposure_warning
    from hipflex.web.live_shutdown import SessionSavingServer

    names = name or []
    tls = _check_tls(certfile, keyfile)
    if behind_proxy and not names:
        raise HipflexError(
            "--behind-proxy needs the name the proxy serves",
            hint="e.g. hipflex serve --behind-proxy --name hipflex.home.arpa",
        )
    plan = _plan(host, names)
    for line in exposure_warning(plan, tls=tls or behind_proxy):
        typer.secho(line, err=True, fg="red", bold=True)
    app = create_app(
        data_dir, speed=speed, allowed_hosts=plan.allowed_hosts, trusted_proxy=behind_proxy
    )
    listener = _bind(plan.bind_host, port)
    bound_port = listener.getsockname()[1]
    scheme = "https" if tls else "http"
    urls = [f"{scheme}://{url_name}:{bound_port}/" for url_name in plan.url_names]
    config = uvicorn.Config(
        app,
        log_level="warning",
        ws_max_size=WS_MAX_MESSAGE_BYTES,
        timeout_graceful_shutdown=5,
        lifespan="on",
        # Forwarded headers are handled by the app (create_app(trusted_proxy=...)), never
        # by uvicorn's default, which trusts any loopback client.
        proxy_headers=False,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
    )
    server = SessionSavingServer(config, app.state.context.live)
    typer.echo(f"hipflex is running at {urls[0]}  (Ctrl-C to stop)")
    for other in urls[1:]:
        typer.echo(f"  also at {other}")
    for extra in plan.extra_names:
        typer.echo(
            f"  and at https://{extra}/ through your proxy" if behind_proxy else f"  and as {extra}"
        )
    if speed != 1.0:
        typer.echo(f"test speed: session clocks run {speed:g}x faster")
    if not no_browser and _has_display():
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(urls[0],)).start()
    from hipflex.cli.runtime import wall_clock
    from hipflex.sync.worker import start_background_sync

    syncing = start_background_sync(data_dir, wall_clock(ctx))  # when linked to a clinic
    if syncing is not None:
        typer.echo("sending sessions to your clinic in the background (hipflex clinic status)")
    sys.stdout.flush()
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises Ctrl-C after its clean shutdown; that is our normal exit
    finally:
        listener.close()
        if syncing is not None:
            syncing[1].set()
    unsaved = app.state.context.unsaved
    if unsaved:
        raise HistoryWriteError(
            "hipflex stopped, but not everything was saved: " + " / ".join(unsaved),
            hint=WRITE_FAILED_HINT,
        )
    typer.echo("hipflex stopped; anything in progress was saved.")


def _check_tls(certfile: Path | None, keyfile: Path | None) -> bool:
    if certfile is None and keyfile is None:
        return False
    if certfile is None or keyfile is None:
        raise HipflexError(
            "HTTPS needs both --certfile and --keyfile",
            hint="mkcert prints both file names (see docs/https.md)",
        )
    for path in (certfile, keyfile):
        if not path.is_file():
            raise HipflexError(f"{path}: no such file")
    import ssl

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise HipflexError(
            f"{certfile} / {keyfile}: not a certificate and its key ({exc.strerror or exc})"
        ) from None
    return True


def _plan(host: str, names: list[str]) -> ListenPlan:
    from hipflex.web.listen import ListenError, is_loopback, is_wildcard, plan_listening

    try:
        resolved: list[str] = []
        machine: list[str] = []
        if is_wildcard(host):
            machine = _machine_names()
        elif not is_loopback(host):
            resolved = _resolve(host)
        return plan_listening(host, names, resolved=resolved, machine_names=machine)
    except ListenError as exc:
        raise HipflexError(str(exc)) from None


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM)
    except OSError:
        raise HipflexError(
            f"cannot find the address of {host!r}",
            hint="give an IP address of this computer, or a name that resolves to one",
        ) from None
    return [str(info[4][0]) for info in infos]


def _machine_names() -> list[str]:
    """This computer's name, its .local (mDNS) name and the addresses its name resolves to."""
    from hipflex.web.listen import is_loopback

    hostname = socket.gethostname().lower()
    names = [hostname, f"{hostname}.local"]
    try:
        infos = socket.getaddrinfo(hostname, None, type=socket.SOCK_STREAM)
    except OSError:
        infos = []
    addresses = [str(info[4][0]) for info in infos]
    return [n for n in dict.fromkeys([*names, *addresses]) if n and not is_loopback(n)]


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError:
        raise HipflexError(f"cannot find the address of {host!r}") from None
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        raise HipflexError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
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
