"""The HTML pages: Today, Session, History, Protocols, Settings."""

from __future__ import annotations

import re
from datetime import date, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hipflex.domain.protocol import NAME_PATTERN, Protocol
from hipflex.domain.records import PAIN_MAX, PAIN_MIN
from hipflex.errors import HipflexError
from hipflex.protocols.loader import discover
from hipflex.reminders.timezones import resolve_timezone
from hipflex.services.checkins import NOTE_MAX_CHARS as CHECKIN_NOTE_MAX
from hipflex.services.corrections import undo_minutes
from hipflex.services.history import history_page as load_history_page
from hipflex.services.history import today_summary
from hipflex.settings import (
    ReminderSettings,
    SettingsError,
    UserSettings,
    field_limits,
    updated_settings,
)
from hipflex.web import charts
from hipflex.web.context import WebContext
from hipflex.web.routes.corrections import router as corrections_router
from hipflex.web.routes.report import router as report_router
from hipflex.web.security import csrf_valid
from hipflex.web.templating import FIGURES, render, web_context

router = APIRouter()
router.include_router(corrections_router)
router.include_router(report_router)
Context = Annotated[WebContext, Depends(web_context)]
# A note on the History page is shown up to this many characters (the most the app itself
# takes, api.MAX_NOTE_CHARS); a longer imported one ends in "…" (the export keeps it whole).
NOTE_SHOWN_CHARS = 2000


def _person_day(context: WebContext, settings: UserSettings) -> tuple[tzinfo, date]:
    """The person's time zone (the settings', else the computer's) and their today by the
    app's clock: the same days as `hipflex stats` and `insights`."""
    tz = resolve_timezone(settings.reminders.timezone)
    return tz, context.clock.now().astimezone(tz).date()


def _cache_key(
    kind: str, protocol: Protocol, tz: tzinfo, today: date, *extra: object
) -> tuple[object, ...]:
    return (kind, protocol.model_dump_json(), str(tz), today, *extra)


def _protocols(context: WebContext) -> list[Protocol]:
    return [e.protocol for e in discover(context.data_dir) if e.protocol is not None]


def _default_protocol(context: WebContext, settings: UserSettings) -> tuple[Protocol, str | None]:
    """The person's default protocol, or the first shipped one with a note why."""
    try:
        return context.protocol_for_session(settings.default_protocol), None
    except HipflexError as exc:
        fallback = _protocols(context)[0]
        return fallback, exc.message


CHECKIN_NOTICES = ("saved", "missing", "invalid")


@router.get("/", response_class=HTMLResponse)
def today_page(
    request: Request, context: Context, checkin: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    settings = context.settings()
    protocol, problem = _default_protocol(context, settings)
    tz, today = _person_day(context, settings)
    repository = context.repository

    def compute() -> bytes:
        summary = today_summary(repository, protocol, today, tz)
        return bytes(
            render(
                request,
                "today.html",
                protocol=protocol,
                problem=problem,
                stats=summary.stats,
                done_today=summary.stats.today.completed_sessions > 0,
                last_pain=summary.last_pain,
                checkin_today=summary.checkin_today,
                checkin_notice=notice,
                pain_values=range(PAIN_MIN, PAIN_MAX + 1),
                note_max=CHECKIN_NOTE_MAX,
                tz=tz,
                figure=FIGURES.get(protocol.position.value, "kneeling"),
                side=protocol.sides[0].value,
            ).body
        )

    notice = checkin if checkin in CHECKIN_NOTICES else None
    key = _cache_key("today", protocol, tz, today, problem, notice)
    return HTMLResponse(context.page_cache.get(key, repository.history_revision(), compute))


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
        pain_values=range(PAIN_MIN, PAIN_MAX + 1),
        first_get_ready_s=chosen.first_get_ready_s or chosen.get_ready_s,
    )


