"""``hipflex clinic``: the clinic server (init, migrate, serve, admin-invite).

Parses options, calls one use case, prints. The clinic needs the ``clinic`` extra
(PostgreSQL driver, argon2, QR codes); without it the commands say how to install it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from hipflex.cli.runtime import wall_clock
from hipflex.errors import HipflexError

ENV_PUBLIC_URL = "HIPFLEX_CLINIC_PUBLIC_URL"
DEFAULT_PORT = 8780
DEFAULT_HOST = "127.0.0.1"

clinic_app = typer.Typer(
    name="clinic",
    help="The clinic server: physiotherapists prescribe, patients send their sessions.",
    no_args_is_help=True,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="HIPFLEX_CLINIC_DATABASE_URL",
        help="PostgreSQL URL: postgresql://USER:PASSWORD@HOST/DB (or $HIPFLEX_CLINIC_DATABASE_URL).",
        show_envvar=False,
    ),
]
PublicUrl = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        envvar=ENV_PUBLIC_URL,
        help="The address people open, e.g. https://clinic.example.org "
        "(or $HIPFLEX_CLINIC_PUBLIC_URL; default http://127.0.0.1:PORT).",
        show_envvar=False,
    ),
]


def register(app: typer.Typer) -> None:
    from hipflex.cli.clinic_link_cmd import add_link_commands
    from hipflex.cli.clinic_worker import worker

    add_link_commands(clinic_app)  # the home side: link, status, sync, unlink
    clinic_app.command("worker")(worker)
    app.add_typer(clinic_app, name="clinic")


def _engine(database_url: str | None) -> Any:
    try:
        from hipflex.storage.clinic.database import create_clinic_engine
    except ImportError as exc:
        raise _missing_extra(exc) from None
    return create_clinic_engine(database_url or os.environ.get("HIPFLEX_CLINIC_DATABASE_URL", ""))


def _missing_extra(exc: ImportError) -> HipflexError:
    return HipflexError(
        f"the clinic server needs extra packages ({exc.name or exc} is missing)",
        hint="pip install 'hipflex[clinic]'",
    )


def _public_url(value: str | None, port: int = DEFAULT_PORT) -> str:
    from hipflex.clinic.security import public_origin

    url = (value or f"http://{DEFAULT_HOST}:{port}").rstrip("/")
    try:
        public_origin(url)
    except ValueError:
        raise HipflexError(
            f"--public-url must be an http(s) address like https://clinic.example.org, not {url!r}"
        ) from None
    return url


def clinic_data_dir(explicit: Path | None) -> Path:
    """Where the clinic keeps uploaded and annotated videos: ``--data-dir``, else
    ``$HIPFLEX_CLINIC_DATA_DIR``, else ``clinic/`` in hipflex's data dir. Never served as is."""
    from hipflex.settings import resolve_data_dir

    if explicit is not None:
        path = explicit.expanduser().absolute()
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path
    path = resolve_data_dir() / "clinic"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _local_zone_name() -> str:
    """The machine's IANA zone name when it can be read (/etc/timezone, TZ), else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            name = open("/etc/timezone", encoding="utf-8").read().strip()  # noqa: SIM115
        except OSError:
            name = ""
    return name or "UTC"


@clinic_app.command("init")
def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The clinic's name.")] = "My clinic",
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone", help="IANA time zone for patients' days (default: this machine's)."
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    public_url: PublicUrl = None,
) -> None:
    """Create the clinic's schema and the clinic, and print a one-time admin invite link."""
    engine = _engine(database_url)
    try:
        from hipflex.services.clinic.errors import ClinicError
        from hipflex.services.clinic.invites import Invites, check_zone
        from hipflex.storage.clinic.database import migrate
        from hipflex.storage.clinic.store import ClinicStore

        url = _public_url(public_url)
        zone = timezone or _local_zone_name()
        try:
            check_zone(zone)  # before anything is written
            state = migrate(engine)
            clinic, new = Invites(ClinicStore(engine)).create_clinic(
                name, zone, wall_clock(ctx).now()
            )
        except ClinicError as exc:
            raise HipflexError(exc.message) from None
    except ImportError as exc:
        raise _missing_extra(exc) from None
    finally:
        engine.dispose()
    typer.echo(
        f"clinic schema {state.current}; created the clinic {clinic.name!r} ({clinic.timezone})"
    )
    typer.echo("")
    typer.echo("Open this link to create the first admin account (works once, expires in 7 days):")
    typer.echo(f"  {url}/invite/{new.token}")
    typer.echo("")
    typer.echo("It is shown only now. Lost it? `hipflex clinic admin-invite` makes a new one.")


