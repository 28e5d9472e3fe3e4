"""``hipflex protocols list|show|check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

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

    entries = discover(_data_dir(data_dir))
    if as_json:
        rows = [
            {
                "name": e.name,
                "title": e.protocol.title if e.protocol else None,
                "builtin": e.builtin,
                "path": str(e.path),
                "error": e.error,
            }
            for e in entries
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Protocols")
    for column in ("name", "title", "dose", "for whom", "source"):
        table.add_column(column)
    for e in entries:
        source = "shipped" if e.builtin else str(e.path)
        if e.protocol is None:
            table.add_row(e.name, f"[red]invalid:[/] {e.error}", "", "", source)
            continue
        p = e.protocol
        dose = f"{p.reps} × {p.hold_s} s per side, {p.frequency}"
        table.add_row(p.name, p.title, dose, p.when_to_choose or "default", source)
    Console().print(table)


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
    console = Console()
    console.print(f"[bold]{protocol.title}[/] ({protocol.name})")
    if protocol.summary:
        console.print(protocol.summary)
    if protocol.when_to_choose:
        console.print(f"[italic]When to choose it:[/] {protocol.when_to_choose}")
    first = protocol.sides[0]
    for number, step in enumerate(protocol.steps_for(first), start=1):
        console.print(f"  {number}. {step}", highlight=False)
    if protocol.note:
        console.print(f"[italic]{protocol.note}[/]")
    sides = " then ".join(s.value for s in protocol.sides)
    console.print(
        f"Hold {protocol.hold_s} s × {protocol.reps} per side ({sides}, {protocol.order.value}); "
        f"get ready {protocol.get_ready_s} s, rest {protocol.rest_s} s; {protocol.frequency}.",
        highlight=False,
    )


@protocols_app.command("check")
def check_protocol(
    file: Annotated[Path, typer.Argument(help="A protocol TOML file to validate.")],
) -> None:
    """Validate a protocol file without using it (exit 2 with FILE:LINE: field: problem)."""
    from hipflex.protocols.loader import load_protocol_file

    protocol = load_protocol_file(file)
    typer.echo(f"{file}: ok ({protocol.name}: {protocol.reps} × {protocol.hold_s} s per side)")
