"""``hipflex history``, ``stats``, ``export`` and ``import``: the record, read and moved.

SQLAlchemy and pydantic load inside the commands, never at import, so ``hipflex --help`` stays
light.
"""

from __future__ import annotations

import json
import sys
from datetime import tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hipflex.cli.options import DataDirOption, JsonOption
from hipflex.cli.runtime import wall_clock

if TYPE_CHECKING:
    from hipflex.domain.clock import Clock
    from hipflex.domain.records import SessionRecord
    from hipflex.insights.stats import HistoryStats
    from hipflex.storage.db import Database


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


LimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=1, max=10_000, help="How many recent sessions.")
]


def register(app: typer.Typer) -> None:
    """Add the history commands to the main app."""
    app.command("history")(history)
    app.command("stats")(stats)
    app.command("export")(export)
    app.command("import")(import_history)


def history(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    limit: LimitOption = 20,
) -> None:
    """Show recent sessions, newest first, with holds per side."""
    with _open(data_dir) as database:
        sessions = database.repository.recent_sessions(limit)
    if as_json:
        _print_json([_history_json(s) for s in sessions])
        return
    console = Console()
    if not sessions:
        console.print("No sessions yet. Start one with: hipflex start")
        return
    console.print(_history_table(sessions, _local_tz(wall_clock(ctx))))


def stats(ctx: typer.Context, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Streaks, adherence, this week's hold seconds per side against the dose, and pain."""
    from hipflex.insights.stats import compute_stats
    from hipflex.protocols.loader import load_protocol
    from hipflex.settings import load_settings, resolve_data_dir

    directory = resolve_data_dir(data_dir)
    protocol = load_protocol(load_settings(directory).default_protocol, directory)
    with _open(directory) as database:
        sessions = database.repository.sessions_between(None, None)
    now = wall_clock(ctx).now().astimezone()
    tz = _local_tz(wall_clock(ctx))
    result = compute_stats(sessions, protocol, now.date(), tz)
    if as_json:
        _print_json(result.to_json())
        return
    _print_stats(result)


def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv (one row per hold) or json.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to this file (default: standard output)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export the whole history (for a backup, a spreadsheet or your physiotherapist)."""
    from hipflex.storage.exchange import export_history

    now = wall_clock(ctx).now()
    with _open(data_dir) as database:
        if out is None:
            export_history(database.repository, fmt.value, sys.stdout, exported_at=now)
            return
        count = _write_atomically(
            out,
            lambda stream: export_history(database.repository, fmt.value, stream, exported_at=now),
        )
    Console(stderr=True).print(
        f"Exported {count} sessions to {out}", highlight=False, soft_wrap=True
    )


def import_history(
    file: Annotated[Path, typer.Argument(help="A JSON or CSV file made by hipflex export.")],
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import an export (JSON or CSV). Rows already here are skipped: importing twice adds
    nothing; a malformed file imports nothing."""
    from hipflex.storage.exchange import import_records, read_history_file

    records = read_history_file(file)  # validate before touching (or creating) the database
    with _open(data_dir) as database:
        result = import_records(database.repository, records, file)
    counts = result.counts
    if as_json:
        _print_json({"file": str(file), "added": counts.added, "skipped": counts.skipped})
        return
    added = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.added.items())
    skipped = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.skipped.items())
    Console().print(
        f"Imported {file}: added {added}; already there: {skipped}.",
        highlight=False,
        soft_wrap=True,
    )


# -- helpers ----------------------------------------------------------------------------------


def _open(data_dir: Path | None) -> Database:
    from hipflex.storage.db import open_database

    return open_database(data_dir)


def _local_tz(clock: Clock) -> tzinfo:
    tz = clock.now().astimezone().tzinfo
    assert tz is not None
    return tz


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _history_json(session: SessionRecord) -> dict[str, Any]:
    from hipflex.storage.exchange import session_to_json

    data = session_to_json(session)
    data["sides"] = _sides(session)
    data["pain_before"] = session.pain_before
    data["pain_after"] = session.pain_after
    return data


def _sides(session: SessionRecord) -> dict[str, dict[str, float | int]]:
    sides: dict[str, dict[str, float | int]] = {}
    for hold in session.holds:
        entry = sides.setdefault(hold.side.value, {"reps": 0, "holds": 0, "counted_s": 0.0})
        entry["holds"] += 1
        entry["reps"] += int(hold.counts_as_rep)
        entry["counted_s"] = round(entry["counted_s"] + hold.counted_s, 3)
    return sides


def _history_table(sessions: list[SessionRecord], tz: tzinfo) -> Table:
    table = Table(title="Recent sessions")
    for column in ("started", "protocol", "status", "right", "left", "pain", "note"):
        table.add_column(column)
    for session in sessions:
        sides = _sides(session)
        cells = [
            f"{entry['reps']} reps · {entry['counted_s']:.0f} s" if entry else "–"
            for entry in (sides.get("right"), sides.get("left"))
        ]
        before, after = session.pain_before, session.pain_after
        pain = "" if before is None and after is None else f"{_num(before)} → {_num(after)}"
        note = session.notes[-1].text if session.notes else ""
        table.add_row(
            session.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            session.protocol_name,
            session.status.value,
            *cells,
            pain,
            note if len(note) <= 40 else note[:39] + "…",
        )
    return table


def _num(value: int | None) -> str:
    return "–" if value is None else str(value)


def _print_stats(result: HistoryStats) -> None:
    console = Console()
    today = result.today
    console.print(
        f"Today: {today.sessions} session(s), {today.holds} holds, {today.counted_s:.0f} s held",
        highlight=False,
    )
    streak = result.streak
    console.print(
        f"Streak: {streak.current_days} day(s) now, longest {streak.longest_days}",
        highlight=False,
    )
    adherence = result.adherence
    console.print(
        f"Adherence: {adherence.days_done_7}/7 days ({adherence.last_7_days:.0%}), "
        f"{adherence.days_done_30}/30 days ({adherence.last_30_days:.0%})",
        highlight=False,
    )
    table = Table(title=f"This week (from {result.week_start:%a %d %b}), {result.protocol_name}")
    for column in ("side", "held", "dose", "done"):
        table.add_column(column)
    for side, dose in result.week.items():
        done = "–" if dose.fraction is None else f"{dose.fraction:.0%}"
        table.add_row(side.value, f"{dose.counted_s:.0f} s", f"{dose.dose_s} s", done)
    console.print(table)
    pain = result.pain
    if pain.before_mean is None and pain.after_mean is None:
        console.print("Pain: no ratings yet")
    else:
        before = "–" if pain.before_mean is None else f"{pain.before_mean:.1f}"
        after = "–" if pain.after_mean is None else f"{pain.after_mean:.1f}"
        console.print(
            f"Pain (0–10): before {before} ({pain.before_count} rated), "
            f"after {after} ({pain.after_count} rated)",
            highlight=False,
        )


def _write_atomically(path: Path, write: Any) -> int:
    """Write via a temp file in the same folder, then rename: no half-written export."""
    from hipflex.files import atomic_file

    with atomic_file(path, newline="") as stream:
        return int(write(stream))
