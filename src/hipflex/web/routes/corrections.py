"""Correcting the record from the browser: edit a session's pain and note, delete a session
(after a confirmation page; undo for a while), and the Today page's pain check-in.

Each route parses the form, calls one use case (services/corrections.py, services/checkins.py)
and renders or redirects. Plain HTML forms, no script: they work the same on every browser.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hipflex.domain.corrections import SessionCorrection
from hipflex.domain.records import PAIN_MAX, PAIN_MIN, SessionRecord
from hipflex.reminders.timezones import resolve_timezone
from hipflex.services.checkins import NOTE_MAX_CHARS, CheckInError, check_in_pain
from hipflex.services.corrections import (
    CorrectionError,
    correct_session,
    delete_session,
    session_to_correct,
    undo_delete,
    undo_minutes,
)
from hipflex.web.context import WebContext
from hipflex.web.security import csrf_valid
from hipflex.web.templating import render, web_context

router = APIRouter()
Context = Annotated[WebContext, Depends(web_context)]
SESSION_ID = re.compile(r"[0-9A-Za-z:+._-]{1,80}")  # stored ids: uuid4, older imports


def _check_csrf(context: WebContext, token: str) -> None:
    if not csrf_valid(token, context.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")


def _stored_session(context: WebContext, session_id: str) -> SessionRecord:
    if not SESSION_ID.fullmatch(session_id):
        raise HTTPException(status_code=404, detail="no such session")
    try:
        return session_to_correct(context.repository, session_id, context.clock.now())
    except CorrectionError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def _page(
    request: Request,
    context: WebContext,
    name: str,
    session: SessionRecord,
    status_code: int = 200,
    **values: object,
) -> HTMLResponse:
    tz = resolve_timezone(context.settings().reminders.timezone)
    return render(
        request,
        name,
        status_code=status_code,
        session=session,
        when=session.started_at.astimezone(tz).strftime("%a %d %b %Y, %H:%M"),
        pain_values=range(PAIN_MIN, PAIN_MAX + 1),
        note_max=NOTE_MAX_CHARS,
        undo_minutes=undo_minutes(),
        **values,
    )


def _history_url(notice: str, session_id: str) -> str:
    """The History page naming the changed session (scrolled to it)."""
    return f"/history?{notice}={quote(session_id, safe='')}#session-{quote(session_id, safe='')}"


def _pain(text: str, label: str, errors: list[str]) -> int | None:
    value = text.strip()
    if value == "":
        return None
    if value.isdigit() and PAIN_MIN <= int(value) <= PAIN_MAX:
        return int(value)
    errors.append(f"{label}: choose a number from {PAIN_MIN} to {PAIN_MAX}, or “not rated”.")
    return None


@router.get("/history/sessions/{session_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, context: Context, session_id: str) -> HTMLResponse:
    session = _stored_session(context, session_id)
    note = session.notes[0].text if session.notes else ""
    return _page(
        request,
        context,
        "session_edit.html",
        session,
        form={
            "pain_before": session.pain_before,
            "pain_after": session.pain_after,
            "note": note,
            "demo": session.demo,
        },
        errors=[],
    )


@router.post("/history/sessions/{session_id}/edit", response_model=None)
def save_edit(
    request: Request,
    context: Context,
    session_id: str,
    csrf_token: Annotated[str, Form()] = "",
    pain_before: Annotated[str, Form(max_length=8)] = "",
    pain_after: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX_CHARS * 2)] = "",
    demo: Annotated[str | None, Form(max_length=8)] = None,
) -> HTMLResponse | RedirectResponse:
    _check_csrf(context, csrf_token)
    session = _stored_session(context, session_id)
    errors: list[str] = []
    correction = SessionCorrection(
        pain_before=_pain(pain_before, "Pain before", errors),
        pain_after=_pain(pain_after, "Pain after", errors),
        note=note.replace("\r\n", "\n"),
        demo=demo is not None,
    )
    if not errors:
        try:
            correct_session(context.repository, session.id, correction, context.clock.now())
        except CorrectionError as exc:
            errors.append(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    if errors:
        form: dict[str, object] = {
            key: int(text) if text.strip().isdigit() else None
            for key, text in (("pain_before", pain_before), ("pain_after", pain_after))
        }
        form |= {"note": note, "demo": demo is not None}
        return _page(request, context, "session_edit.html", session, 400, form=form, errors=errors)
    return RedirectResponse(_history_url("saved", session.id), status_code=303)


@router.get("/history/sessions/{session_id}/delete", response_class=HTMLResponse)
def delete_form(request: Request, context: Context, session_id: str) -> HTMLResponse:
    session = _stored_session(context, session_id)
    return _page(request, context, "session_delete.html", session, errors=[])


@router.post("/history/sessions/{session_id}/delete", response_model=None)
def confirm_delete(
    request: Request,
    context: Context,
    session_id: str,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    _check_csrf(context, csrf_token)
    session = _stored_session(context, session_id)
    try:
        delete_session(context.repository, session.id, context.clock.now())
    except CorrectionError as exc:
        return _page(request, context, "session_delete.html", session, 409, errors=[f"{exc}."])
    return RedirectResponse("/history?deleted=1#notice", status_code=303)


@router.post("/history/undo", response_model=None)
def undo(context: Context, csrf_token: Annotated[str, Form()] = "") -> RedirectResponse:
    _check_csrf(context, csrf_token)
    try:
        restored = undo_delete(context.repository, context.clock.now())
    except CorrectionError:
        return RedirectResponse("/history?undo=late#notice", status_code=303)
    return RedirectResponse(_history_url("restored", restored.id), status_code=303)


@router.post("/checkin", response_model=None)
def pain_check_in(
    context: Context,
    csrf_token: Annotated[str, Form()] = "",
    pain: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=NOTE_MAX_CHARS * 2)] = "",
) -> RedirectResponse:
    _check_csrf(context, csrf_token)
    if not pain.strip().isdigit():
        return RedirectResponse("/?checkin=missing#checkin", status_code=303)
    tz = resolve_timezone(context.settings().reminders.timezone)
    try:
        check_in_pain(context.repository, int(pain), context.clock.now(), tz, note.strip() or None)
    except CheckInError:
        return RedirectResponse("/?checkin=invalid#checkin", status_code=303)
    return RedirectResponse("/?checkin=saved#checkin", status_code=303)
