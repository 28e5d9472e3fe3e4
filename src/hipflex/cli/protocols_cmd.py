"""``hipflex protocols list|show|check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipflex.cli.options import DataDirOption, JsonOption

protocols_app = typer.Typer(help="List, show and check stretching protocols.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(protocols_app, name="protocols")


def _data_dir(explicit: Path | None) -> Path | None:
    from hipflex.settings import default_data_dir

    path = explicit or default_data_dir()
    return path if path.is_dir() else None


@protocols_app.command("list")
def list_protocols(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """List the shipped protocols and your own (DATA_DIR/protocols/*.toml)."""
    from hipflex.protocols.loader import discover

    directory = _data_dir(data_dir)
    entries = discover(directory)
    default = _default_name(directory)
    if as_json:
        rows = [
            {
                "name": e.name,
                "title": e.protocol.title if e.protocol else None,
                "when_to_choose": e.protocol.when_to_choose if e.protocol else None,
                "builtin": e.builtin,
                "default": e.protocol is not None and e.name == default,
                "path": str(e.path),
                "error": e.error,
                "summary": e.summary,
            }
            for e in entries
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    console = Console()
    usable = [e for e in entries if e.protocol is not None]
    # Names are what one types after --protocol: never wrapped or cut, whatever the width.
    table = Table(title="Protocols", title_justify="left")
    table.add_column("name", no_wrap=True, min_width=max((len(e.name) for e in usable), default=4))
    table.add_column("title", ratio=3)
    table.add_column("dose", ratio=2)
    table.add_column("", ratio=1)
    for e in usable:
        assert e.protocol is not None
        p = e.protocol
        labels = ["your default" if p.name == default else "", "" if e.builtin else "your file"]
        table.add_row(
            Text(p.name),
            Text(p.title),
            Text(f"{p.reps} × {p.hold_s} s per side, {p.frequency}"),
            Text(", ".join(label for label in labels if label)),
        )
    console.print(table)
    console.print(Text("When to choose each, and its steps: hipflex protocols show NAME"))
    for e in entries:
        if e.protocol is None:
            # One short notice per broken file, never read as markup ([a-z0-9] is no style).
            console.print()
            console.print(
                Text(f"{e.path.name} cannot be used: ", style="bold red")
                + Text(f"{e.summary}. To see every problem:")
            )
            # Unwrapped, so the command copies whole however long the path.
            console.print(Text(f"  hipflex protocols check {e.path}"), soft_wrap=True)


def _default_name(directory: Path | None) -> str:
    from hipflex.errors import HipflexError
    from hipflex.protocols.loader import DEFAULT_PROTOCOL
    from hipflex.settings import load_settings

    if directory is None:
        return DEFAULT_PROTOCOL
    try:
        return load_settings(directory).default_protocol
    except HipflexError:
        return DEFAULT_PROTOCOL  # a broken settings file is reported where settings are used


@protocols_app.command("show")
def show_protocol(
    name: Annotated[str, typer.Argument(help="Protocol name (see `hipflex protocols list`).")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one protocol's steps, timing and cues."""
    from hipflex.protocols.loader import load_protocol

    protocol = load_protocol(name, _data_dir(data_dir))
    if as_json:
        typer.echo(protocol.model_dump_json(indent=2))
        return
    # Everything from the file is Text, never markup: "[/]" in a step is no style tag.
    console = Console(highlight=False)
    console.print(Text(protocol.title, style="bold") + Text(f" ({protocol.name})"))
    if protocol.summary:
        console.print(Text(protocol.summary))
    if protocol.when_to_choose:
        console.print(Text("When to choose it: ", style="italic") + Text(protocol.when_to_choose))
    first = protocol.sides[0]
    for number, step in enumerate(protocol.steps_for(first), start=1):
        console.print(Text(f"  {number}. {step}"))
    if protocol.note:
        console.print(Text(protocol.note, style="italic"))
    sides = " then ".join(s.value for s in protocol.sides)
    console.print(
        Text(
            f"Hold {protocol.hold_s} s × {protocol.reps} per side ({sides}, "
            f"{protocol.order.value}); get ready {protocol.get_ready_s} s, rest "
            f"{protocol.rest_s} s; {protocol.frequency}."
        )
    )


@protocols_app.command("check")
def check_protocol(
    file: Annotated[Path, typer.Argument(help="A protocol TOML file to validate.")],
) -> None:
    """Validate a protocol file without using it (exit 2 with FILE:LINE: field: problem)."""
    from hipflex.protocols.loader import load_protocol_file

    protocol = load_protocol_file(file)
    typer.echo(f"{file}: ok ({protocol.name}: {protocol.reps} × {protocol.hold_s} s per side)")
