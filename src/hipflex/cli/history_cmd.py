"""``hipflex history``, ``stats``, ``export`` and ``import``: the record, read and moved.

SQLAlchemy and pydantic load inside the commands, never at import, so ``hipflex --help`` stays
light.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hipflex.cli.options import DataDirOption, IncludeDemoOption, JsonOption
from hipflex.errors import HipflexError
from hipflex.insights.wording import plural

if TYPE_CHECKING:
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
    data_dir: DataDirOption = None, as_json: JsonOption = False, limit: LimitOption = 20
) -> None:
    """Show recent sessions, newest first, with the short id that `hipflex session` takes."""
    with _open(data_dir) as database:
        database.repository.purge_deleted(datetime.now(UTC))
        sessions = database.repository.recent_sessions(limit)
        id_length = database.repository.short_id_length()
    if as_json:
        _print_json([_history_json(s) for s in sessions])
        return
    console = Console()
    if not sessions:
        console.print("No sessions yet. Start one with: hipflex start")
        return
    console.print(_history_table(sessions, _local_tz(), id_length))
    console.print(
        "Correct one with `hipflex session edit ID` or `hipflex session delete ID`.",
        style="dim",
        highlight=False,
    )


def stats(
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    include_demo: IncludeDemoOption = False,
) -> None:
    """Streaks, adherence, the last 7 days' hold seconds per side against the dose, and pain."""
    from hipflex.protocols.loader import load_protocol
    from hipflex.services.history import stats_for
    from hipflex.settings import load_settings, resolve_data_dir

    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    protocol = load_protocol(settings.default_protocol, directory)
    tz = _timezone(settings.reminders.timezone)
    with _open(directory) as database:
        result = stats_for(
            database.repository,
            protocol,
            datetime.now(UTC).astimezone(tz).date(),
            tz,
            include_demo=include_demo,
        )
    if as_json:
        _print_json(result.to_json())
        return
    _print_stats(result)


def export(
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

    with _open(data_dir) as database:
        if out is None:
            export_history(database.repository, fmt.value, sys.stdout)
            return
        count = _write_atomically(
            out, lambda stream: export_history(database.repository, fmt.value, stream)
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
    from hipflex.storage.exchange import import_records, read_history

    contents = read_history(file)  # validate before touching (or creating) the database
    with _open(data_dir) as database:
        result = import_records(database.repository, contents.sessions, file, contents.checkins)
    counts = result.counts
    if as_json:
        _print_json({"file": str(file), "added": counts.added, "skipped": counts.skipped})
        return
    added = ", ".join(f"{n} {_KIND_WORDS.get(kind, kind)}" for kind, n in counts.added.items())
    skipped = ", ".join(f"{n} {_KIND_WORDS.get(kind, kind)}" for kind, n in counts.skipped.items())
    Console().print(
        f"Imported {file}: added {added}; already there: {skipped}.",
        highlight=False,
        soft_wrap=True,
    )


# -- helpers ----------------------------------------------------------------------------------


def _open(data_dir: Path | None) -> Database:
    from hipflex.storage.db import open_database

    return open_database(data_dir)


_KIND_WORDS = {"pain_ratings": "pain ratings", "pain_checkins": "pain check-ins"}


def _local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def _timezone(name: str | None) -> tzinfo:
    """The person's time zone: the reminder settings', else the computer's (as insights)."""
    from hipflex.reminders.timezones import resolve_timezone

    return resolve_timezone(name)


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


def _history_table(sessions: list[SessionRecord], tz: tzinfo, id_length: int) -> Table:
    """One row per session: the id to type, then what happened over up to three lines, so
    nothing (dates, protocol names) is cut at 80 columns; only a long note wraps."""
    table = Table(title="Recent sessions, newest first", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("session")
    for session in sessions:
        status = session.status.value.replace("_", " ")
        if session.demo:
            status += ", demo"
        first = (
            f"{session.started_at.astimezone(tz):%Y-%m-%d %H:%M}  {session.protocol_name}  "
            f"{status} ({session.source.value})"
        )
        details = [
            f"{side} {plural(int(entry['reps']), 'rep')}, {entry['counted_s']:.0f} s"
            for side, entry in _sides(session).items()
        ] or ["no holds"]
        before, after = session.pain_before, session.pain_after
        if before is not None or after is not None:
            details.append(f"pain {_num(before)} → {_num(after)}")
        lines = [first, " · ".join(details)]
        if session.notes:
            note = session.notes[-1].text
            lines.append(f"note: {note if len(note) <= 120 else note[:119] + '…'}")
        table.add_row(session.id[:id_length], Text("\n".join(lines)))
    return table


def _num(value: int | None) -> str:
    return "–" if value is None else str(value)


def _print_stats(result: HistoryStats) -> None:
    console = Console()
    today = result.today
    console.print(
        f"Today: {plural(today.sessions, 'session')}, {plural(today.holds, 'hold')}, "
        f"{today.counted_s:.0f} s held",
        highlight=False,
    )
    streak = result.streak
    console.print(
        f"Streak: {plural(streak.current_days, 'day')} now, longest "
        f"{plural(streak.longest_days, 'day')}",
        highlight=False,
    )
    adherence = result.adherence
    parts = []
    for done, days, share in (
        (adherence.days_done_7, adherence.days_7, adherence.last_7_days),
        (adherence.days_done_30, adherence.days_30, adherence.last_30_days),
    ):
        if share is not None:
            parts.append(f"{done} of {plural(days, 'day')} ({share:.0%})")
    since = " since your first session" if adherence.days_30 < 30 else ""
    console.print(
        f"Adherence{since}: {', '.join(dict.fromkeys(parts)) or 'no sessions yet'}",
        highlight=False,
    )
    console.print(
        f"Last 7 days ({result.week_start:%a %d %b} – today) against {result.protocol_name}:",
        highlight=False,
    )
    table = Table()
    for column in ("side", "held", "dose", "done"):
        table.add_column(column)
    for side, dose in result.week.items():
        share_text = "–" if dose.fraction is None else f"{dose.fraction:.0%}"
        table.add_row(side.value, f"{dose.counted_s:.0f} s", f"{dose.dose_s} s", share_text)
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
    target = path.expanduser()
    try:
        handle, tmp_name = tempfile.mkstemp(dir=target.parent or Path("."), prefix=".export-")
    except OSError as exc:
        raise HipflexError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            count = int(write(stream))
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise HipflexError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