@clinic_app.command("admin-invite")
def admin_invite(
    ctx: typer.Context,
    clinic: Annotated[str, typer.Argument(help="The clinic's name, as given to init.")],
    database_url: DatabaseUrl = None,
    public_url: PublicUrl = None,
) -> None:
    """Print a new one-time invite link for another admin of CLINIC."""
    engine = _engine(database_url)
    try:
        from hipflex.services.clinic.errors import ClinicError
        from hipflex.services.clinic.invites import Invites
        from hipflex.storage.clinic.database import check_ready
        from hipflex.storage.clinic.store import ClinicStore

        url = _public_url(public_url)
        check_ready(engine)
        try:
            new = Invites(ClinicStore(engine)).admin_invite(clinic, wall_clock(ctx).now())
        except ClinicError as exc:
            raise HipflexError(exc.message) from None
    finally:
        engine.dispose()
    typer.echo(f"Admin invite for {clinic!r} (works once, expires in 7 days):")
    typer.echo(f"  {url}/invite/{new.token}")


@clinic_app.command("migrate")
def migrate_cmd(database_url: DatabaseUrl = None) -> None:
    """Bring the clinic database's schema up to this version (back it up first)."""
    engine = _engine(database_url)
    try:
        from hipflex.storage.clinic.database import migrate, schema_state

        before = schema_state(engine)
        after = migrate(engine)
    finally:
        engine.dispose()
    if before.current == after.current:
        typer.echo(f"clinic schema is up to date ({after.current})")
    else:
        typer.echo(f"clinic schema migrated from {before.current or 'empty'} to {after.current}")


@clinic_app.command("serve")
def serve(
    database_url: DatabaseUrl = None,
    public_url: PublicUrl = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (behind Caddy: keep 127.0.0.1).")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = DEFAULT_PORT,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(help="Proxies whose X-Forwarded-For is trusted (Caddy on this machine)."),
    ] = "127.0.0.1",
    demo_speed: Annotated[
        float,
        typer.Option(
            min=1.0,
            max=100.0,
            help="Run patients' sessions in the browser this many times faster (a demo or "
            "test server only: its sessions count like real ones; see docs/clinic.md).",
        ),
    ] = 1.0,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="HIPFLEX_CLINIC_DATA_DIR",
            help="Where uploaded and annotated videos are kept (not served as is).",
            show_envvar=False,
        ),
    ] = None,
    keep_videos: Annotated[
        bool, typer.Option("--keep-videos", help="Keep uploads after analysis (default: delete).")
    ] = False,
    max_upload_mb: Annotated[
        int, typer.Option(min=1, max=4000, help="Largest video upload, in MB.")
    ] = 200,
    max_video_minutes: Annotated[
        float, typer.Option(min=0.1, max=120, help="Longest video upload, in minutes.")
    ] = 10.0,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Server processes sharing the port (default: one per CPU core). They share "
            "nothing but the database.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the clinic server (put Caddy in front of it for HTTPS; see docs/clinic.md)."""
    processes = workers or os.cpu_count() or 1
    engine = _engine(database_url)
    try:
        import uvicorn

        from hipflex.storage.clinic.database import check_ready
    except ImportError as exc:
        engine.dispose()
        raise _missing_extra(exc) from None
    url = _public_url(public_url, port)
    try:
        check_ready(engine)
    except HipflexError:
        engine.dispose()
        raise
    from hipflex.services.clinic.video_files import VideoSettings

    videos = VideoSettings(
        clinic_data_dir(data_dir),
        keep_videos=keep_videos,
        max_bytes=max_upload_mb * 1_000_000,
        max_duration_s=max_video_minutes * 60,
    )
    app: Any
    if processes == 1:
        from hipflex.clinic.app import create_clinic_app
        from hipflex.storage.clinic.store import ClinicStore

        app = create_clinic_app(
            ClinicStore(engine), url, video_settings=videos, demo_speed=demo_speed
        )
    else:
        # Each worker process builds its own app (engine, pool, caches); this one only
        # supervises them, without the app loaded.
        from hipflex.clinic.workers import hand_over

        engine.dispose()
        app = hand_over(engine.url.render_as_string(hide_password=False), url, demo_speed, videos)
    plural = "es" if processes > 1 else ""
    typer.echo(
        f"hipflex clinic listening on http://{host}:{port}/ for {url}, {processes} process{plural}"
        "  (Ctrl-C to stop)"
    )
    if demo_speed != 1.0:
        typer.echo(f"demo server: patients' sessions run {demo_speed:g}x faster")
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(
            app,
            host=host,
            port=port,
            factory=processes > 1,
            workers=processes if processes > 1 else None,
            log_level="warning",
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            timeout_graceful_shutdown=10,
            # The session player's WebSocket carries small JSON messages only (a landmark
            # message is ~4 KB); nothing bigger is buffered before it is refused.
            ws_max_size=64 * 1024,
        )
    typer.echo("hipflex clinic stopped")
