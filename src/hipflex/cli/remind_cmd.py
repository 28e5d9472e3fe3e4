"""``hipflex remind [run|set|status|snooze|not-today|install|uninstall]`` and ``hipflex calendar``.

Parses options, calls :mod:`hipflex.reminders`, prints the result. Heavy imports (the database,
desktop-notifier, icalendar) happen inside the commands.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption, JsonOption
from hipflex.cli.runtime import wall_clock
from hipflex.settings import DEFAULT_WEB_PORT, ReminderSettings, field_limits

if TYPE_CHECKING:
    from hipflex.domain.clock import Clock
    from hipflex.reminders.runner import PlanAndZone
    from hipflex.reminders.schedule import DayActivity
    from hipflex.settings import SettingsProblem

_BREAKS_MIN = field_limits(ReminderSettings, "break_every_min")
_SNOOZE_MIN = field_limits(ReminderSettings, "snooze_min")


remind_app = typer.Typer(
    help="Daily stretch and sitting-break reminders (run `hipflex remind` to start them).",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(remind_app, name="remind")
    app.command("calendar")(calendar)


@remind_app.callback()
def _remind(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        ctx.invoke(run, ctx=ctx)


@remind_app.command("run")
def run(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of `hipflex serve` (click to open).")
    ] = DEFAULT_WEB_PORT,
    once: Annotated[
        bool, typer.Option("--once", help="Check once, send what is due, and exit.")
    ] = False,
    no_desktop: Annotated[
        bool, typer.Option("--no-desktop", help="Terminal bell and log line only.")
    ] = False,
) -> None:
    """Run the reminder loop in the foreground (what `remind install` starts at login)."""
    import logging
    import sys

    from hipflex.reminders.notify import (
        ReminderActions,
        make_notifier,
        open_in_browser,
        session_url,
    )
    from hipflex.reminders.runner import ReminderRunner, history_activity
    from hipflex.reminders.state import state_path
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("hipflex").setLevel(logging.INFO)
    # desktop-notifier logs a full traceback for every failed notification; ours says it once.
    logging.getLogger("desktop_notifier").setLevel(logging.ERROR)

    directory = resolve_data_dir(data_dir)
    first = _plan_and_zone(load_settings(directory).reminders)
    clock = wall_clock(ctx)
    stop = threading.Event()
    database = open_database(directory)
    runner_box: list[ReminderRunner] = []
    actions = ReminderActions(
        open_session=open_in_browser(session_url(port)),
        snooze=lambda: runner_box[0].snooze(),
        skip_today=lambda: runner_box[0].skip_today(),
        snooze_label=f"Snooze {first.plan.snooze.seconds // 60} min",
    )
    notifier, desktop = make_notifier(
        actions,
        sys.stdout,
        lambda: clock.now().astimezone(runner.current().tz),
        use_desktop=not no_desktop,
    )
    runner = ReminderRunner(
        load_plan=lambda: _plan_and_zone(load_settings(directory).reminders),
        state_file=state_path(directory),
        notifier=notifier,
        clock=clock,
        sleep=lambda seconds: _wait(stop, seconds),
        activity=history_activity(database.repository.sessions_between),
    )
    runner_box.append(runner)
    if not (first.plan.daily_enabled or first.plan.breaks_enabled):
        Console(stderr=True).print(
            "No reminders are switched on; set them with `hipflex remind set --daily 7:30` "
            "(this keeps running and picks up changed settings).",
            highlight=False,
        )
    try:
        runner.run(max_ticks=1 if once else None, stop=stop)
    finally:
        if desktop is not None:
            desktop.close()
        database.close()


@remind_app.command("set")
def set_reminders(
    ctx: typer.Context,
    daily: Annotated[
        str | None, typer.Option(help='Daily stretch time ("7:30", "7pm") or "off".')
    ] = None,
    breaks_every: Annotated[
        str | None,
        typer.Option(
            help=f'Sitting-break interval in minutes ({_BREAKS_MIN[0]}-{_BREAKS_MIN[1]}) or "off".'
        ),
    ] = None,
    work: Annotated[str | None, typer.Option(help='Working hours, e.g. "9-17".')] = None,
    days: Annotated[str | None, typer.Option(help='Working days, e.g. "mon-fri".')] = None,
    timezone: Annotated[
        str | None, typer.Option(help='IANA time zone ("Europe/Berlin") or "local".')
    ] = None,
    snooze_min: Annotated[
        int | None,
        typer.Option(
            "--snooze", help=f"Snooze length in minutes ({_SNOOZE_MIN[0]}-{_SNOOZE_MIN[1]})."
        ),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change when to remind; the web app's settings page shows the same settings."""
    from hipflex.reminders.timeparse import format_clock_time, parse_weekdays, parse_work_hours
    from hipflex.reminders.timezones import zone_from_name
    from hipflex.settings import SettingsError, load_settings, resolve_data_dir, save_settings
    from hipflex.settings import updated_settings as validated

    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    changes: dict[str, Any] = {}
    if daily is not None:
        changes["daily_enabled"] = not _is_off(daily)
        if changes["daily_enabled"]:
            changes["daily_time"] = daily
    if breaks_every is not None:
        changes["breaks_enabled"] = not _is_off(breaks_every)
        if changes["breaks_enabled"]:
            changes["break_every_min"] = breaks_every
    if work is not None:
        start, end = parse_work_hours(work)
        changes["work_start"] = format_clock_time(start)
        changes["work_end"] = format_clock_time(end)
    if days is not None:
        changes["work_days"] = parse_weekdays(days)
    if timezone is not None:
        changes["timezone"] = None if timezone.lower() == "local" else zone_from_name(timezone).key
    if snooze_min is not None:
        changes["snooze_min"] = snooze_min
    try:
        updated = validated(settings, reminder_changes=changes)
    except SettingsError as exc:
        raise SettingsError([replace(p, text=_with_option(p)) for p in exc.problems]) from None
    reminders = updated.reminders
    _plan_and_zone(reminders)  # refuse a combination that cannot be scheduled
    if changes:
        save_settings(directory, updated)
    _show_settings(reminders, directory, wall_clock(ctx), as_json, saved=bool(changes))


