"""``hipflex session edit|delete|undo``: correct the record.

A mistyped pain score, a ``--speed`` demo or a test run need not stay forever: edit a session's
pain and note (or mark it a demo, left out of the figures), delete it (after a confirmation;
restorable with ``undo`` for 15 minutes), all by the short id ``hipflex history`` shows.
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.cli.runtime import wall_clock
from hipflex.domain.records import PAIN_MAX, PAIN_MIN, parse_pain_rating
from hipflex.errors import HipflexError
from hipflex.insights.wording import plural

if TYPE_CHECKING:
    from hipflex.domain.clock import Clock
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
    ctx: typer.Context,
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
    from hipflex.domain.corrections import UNCHANGED, SessionCorrection

    correction = SessionCorrection(
        pain_before=UNCHANGED if pain_before is None else _pain(pain_before, "--pain-before"),
        pain_after=UNCHANGED if pain_after is None else _pain(pain_after, "--pain-after"),
        note=UNCHANGED if note is None else note,
        demo=UNCHANGED if demo is None else demo,
    )
    clock = wall_clock(ctx)
    if correction.empty:
        raise HipflexError(
            "nothing to change",
            hint="give --pain-before N, --pain-after N, --note TEXT or --demo/--not-demo",
        )
    with _open(data_dir) as database:
        repository = database.repository
        full_id = _resolve(database, session_id, clock)
        try:
            corrected = repository.correct_session(full_id, correction, clock.now())
        except ValueError as exc:
            raise HipflexError(str(exc)) from None
    Console().print(f"Saved: {_describe(corrected, _local_tz(clock))}", highlight=False)


@session_app.command("delete")
def delete(
    ctx: typer.Context,
    session_id: IdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Delete a session (asks first; `hipflex session undo` restores it for 15 minutes)."""
    from hipflex.domain.corrections import UNDO_WINDOW

    clock = wall_clock(ctx)
    with _open(data_dir) as database:
        repository = database.repository
        full_id = _resolve(database, session_id, clock)
        session = repository.get_session(full_id)
        assert session is not None
        description = _describe(session, _local_tz(clock))
        if not yes and not _confirm(f"Delete {description}?"):
            Console().print("Nothing deleted.")
            raise typer.Exit(1)
        try:
            repository.delete_session(full_id, clock.now())
        except ValueError as exc:
            raise HipflexError(str(exc)) from None
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    Console().print(
        f"Deleted {description}. Changed your mind? `hipflex session undo` within "
        f"{plural(minutes, 'minute')}.",
        highlight=False,
    )


@session_app.command("undo")
def undo(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Restore the session deleted last (within 15 minutes of deleting it)."""
    from hipflex.domain.corrections import UNDO_WINDOW

    with _open(data_dir) as database:
        restored = database.repository.undo_delete(wall_clock(ctx).now())
    if restored is None:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise HipflexError(
            f"nothing to undo: no session was deleted in the last {plural(minutes, 'minute')}"
        )
    Console().print(f"Restored {_describe(restored, _local_tz(wall_clock(ctx)))}.", highlight=False)


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
    rating = parse_pain_rating(value)
    if rating is None:
        raise HipflexError(
            f"{option}: pain must be a whole number from {PAIN_MIN} to {PAIN_MAX}, or 'none'"
        )
    return rating


def _resolve(database: Database, session_id: str, clock: Clock) -> str:
    from hipflex.storage.corrections import SessionIdError

    database.repository.purge_deleted(clock.now())
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


def _local_tz(clock: Clock) -> tzinfo:
    tz = clock.now().astimezone().tzinfo
    assert tz is not None
    return tz
