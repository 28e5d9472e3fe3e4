"""The PDF report for a physiotherapist, from the History page: the same two pages as
``hipflex report --out FILE.pdf --name NAME`` (the last 4 weeks), downloaded by the browser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import Response

from hipflex.errors import HipflexError
from hipflex.protocols.loader import discover
from hipflex.reminders.timezones import resolve_timezone
from hipflex.reports.pdf import pdf_bytes
from hipflex.services.history import insights_for
from hipflex.web.context import WebContext
from hipflex.web.security import csrf_valid
from hipflex.web.templating import web_context

router = APIRouter()
Context = Annotated[WebContext, Depends(web_context)]
REPORT_WEEKS = 4  # as the History page's summary and `hipflex report`'s default
PATIENT_NAME_MAX_CHARS = 120


@router.post("/report.pdf", response_model=None)
def report_pdf(
    context: Context,
    csrf_token: Annotated[str, Form()] = "",
    patient_name: Annotated[str, Form(max_length=PATIENT_NAME_MAX_CHARS * 4)] = "",
) -> Response:
    if not csrf_valid(csrf_token, context.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    name = " ".join(patient_name.split())[:PATIENT_NAME_MAX_CHARS] or None
    settings = context.settings()
    try:
        protocol = context.protocol_for_session(settings.default_protocol)
    except HipflexError:
        protocol = next(e.protocol for e in discover(context.data_dir) if e.protocol is not None)
    tz = resolve_timezone(settings.reminders.timezone)
    now = context.clock.now().astimezone(tz)
    insights = insights_for(context.repository, protocol, now.date(), tz, weeks=REPORT_WEEKS)
    return Response(
        pdf_bytes(insights, now, name),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="hipflex-report-{now:%Y-%m-%d}.pdf"',
            "Cache-Control": "no-store",
        },
    )
