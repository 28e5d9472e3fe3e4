"""``hipflex session edit|delete|undo``: correct the record.

A mistyped pain score, a ``--speed`` demo or a test run need not stay forever: edit a session's
pain and note (or mark it a demo, left out of the figures), delete it (after a confirmation;
restorable with ``undo`` for 15 minutes), all by the short id ``hipflex history`` shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.errors import HipflexError
from hipflex.insights.wording import plural

if TYPE_CHECKING:
    from hipflex.domain.records import SessionRecord
    from hipflex.storage.db import Database

session_app = typer.Typer(
    help="Correct a recorded session: edit its pain and note, delete it, undo a delete.",
    no_args_is_help=True,
)

IdArgument = Annotated[
    str, typer.Argument(help="The session's id, or its first characters (see `hipflex history`).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(session_app, name="session")


@session_app.command("edit")
def edit(
    session_id: IdArgument,
    pain_before: Annotated[
        str | None,
        typer.Option(
            "--pain-before",
            help="Pain before the session, 0–10, or 'none' to remove it.",
            metavar="N|none",
            show_default=False,
        ),
    ] = None,
    pain_after: Annotated[
        str | None,
        typer.Option(
            "--pain-after",
            help="Pain after the session, 0–10, or 'none' to remove it.",
            metavar="N|none",
            show_default=False,
        ),
    ] = None,
    note: Annotated[
        str | None,
        typer.Option("--note", help="The session's note ('' removes it).", show_default=False),
    ] = None,
    demo: Annotated[
        bool | None,
        typer.Option(
            "--demo/--not-demo",
            help="Mark as a demo (left out of the figures) or as a real session.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Change a session's pain ratings, note or demo mark."""
    from hipflex.storage.corrections import UNCHANGED, SessionCorrection

    correction = SessionCorrection(
        pain_before=UNCHANGED if pain_before is None else _pain(pain_before, "--pain-before"),
        pain_after=UNCHANGED if pain_after is None else _pain(pain_after, "--pain-after"),
        note=UNCHANGED if note is None else note,
        demo=UNCHANGED if demo is None else demo,
    )
    if correction.empty:
        raise HipflexError(
            "nothing to change",
            hint="give --pain-before N, --pain-after N, --note TEXT or --demo/--not-demo",
        )
    with _open(data_dir) as database:
        repository = database.repository
        full_id = _resolve(database, session_id)
        try:
            corrected = repository.correct_session(full_id, correction, datetime.now(UTC))
        except ValueError as exc:
            raise HipflexError(str(exc)) from None
    Console().print(f"Saved: {_describe(corrected, _local_tz())}", highlight=False)


@session_app.command("delete")
def delete(
    session_id: IdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Delete a session (asks first; `hipflex session undo` restores it for 15 minutes)."""
    from hipflex.storage.corrections import UNDO_WINDOW

    with _open(data_dir) as database:
        repository = database.repository
        full_id = _resolve(database, session_id)
        session = repository.get_session(full_id)
        assert session is not None
        description = _describe(session, _local_tz())
        if not yes and not _confirm(f"Delete {description}?"):
            Console().print("Nothing deleted.")
            raise typer.Exit(1)
        try:
            repository.delete_session(full_id, datetime.now(UTC))
        except ValueError as exc:
            raise HipflexError(str(exc)) from None
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    Console().print(
        f"Deleted {description}. Changed your mind? `hipflex session undo` within "
        f"{plural(minutes, 'minute')}.",
        highlight=False,
    )


@session_app.command("undo")
def undo(data_dir: DataDirOption = None) -> None:
    """Restore the session deleted last (within 15 minutes of deleting it)."""
    from hipflex.storage.corrections import UNDO_WINDOW

    with _open(data_dir) as database:
        restored = database.repository.undo_delete(datetime.now(UTC))
    if restored is None:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise HipflexError(
            f"nothing to undo: no session was deleted in the last {plural(minutes, 'minute')}"
        )
    Console().print(f"Restored {_describe(restored, _local_tz())}.", highlight=False)


def _confirm(question: str) -> bool:
    """Ask; no answer (end of input, Ctrl-C) means no."""
    try:
        return typer.confirm(question, default=False)
    except (typer.Abort, EOFError):
        return False


def _pain(text: str, option: str) -> int | None:
    value = text.strip().lower()
    if value in ("none", "-", ""):
        return None
    if not value.isdigit() or not 0 <= int(value) <= 10:
        raise HipflexError(f"{option}: pain must be a whole number from 0 to 10, or 'none'")
    return int(value)


def _resolve(database: Database, session_id: str) -> str:
    from hipflex.storage.corrections import SessionIdError

    database.repository.purge_deleted(datetime.now(UTC))
    try:
        return database.repository.resolve_session_id(session_id)
    except SessionIdError as exc:
        raise HipflexError(str(exc), hint="`hipflex history` lists the sessions") from None


def _describe(session: SessionRecord, tz: tzinfo) -> str:
    """ "the session of Thu 12 Mar 07:30 (kneeling-hip-flexor, completed, pain 5 → 2)"."""
    parts = [session.protocol_name, session.status.value.replace("_", " ")]
    if session.demo:
        parts.append("demo")
    before, after = session.pain_before, session.pain_after
    if before is not None or after is not None:
        parts.append(
            f"pain {'–' if before is None else before} → {'–' if after is None else after}"
        )
    if session.notes:
        parts.append(f"note {session.notes[-1].text!r}")
    when = session.started_at.astimezone(tz)
    return f"the session of {when:%a %d %b %Y %H:%M} ({', '.join(parts)})"


def _open(data_dir: Path | None) -> Database:
    from hipflex.storage.db import open_database

    return open_database(data_dir)


def _local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz
