"""The HTML pages: Today, Session, History, Protocols, Settings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hipflex.domain.protocol import NAME_PATTERN, Protocol
from hipflex.domain.records import SessionRecord
from hipflex.errors import HipflexError
from hipflex.insights.stats import compute_stats
from hipflex.protocols.loader import discover
from hipflex.reminders.timeparse import (
    ReminderSettingsError,
    format_clock_time,
    parse_clock_time,
)
from hipflex.reminders.timezones import resolve_timezone
from hipflex.services.history import history_page as load_history_page
from hipflex.settings import UserSettings
from hipflex.web import charts
from hipflex.web.context import WebContext
from hipflex.web.security import csrf_valid
from hipflex.web.templating import FIGURES, render, web_context

router = APIRouter()
Context = Annotated[WebContext, Depends(web_context)]
HISTORY_DAYS = 400  # enough for the calendar, the charts and a long streak


def _local_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def _recent(context: WebContext, today: date, tz: tzinfo) -> list[SessionRecord]:
    start = datetime.combine(today - timedelta(days=HISTORY_DAYS), datetime.min.time(), tz)
    return context.repository.sessions_between(start, None)


def _protocols(context: WebContext) -> list[Protocol]:
    return [e.protocol for e in discover(context.data_dir) if e.protocol is not None]


def _default_protocol(context: WebContext, settings: UserSettings) -> tuple[Protocol, str | None]:
    """The person's default protocol, or the first shipped one with a note why."""
    try:
        return context.protocol_for_session(settings.default_protocol), None
    except HipflexError as exc:
        fallback = _protocols(context)[0]
        return fallback, exc.message


@router.get("/", response_class=HTMLResponse)
def today_page(request: Request, context: Context) -> HTMLResponse:
    settings = context.settings()
    protocol, problem = _default_protocol(context, settings)
    tz = _local_tz()
    today = datetime.now(tz).date()
    sessions = _recent(context, today, tz)
    stats = compute_stats(sessions, protocol, today, tz)
    rated = [s for s in sessions if s.pain_after is not None or s.pain_before is not None]
    last_pain = None
    if rated:
        latest = max(rated, key=lambda s: s.started_at)
        value = latest.pain_after if latest.pain_after is not None else latest.pain_before
        moment = "after" if latest.pain_after is not None else "before"
        last_pain = {"value": value, "moment": moment, "day": latest.started_at.astimezone(tz)}
    return render(
        request,
        "today.html",
        protocol=protocol,
        problem=problem,
        stats=stats,
        done_today=stats.today.completed_sessions > 0,
        last_pain=last_pain,
        figure=FIGURES.get(protocol.position.value, "kneeling"),
        side=protocol.sides[0].value,
    )


@router.get("/session", response_class=HTMLResponse)
def session_page(request: Request, context: Context, protocol: str | None = None) -> HTMLResponse:
    settings = context.settings()
    if protocol is not None and not re.fullmatch(NAME_PATTERN, protocol):
        raise HTTPException(status_code=404, detail="no such protocol")
    try:
        chosen = context.protocol_for_session(protocol or settings.default_protocol)
    except HipflexError as exc:
        if protocol is not None:
            raise HTTPException(status_code=404, detail=exc.message) from None
        chosen, _ = _default_protocol(context, settings)
    return render(
        request,
        "session.html",
        protocol=chosen,
        protocols=_protocols(context),
        settings=settings,
        figure=FIGURES.get(chosen.position.value, "kneeling"),
        side=chosen.sides[0].value,
        speed=context.speed,
    )


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, context: Context) -> HTMLResponse:
    settings = context.settings()
    protocol, _ = _default_protocol(context, settings)
    tz = resolve_timezone(settings.reminders.timezone)  # the same days as `hipflex insights`
    today = datetime.now(tz).date()
    page = load_history_page(context.repository, protocol, today, tz)
    view = page.view
    return render(
        request,
        "history.html",
        protocol=protocol,
        view=view,
        insights=page.insights,
        stats=page.stats,
        weekly_chart=charts.weekly_dose_chart(view.weeks, view.sides),
        hip_chart=charts.hip_extension_chart(view.hip_extension, today),
        pain_chart=charts.pain_chart(view.pain, today),
        recent=page.recent,
        tz=tz,
    )


