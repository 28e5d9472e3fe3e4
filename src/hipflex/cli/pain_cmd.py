"""``hipflex pain N``: how much it hurts today, on a day with or without a session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.errors import HipflexError


def register(app: typer.Typer) -> None:
    app.command("pain")(pain)


def pain(
    value: Annotated[
        int, typer.Argument(min=0, max=10, help="Pain right now, 0 (none) to 10 (worst).")
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="What it is like, in a few words.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Record today's pain (0–10), with or without a session; again the same day replaces it.

    Check in on rest days too: then `hipflex insights` can compare days with and without
    stretching, and show whether your pain is falling over the weeks."""
    from hipflex.reminders.timezones import resolve_timezone
    from hipflex.services.checkins import CheckInError, check_in_pain
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    directory = resolve_data_dir(data_dir)
    tz = resolve_timezone(load_settings(directory).reminders.timezone)
    with open_database(directory) as database:
        try:
            recorded = check_in_pain(database.repository, value, datetime.now(UTC), tz, note)
        except CheckInError as exc:
            raise HipflexError(str(exc)) from None
    extra = f" ({recorded.note})" if recorded.note else ""
    Console().print(
        f"Pain {recorded.value}/10 recorded for {recorded.day:%a %d %b}{extra}.",
        highlight=False,
        soft_wrap=True,
    )
