"""``hipflex start``: a guided session in the terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.errors import HipflexError


def register(app: typer.Typer) -> None:
    app.command("start")(start)


def start(
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", "-p", help="Protocol name or .toml file (default: settings)."),
    ] = None,
    data_dir: DataDirOption = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0.01,
            max=10000,
            help="Run the clock FACTOR times faster. For demos and tests only: "
            "a sped-up session is recorded like a real one.",
        ),
    ] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No voice, no bell.")] = False,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="No prompts and no keys (scripts, non-tty terminals)."),
    ] = False,
    pain_before: Annotated[
        int | None, typer.Option(min=0, max=10, help="Pain before (0-10).")
    ] = None,
    pain_after: Annotated[
        int | None, typer.Option(min=0, max=10, help="Pain after (0-10).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note to keep with this session.")] = None,
) -> None:
    """Start a guided stretch session (space pause/resume, n skip, q quit)."""
    from hipflex.cli.coach import Coach
    from hipflex.cues.speech import make_speaker
    from hipflex.domain.clock import Clock, ScaledClock, SystemClock
    from hipflex.domain.session import SessionEngine
    from hipflex.protocols.loader import load_protocol
    from hipflex.services.recorder import SessionRecorder
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    chosen = load_protocol(protocol or settings.default_protocol, directory)
    database = open_database(directory)
    repository = database.repository
    interactive = not no_input and sys.stdin.isatty()
    console = Console()

    if pain_before is None and interactive:
        pain_before = ask_pain("Pain in your hip or low back right now")
    clock: Clock = SystemClock() if speed == 1.0 else ScaledClock(speed)
    engine = SessionEngine(chosen, clock)
    recorder = SessionRecorder(repository, chosen, clock, source="timer")
    session_id = recorder.begin()
    if pain_before is not None:
        repository.record_pain(session_id, "before", pain_before, clock.now())
    coach = Coach(
        engine=engine,
        recorder=recorder,
        speaker=make_speaker(quiet),
        console=console,
        interactive=interactive,
    )
    finished = coach.run()
    if finished is None:
        raise HipflexError("the session ended without a result")
    if coach.interrupted:
        raise typer.Exit(code=130)
    if pain_after is None and interactive:
        pain_after = ask_pain("Pain now, after stretching")
    if pain_after is not None:
        repository.record_pain(session_id, "after", pain_after, clock.now())
    if note is None and interactive:
        note = typer.prompt(
            "A note for your record (Enter to skip)", default="", show_default=False
        )
    if note:
        repository.add_note(session_id, note, clock.now())
    sides = ", ".join(f"{side.value} {s:.0f} s" for side, s in finished.counted_s_by_side.items())
    console.print(
        f"Saved: {finished.holds_done} of {finished.holds_planned} holds ({sides}); "
        f"session {finished.status.value}.",
        highlight=False,
    )


def ask_pain(question: str) -> int | None:
    """Ask for a 0-10 rating until it is valid; Enter skips."""
    while True:
        answer = typer.prompt(f"{question} (0-10, Enter to skip)", default="", show_default=False)
        answer = answer.strip()
        if not answer:
            return None
        if answer.isdigit() and 0 <= int(answer) <= 10:
            return int(answer)
        typer.echo("Please type a whole number from 0 (no pain) to 10 (worst pain).")
