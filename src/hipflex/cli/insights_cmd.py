"""``hipflex insights`` and ``hipflex report``: is it working, in words and on paper."""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipflex.cli.options import DataDirOption, IncludeDemoOption, JsonOption
from hipflex.insights.wording import plural

if TYPE_CHECKING:
    from hipflex.insights.summary import Insights

WeeksOption = Annotated[
    int, typer.Option("--weeks", min=1, max=104, help="How many weeks back, ending today.")
]
ProtocolOption = Annotated[
    str | None,
    typer.Option(
        "--protocol", "-p", help="Protocol whose dose to compare with (default: settings)."
    ),
]


def register(app: typer.Typer) -> None:
    app.command("insights")(insights)
    app.command("report")(report)


def insights(
    weeks: WeeksOption = 4,
    protocol: ProtocolOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    include_demo: IncludeDemoOption = False,
) -> None:
    """Adherence, dose, hip extension trend and pain over the last weeks, in plain words."""
    result = _build(data_dir, weeks, protocol, include_demo)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return
    console = Console()
    console.print(
        f"[bold]Insights[/] {result.first_day:%d %b} – {result.today:%d %b %Y} "
        f"({result.protocol.title})",
        highlight=False,
    )
    bullets = Table.grid(padding=(0, 1))  # a hanging indent: wrapped lines align with the text
    bullets.add_column(no_wrap=True)
    bullets.add_column()
    for sentence in result.sentences:
        bullets.add_row("•", Text(sentence))
    console.print(bullets)
    if not result.empty:
        console.print(
            "A printable version for your physiotherapist: "
            f"`hipflex report --weeks {weeks} --out report.pdf`",
            style="dim",
            highlight=False,
        )


def report(
    out: Annotated[
        Path | None, typer.Option("--out", help="FILE.pdf or FILE.html to write.")
    ] = None,
    weeks: WeeksOption = 4,
    protocol: ProtocolOption = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The patient's name, printed at the top of the report (default: a line to "
            "fill in) and put in the FHIR bundle.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    include_demo: IncludeDemoOption = False,
    fhir: Annotated[
        Path | None,
        typer.Option("--fhir", help="Also (or only) write a FHIR R4B Bundle, FILE.json."),
    ] = None,
) -> None:
    """A two-page report for a physiotherapist (PDF or self-contained HTML), and/or the same
    weeks as a FHIR bundle for clinical records systems."""
    from hipflex.reports.write import ReportError, write_report

    if out is None and fhir is None:
        raise ReportError("nothing to write", hint="give --out FILE.pdf, --fhir FILE.json or both")
    if out is not None:
        if out.suffix.lower() not in (".pdf", ".html", ".htm"):
            raise ReportError(f"{out}: use a .pdf or .html file name")
        if not out.parent.exists() or out.is_dir():
            raise ReportError(
                f"cannot write {out}: "
                + ("it is a folder" if out.is_dir() else f"folder {out.parent} does not exist"),
                hint="choose a path in a folder you can write to",
            )
    if fhir is not None:
        _export_fhir(fhir, data_dir, weeks, protocol, name, include_demo)
    if out is None:
        return
    result = _build(data_dir, weeks, protocol, include_demo)
    write_report(result, out, datetime.now(UTC).astimezone(), name)
    span = plural(weeks, "week")
    if result.empty:
        typer.echo(f"Wrote {out} (no sessions in the last {span} yet, so it is short).")
    else:
        typer.echo(f"Wrote {out}: {plural(result.sessions, 'session')}, {span}.")


def _export_fhir(
    path: Path,
    data_dir: Path | None,
    weeks: int,
    protocol_name: str | None,
    name: str | None,
    include_demo: bool,
) -> None:
    from hipflex.fhir.local_export import export_local_bundle

    result = export_local_bundle(
        path,
        data_dir=data_dir,
        weeks=weeks,
        protocol_name=protocol_name,
        patient_name=name,
        now=datetime.now(UTC).astimezone(),
        include=None if include_demo else (lambda session: not session.demo),
    )
    typer.echo(
        f"Wrote {result.path}: FHIR R4B bundle, {plural(result.sessions, 'session')} "
        f"({result.resources} resources), {plural(weeks, 'week')}."
    )


def _build(
    data_dir: Path | None, weeks: int, protocol_name: str | None, include_demo: bool
) -> Insights:
    from hipflex.protocols.loader import load_protocol
    from hipflex.services.history import insights_for
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    chosen = load_protocol(protocol_name or settings.default_protocol, directory)
    tz = _timezone(settings.reminders.timezone)
    today = datetime.now(UTC).astimezone(tz).date()
    with open_database(directory) as database:
        return insights_for(
            database.repository, chosen, today, tz, weeks=weeks, include_demo=include_demo
        )


def _timezone(name: str | None) -> tzinfo:
    from hipflex.reminders.timezones import resolve_timezone

    return resolve_timezone(name)