# The option of `remind set` that sets each field, for error messages.
_OPTIONS = {
    "daily_time": "--daily",
    "break_every_min": "--breaks-every",
    "work_start": "--work",
    "work_end": "--work",
    "work_days": "--days",
    "snooze_min": "--snooze",
}


def _with_option(problem: SettingsProblem) -> str:
    option = _OPTIONS.get(problem.field or "")
    return f"{option}: {problem.detail}" if option else problem.text


@remind_app.command("status")
def status(ctx: typer.Context, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Show the reminder settings and the next reminders."""
    from hipflex.settings import load_settings, resolve_data_dir

    directory = resolve_data_dir(data_dir)
    reminders = load_settings(directory).reminders
    _show_settings(reminders, directory, wall_clock(ctx), as_json, saved=False)


@remind_app.command("snooze")
def snooze_cmd(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Send the last reminder again after the snooze time (default 10 min)."""
    from hipflex.reminders.schedule import snooze
    from hipflex.reminders.state import load_state, save_state, state_path
    from hipflex.settings import load_settings, resolve_data_dir

    directory = resolve_data_dir(data_dir)
    current = _plan_and_zone(load_settings(directory).reminders)
    path = state_path(directory)
    sent = load_state(path)
    if sent.last_sent_kind is None:
        typer.echo("No reminder has been sent yet, so there is nothing to snooze.")
        return
    state = snooze(current.plan, sent, wall_clock(ctx).now())
    save_state(path, state)
    assert state.snooze_until is not None
    at = state.snooze_until.astimezone(current.tz).strftime("%H:%M")
    typer.echo(f"Snoozed: reminding you again at {at} (if `hipflex remind` is running).")


@remind_app.command("not-today")
def not_today_cmd(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """No more reminders today."""
    from hipflex.reminders.schedule import skip_today
    from hipflex.reminders.state import load_state, save_state, state_path
    from hipflex.settings import load_settings, resolve_data_dir

    directory = resolve_data_dir(data_dir)
    current = _plan_and_zone(load_settings(directory).reminders)
    path = state_path(directory)
    save_state(path, skip_today(load_state(path), wall_clock(ctx).now(), current.tz))
    typer.echo("No more reminders today. See you tomorrow.")


@remind_app.command("install")
def install_cmd(data_dir: DataDirOption = None) -> None:
    """Start the reminders at login (systemd user unit, LaunchAgent or Startup folder)."""
    from hipflex.reminders.autostart import install, remind_command

    result = install(remind_command(data_dir))
    _show_autostart(result.done, result.warnings)


@remind_app.command("uninstall")
def uninstall_cmd() -> None:
    """Stop starting the reminders at login."""
    from hipflex.reminders.autostart import uninstall

    result = uninstall()
    _show_autostart(result.done, result.warnings)


def calendar(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The .ics file to write.")],
    at: Annotated[
        str | None, typer.Option("--time", help="Time of day (default: your daily reminder).")
    ] = None,
    protocol: Annotated[
        str | None, typer.Option("--protocol", "-p", help="Protocol (default: settings).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write an iCalendar file: the daily stretch as a recurring event with an alarm."""
    from hipflex.protocols.loader import load_protocol
    from hipflex.reminders.calendar import daily_stretch_calendar
    from hipflex.reminders.timeparse import parse_clock_time
    from hipflex.settings import load_settings, resolve_data_dir

    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    chosen = load_protocol(protocol or settings.default_protocol, directory)
    daily_time = parse_clock_time(at or settings.reminders.daily_time)
    tz = _plan_and_zone(settings.reminders).tz
    now = wall_clock(ctx).now()
    content = daily_stretch_calendar(
        protocol=chosen,
        daily_time=daily_time,
        tz=tz,
        first_day=now.astimezone(tz).date(),
        now=now,
    )
    _write_output(out, content)
    typer.echo(
        f"Wrote {out}: {chosen.title} every day at {daily_time:%H:%M}, with an alarm. "
        "Open it on your phone or import it into your calendar."
    )


def _plan_and_zone(reminders: ReminderSettings) -> PlanAndZone:
    from hipflex.reminders.runner import PlanAndZone
    from hipflex.reminders.schedule import ReminderPlan
    from hipflex.reminders.timezones import resolve_timezone

    return PlanAndZone(ReminderPlan.from_settings(reminders), resolve_timezone(reminders.timezone))


def _wait(stop: threading.Event, seconds: float) -> None:
    stop.wait(seconds)


def _is_off(text: str) -> bool:
    return text.strip().lower() in {"off", "no", "none", "0", "false"}


def _show_settings(
    reminders: ReminderSettings, directory: Path, clock: Clock, as_json: bool, *, saved: bool
) -> None:
    from hipflex.reminders.schedule import upcoming as upcoming_reminders
    from hipflex.reminders.state import load_state, state_path
    from hipflex.reminders.timeparse import format_weekdays

    current = _plan_and_zone(reminders)
    state = load_state(state_path(directory))
    now = clock.now()
    # The history says whether today's session is done: then no daily reminder today.
    activity = _today(directory, now, current.tz)
    nxt = upcoming_reminders(current.plan, current.tz, state, now, activity)
    tz_name = reminders.timezone or f"local ({now.astimezone(current.tz).tzname()})"
    if as_json:
        data = {
            "settings": reminders.model_dump(),
            "timezone": tz_name,
            "saved": saved,
            "next": [
                {"kind": r.kind.value, "at": r.slot.astimezone(current.tz).isoformat()} for r in nxt
            ],
        }
        typer.echo(json.dumps(data, indent=2))
        return
    console = Console()
    if saved:
        console.print("[green]Saved.[/]")
    daily = f"every day at {reminders.daily_time}" if reminders.daily_enabled else "off"
    breaks = (
        f"every {reminders.break_every_min} min, {reminders.work_start}–{reminders.work_end} "
        f"on {format_weekdays(reminders.work_days)}"
        if reminders.breaks_enabled
        else "off"
    )
    console.print(f"Daily stretch:  {daily}", highlight=False)
    console.print(f"Sitting breaks: {breaks}", highlight=False)
    console.print(f"Time zone:      {tz_name}; snooze {reminders.snooze_min} min", highlight=False)
    if activity.session_done_today:
        console.print("Today:          stretch done", highlight=False)
    for reminder in nxt:
        at = reminder.slot.astimezone(current.tz).strftime("%a %d %b %H:%M")
        console.print(f"Next {reminder.kind.value}: {at}", highlight=False)
    if not (reminders.daily_enabled or reminders.breaks_enabled):
        console.print(
            "Switch them on with e.g. `hipflex remind set --daily 7:30 --breaks-every 60`."
        )


def _today(directory: Path, now: datetime, tz: tzinfo) -> DayActivity:
    """Today's sessions from the history; an unreadable history counts as none."""
    from hipflex.errors import HipflexError
    from hipflex.reminders.runner import history_activity
    from hipflex.reminders.schedule import DayActivity
    from hipflex.storage.db import open_database

    try:
        with open_database(directory) as database:
            return history_activity(database.repository.sessions_between)(now, tz)
    except HipflexError:
        return DayActivity()


def _show_autostart(done: list[str], warnings: list[str]) -> None:
    console = Console()
    for line in done:
        console.print(line, highlight=False)
    for line in warnings:
        console.print(f"[yellow]note:[/] {line}", highlight=False)


def _write_output(path: Path, content: bytes) -> None:
    from hipflex.files import write_atomically

    write_atomically(path, content, hint="choose a path in a folder you can write to")
