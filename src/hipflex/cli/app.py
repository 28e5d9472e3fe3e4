"""The ``hipflex`` command. Commands live in their own modules and register themselves here.

Heavy libraries (mediapipe, OpenCV, SQLAlchemy, FastAPI) are imported inside commands only,
so ``hipflex --help`` stays fast.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.text import Text

from hipflex import __version__
from hipflex.cli.runtime import CliRuntime
from hipflex.domain.clock import Clock, SystemClock
from hipflex.errors import HipflexError

app = typer.Typer(
    name="hipflex",
    help="Coach for the half-kneeling hip flexor stretch: guided sessions, camera form check, "
    "and a history that shows whether it helps.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    from hipflex.cli import protocols_cmd, session_cmd

    for module in (protocols_cmd, session_cmd):
        module.register(app)
    # Commands added by later work register themselves the same way when present.
    import importlib

    for name in (
        "history_cmd",
        "analyze_cmd",
        "serve_cmd",
        "remind_cmd",
        "insights_cmd",
        "corrections_cmd",
        "pain_cmd",
        "clinic_cmd",
    ):
        try:
            module = importlib.import_module(f"hipflex.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"hipflex.cli.{name}":
                raise
            continue
        module.register(app)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Show the version and exit."),
) -> None:
    if version:
        typer.echo(f"hipflex {__version__}")
        raise typer.Exit()
    if ctx.obj is None:
        # The composition root: the one place the real clock is made; commands are handed it.
        ctx.obj = CliRuntime(clock=SystemClock())
    if ctx.invoked_subcommand is None:
        default = ctx.command.get_command(ctx, "serve")  # type: ignore[attr-defined]
        if default is None:
            typer.echo(ctx.get_help())
            raise typer.Exit()
        ctx.invoke(default)


_register_commands()


# Options whose value may be left out (``--camera`` or ``--camera 1``); click has no such
# option type, so a bare one gets this value, which means "the camera from the settings".
OPTIONAL_VALUE_OPTIONS = {"--camera": "-1"}


def fill_optional_values(argv: list[str]) -> list[str]:
    """Give a bare ``--camera`` its default value so ``--camera [INDEX]`` parses."""
    out: list[str] = []
    for position, arg in enumerate(argv):
        out.append(arg)
        default = OPTIONAL_VALUE_OPTIONS.get(arg)
        if default is None:
            continue
        following = argv[position + 1] if position + 1 < len(argv) else None
        if following is None or not following.lstrip("-").isdigit() or following.startswith("-"):
            out.append(default)
    return out


def main(clock: Clock | None = None) -> None:
    """Entry point: user errors become a clear message and a non-zero exit, never a traceback.

    ``clock`` replaces the wall clock for every command (tests)."""
    runtime = CliRuntime(clock) if clock is not None else None
    try:
        # Without standalone mode, click hands back typer.Exit's code instead of exiting.
        code = app(args=fill_optional_values(sys.argv[1:]), standalone_mode=False, obj=runtime)
        if isinstance(code, int) and code:
            sys.exit(code)
    except HipflexError as exc:
        err = Console(stderr=True)
        # Messages hold file paths and TOML tables like [form]: never read them as markup.
        err.print(Text("error: ", style="bold red") + Text(exc.message), highlight=False)
        if exc.hint:
            err.print(Text(f"hint: {exc.hint}"), highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        Console(stderr=True).print("interrupted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        Console(stderr=True).print("aborted")
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors (bad option values) arrive here
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        sys.exit(getattr(exc, "exit_code", 2))