@router.get("/history", response_class=HTMLResponse)
def history_page(
    request: Request,
    context: Context,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    saved: Annotated[str | None, Query(max_length=64)] = None,
    restored: Annotated[str | None, Query(max_length=64)] = None,
    deleted: Annotated[str | None, Query(max_length=8)] = None,
    undo: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    settings = context.settings()
    protocol, _ = _default_protocol(context, settings)
    tz, today = _person_day(context, settings)
    repository = context.repository

    def compute() -> bytes:
        loaded = load_history_page(repository, protocol, today, tz, page=page)
        view = loaded.view
        counted_weeks = charts.weeks_since_first_use(view.weeks)
        return bytes(
            render(
                request,
                "history.html",
                protocol=protocol,
                view=view,
                insights=loaded.insights,
                stats=loaded.stats,
                weekly_chart=charts.responsive(charts.weekly_dose_chart, counted_weeks, view.sides),
                counted_weeks=counted_weeks,
                hip_chart=charts.responsive(charts.hip_extension_chart, view.hip_extension, today),
                pain_chart=charts.responsive(charts.pain_chart, view.pain, today),
                recent=loaded.recent,
                listing=loaded,
                note_chars=NOTE_SHOWN_CHARS,
                tz=tz,
                notice=notice,
                changed_id=changed_id,
                undo_minutes=undo_minutes(),
            ).body
        )

    # After a correction the page says what happened (and offers the undo after a delete).
    notice, changed_id = _history_notice(saved, restored, deleted, undo)
    key = _cache_key("history", protocol, tz, today, page, notice, changed_id)
    try:
        body = context.page_cache.get(key, repository.history_revision(), compute)
    except ValueError as exc:  # a page past the last (the list got shorter, or a typo)
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return HTMLResponse(body)


def _history_notice(
    saved: str | None, restored: str | None, deleted: str | None, undo: str | None
) -> tuple[str | None, str | None]:
    """Which notice the History page shows after a correction, and the session it names."""
    if deleted is not None:
        return "deleted", None
    if undo is not None:
        return "undo-late", None
    if restored is not None:
        return "restored", restored
    if saved is not None:
        return "saved", saved
    return None, None


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
    return _settings_form(request, context, context.settings(), saved=saved)


def _settings_form(
    request: Request,
    context: WebContext,
    settings: UserSettings,
    *,
    saved: bool = False,
    errors: list[str] | None = None,
) -> HTMLResponse:
    # The number inputs' min and max come from the settings' own fields.
    fields = ("rest_s", "camera_index", "first_get_ready_s")
    limits = {name: field_limits(UserSettings, name) for name in fields} | {
        "break_every_min": field_limits(ReminderSettings, "break_every_min")
    }
    return render(
        request,
        "settings.html",
        status_code=400 if errors else 200,
        settings=settings,
        protocols=_protocols(context),
        saved=saved,
        errors=errors or [],
        limits=limits,
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
    camera_index: Annotated[str | None, Form()] = None,
    first_get_ready_s: Annotated[str | None, Form()] = None,
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
    errors = []
    if default_protocol not in {p.name for p in _protocols(context)}:
        errors.append(f"Unknown protocol {default_protocol!r}.")
    try:
        updated = updated_settings(
            settings,
            {
                "default_protocol": default_protocol,
                "rest_s": rest_s,
                "voice": voice is not None,
                "sound": sound is not None,
            }
            | _given(camera_index=camera_index, first_get_ready_s=first_get_ready_s),
            {
                "daily_enabled": daily_enabled is not None,
                "daily_time": daily_time,
                "breaks_enabled": breaks_enabled is not None,
                "break_every_min": break_every_min,
                "work_start": work_start,
                "work_end": work_end,
            },
        )
    except SettingsError as exc:
        errors += [problem.text for problem in exc.problems]
    if errors:
        return _settings_form(request, context, settings, errors=errors)
    context.save_settings(updated)
    return RedirectResponse("/settings?saved=true", status_code=303)


def _given(**fields: str | None) -> dict[str, object]:
    """The fields a form sent (an older page without a field leaves that setting alone)."""
    return {name: value for name, value in fields.items() if value is not None}


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
