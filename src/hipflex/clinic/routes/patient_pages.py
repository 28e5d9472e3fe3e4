"""The patient's own pages: their plan, recent sessions and a pain check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hipflex.clinic.auth import check_csrf, page_principal
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.clinic.forms import form_date, form_int, form_text
from hipflex.clinic.templating import render
from hipflex.domain.clinic import Role
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import InvalidInput
from hipflex.services.clinic.patient_data import CheckinIn
from hipflex.services.clinic.player import TodaysPlan, long_date

router = APIRouter(include_in_schema=False)
Context = Annotated[ClinicContext, Depends(clinic_context)]
LoggedIn = Annotated[Principal, Depends(page_principal)]
RECENT_DAYS = 30


def _me(
    request: Request,
    context: ClinicContext,
    principal: Principal,
    *,
    errors: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    require_role(principal.account, Role.PATIENT)
    now = context.now()
    me = principal.account
    clinic = context.staff.clinic(principal)
    zone = ZoneInfo(clinic.timezone)
    today = now.astimezone(zone).date()
    versions = context.prescriptions.history(principal, me.id, now)
    # Whether "Start today's session" runs today: the newest version on the clinic's day, the
    # same rule the player applies (read above, not again).
    plan = TodaysPlan(versions[0] if versions else None, today)
    sessions = context.patient_data.sessions(
        principal, me.id, now - timedelta(days=RECENT_DAYS), now
    )
    checkins = context.patient_data.checkins(
        principal, me.id, today - timedelta(days=RECENT_DAYS), now
    )
    return render(
        request,
        "me.html",
        principal,
        status_code=status_code,
        clinic=clinic,
        prescription=versions[0] if versions else None,
        plan=plan,
        long_date=long_date,
        sessions=list(reversed(sessions)),
        checkins=list(reversed(checkins)),
        checked_in_today=any(c.day == today for c in checkins),
        today=today,
        zone=zone,
        errors=errors or [],
        notice=notice,
    )


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    return _me(request, context, principal)


@router.post("/me/checkins", response_class=HTMLResponse)
async def add_checkin(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    require_role(principal.account, Role.PATIENT)
    form = await request.form()

    def work() -> Response:
        problems: list[str] = []
        value = form_int(form, "value", problems, "pain")
        now = context.now()
        today = context.dashboard.today(principal, now)
        day = form_date(form, "day", problems, "day") or today
        try:
            if problems:
                raise InvalidInput(problems)
            if not 0 <= value <= 10:
                raise InvalidInput(["pain: choose a number from 0 to 10"])
            checkin = CheckinIn(day=day, value=value, note=form_text(form, "note")[:1000])
            context.patient_data.add_checkin(principal, checkin, today, now)
        except InvalidInput as exc:
            return _me(request, context, principal, errors=exc.problems, status_code=422)
        return RedirectResponse("/me?checked_in=1", status_code=303)

    return await run_in_threadpool(work)