@router.get("/protocols", response_class=HTMLResponse)
def protocols_page(request: Request, context: Context) -> HTMLResponse:
    settings = context.settings()
    entries = discover(context.data_dir)
    return render(
        request,
        "protocols.html",
        entries=entries,
        default=settings.default_protocol,
        figures=FIGURES,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, context: Context, saved: bool = False) -> HTMLResponse:
    return render(
        request,
        "settings.html",
        settings=context.settings(),
        protocols=_protocols(context),
        saved=saved,
        errors=[],
    )


@router.post("/settings", response_class=HTMLResponse, response_model=None)
def save_settings(
    request: Request,
    context: Context,
    csrf_token: Annotated[str, Form()] = "",
    default_protocol: Annotated[str, Form()] = "",
    rest_s: Annotated[str, Form()] = "",
    voice: Annotated[str | None, Form()] = None,
    sound: Annotated[str | None, Form()] = None,
    camera_index: Annotated[str, Form()] = "0",
    daily_enabled: Annotated[str | None, Form()] = None,
    daily_time: Annotated[str, Form()] = "08:00",
    breaks_enabled: Annotated[str | None, Form()] = None,
    break_every_min: Annotated[str, Form()] = "60",
    work_start: Annotated[str, Form()] = "09:00",
    work_end: Annotated[str, Form()] = "17:00",
) -> HTMLResponse | RedirectResponse:
    if not csrf_valid(csrf_token, context.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    settings = context.settings()
    known = {p.name for p in _protocols(context)}
    errors = []
    if default_protocol not in known:
        errors.append(f"Unknown protocol {default_protocol!r}.")
    rest: int | None = None
    if rest_s.strip():
        if not rest_s.strip().isdigit() or not 0 <= int(rest_s) <= 600:
            errors.append("Rest must be a whole number of seconds from 0 to 600, or empty.")
        else:
            rest = int(rest_s)
    if not camera_index.strip().isdigit() or not 0 <= int(camera_index) <= 16:
        errors.append("Camera must be a number from 0 to 16.")
    times: dict[str, str] = {}
    for field, label, text in (
        ("daily_time", "Daily reminder time", daily_time),
        ("work_start", "Working hours start", work_start),
        ("work_end", "Working hours end", work_end),
    ):
        try:
            times[field] = format_clock_time(parse_clock_time(text))
        except ReminderSettingsError as exc:
            errors.append(f"{label}: {exc.message}")
    if not break_every_min.strip().isdigit() or not 15 <= int(break_every_min) <= 480:
        errors.append("Sitting breaks must be every 15 to 480 minutes.")
    elif len(times) == 3 and times["work_start"] >= times["work_end"]:
        errors.append("Working hours must end after they start.")
    if errors:
        return render(
            request,
            "settings.html",
            status_code=400,
            settings=settings,
            protocols=_protocols(context),
            saved=False,
            errors=errors,
        )
    updated = settings.model_copy(
        update={
            "default_protocol": default_protocol,
            "rest_s": rest,
            "voice": voice is not None,
            "sound": sound is not None,
            "camera_index": int(camera_index),
            "reminders": settings.reminders.model_copy(
                update={
                    **times,
                    "daily_enabled": daily_enabled is not None,
                    "breaks_enabled": breaks_enabled is not None,
                    "break_every_min": int(break_every_min),
                }
            ),
        }
    )
    context.save_settings(updated)
    return RedirectResponse("/settings?saved=true", status_code=303)


@router.post("/protocols/default", response_model=None)
def choose_default(
    context: Context,
    csrf_token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if not csrf_valid(csrf_token, context.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    if name not in {p.name for p in _protocols(context)}:
        raise HTTPException(status_code=400, detail=f"unknown protocol {name!r}")
    settings = context.settings()
    context.save_settings(settings.model_copy(update={"default_protocol": name}))
    return RedirectResponse("/protocols", status_code=303)
