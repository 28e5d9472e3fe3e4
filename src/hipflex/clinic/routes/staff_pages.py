"""Admin and clinician pages: staff, invites, the dashboard, a patient, prescriptions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hipflex.clinic.auth import check_csrf, page_principal
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.clinic.forms import form_date, form_int, form_list, form_text
from hipflex.clinic.patient_view import patient_charts, patient_insights
from hipflex.clinic.qr import qr_svg
from hipflex.clinic.templating import render
from hipflex.domain.clinic import AlertSettings, Role
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import ClinicError, InvalidInput
from hipflex.services.clinic.prescriptions import PrescriptionRequest

router = APIRouter(include_in_schema=False)
Context = Annotated[ClinicContext, Depends(clinic_context)]
LoggedIn = Annotated[Principal, Depends(page_principal)]
MAX_REPORT_WEEKS = 52


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---- admin ----------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    return render(
        request,
        "admin.html",
        principal,
        clinic=context.staff.clinic(principal),
        members=context.staff.members(principal),
        invites=context.invites.pending(principal, context.now()),
    )


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    clinic = context.staff.clinic(principal)
    return render(
        request,
        "audit.html",
        principal,
        entries=context.staff.audit_log(principal),
        zone=ZoneInfo(clinic.timezone),
    )


@router.post("/admin/staff/{account_id}/{action}")
async def set_staff_active(
    request: Request, account_id: str, action: str, context: Context, principal: LoggedIn
) -> Response:
    await check_csrf(request, principal)

    def work() -> Response:
        if action not in ("disable", "enable"):
            raise InvalidInput([f"unknown action {action!r}"])
        context.staff.set_active(principal, account_id, action == "enable", context.now())
        return _see_other("/admin")

    return await run_in_threadpool(work)


# ---- invites (admin: staff; clinician: patients) ---------------------------------------------


@router.post("/invites", response_class=HTMLResponse)
async def create_invite(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    form = await request.form()

    def work() -> Response:
        role_text = form_text(form, "role")
        if role_text not in {r.value for r in Role}:
            raise InvalidInput(["role: choose admin, clinician or patient"])
        new = context.invites.create(
            principal, Role(role_text), form_text(form, "display_name"), context.now()
        )
        link = context.invite_url(new.token)
        return render(
            request,
            "invite_created.html",
            principal,
            status_code=201,
            invite=new.invite,
            link=link,
            qr=qr_svg(link, f"QR code of the invite link for {new.invite.display_name}"),
            back="/admin" if principal.account.role is Role.ADMIN else "/dashboard",
        )

    return await run_in_threadpool(work)


@router.post("/invites/{invite_id}/revoke")
async def revoke_invite(
    request: Request, invite_id: str, context: Context, principal: LoggedIn
) -> Response:
    await check_csrf(request, principal)

    def work() -> Response:
        context.invites.revoke(principal, invite_id, context.now())
        return _see_other("/admin" if principal.account.role is Role.ADMIN else "/dashboard")

    return await run_in_threadpool(work)


# ---- clinician ------------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    now = context.now()
    summaries = context.dashboard.patients(principal, now)
    return render(
        request,
        "dashboard.html",
        principal,
        summaries=summaries,
        invites=context.invites.pending(principal, now),
        today=context.dashboard.today(principal, now),
    )


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request, patient_id: str, context: Context, principal: LoggedIn
) -> Response:
    require_role(principal.account, Role.CLINICIAN)
    return _patient(request, context, principal, patient_id)


@router.get("/patients/{patient_id}/report.pdf")
def patient_report(
    patient_id: str,
    context: Context,
    principal: LoggedIn,
    weeks: Annotated[int, Query(ge=1, le=MAX_REPORT_WEEKS)] = 4,
) -> Response:
    """The home app's two-page PDF report (``hipflex report``) for one of the clinician's
    patients, with the patient's name at the top."""
    from hipflex.reports.pdf import pdf_bytes

    require_role(principal.account, Role.CLINICIAN)
    now = context.now()
    detail = context.dashboard.patient(principal, patient_id, now, read="PDF report")
    zone = ZoneInfo(detail.clinic.timezone)
    today = now.astimezone(zone).date()
    insights = patient_insights(detail, today, zone, weeks)
    name = detail.summary.patient.display_name
    content = pdf_bytes(insights, now.astimezone(zone), name)
    filename = f"hipflex-report-{_file_safe(name)}-{today.isoformat()}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{filename}"'},
    )


def _file_safe(name: str) -> str:
    """A patient's name as ASCII letters, digits and dashes for a file name."""
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    return "-".join(part for part in cleaned.split("-") if part) or "patient"


def _patient(
    request: Request,
    context: ClinicContext,
    principal: Principal,
    patient_id: str,
    *,
    errors: list[str] | None = None,
    values: dict[str, object] | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Response:
    now = context.now()
    detail = context.dashboard.patient(principal, patient_id, now)
    zone = ZoneInfo(detail.clinic.timezone)
    today = now.astimezone(zone).date()
    current = detail.prescriptions[0] if detail.prescriptions else None
    defaults: dict[str, object] = {
        "protocol_name": current.protocol.name if current else "kneeling-hip-flexor",
        "hold_s": current.dose.hold_s if current else 30,
        "reps": current.dose.reps if current else 3,
        "sides": [s.value for s in current.dose.sides] if current else ["right", "left"],
        "times_per_day": current.dose.times_per_day if current else 1,
        "days_per_week": current.dose.days_per_week if current else 7,
        "start_date": today.isoformat(),
        "end_date": current.end_date.isoformat() if current and current.end_date else "",
        "note": current.note if current else "",
    }
    return render(
        request,
        "patient.html",
        principal,
        status_code=status_code,
        detail=detail,
        current=current,
        protocols=context.prescriptions.protocols(principal),
        charts=patient_charts(detail, today, zone),
        values={**defaults, **(values or {})},
        errors=errors or [],
        notice=notice,
        zone=zone,
        today=today,
        max_end=(today + timedelta(days=3650)).isoformat(),
    )


@router.post("/patients/{patient_id}/prescriptions", response_class=HTMLResponse)
async def prescribe(
    request: Request, patient_id: str, context: Context, principal: LoggedIn
) -> Response:
    await check_csrf(request, principal)
    require_role(principal.account, Role.CLINICIAN)
    form = await request.form()

    def work() -> Response:
        problems: list[str] = []
        values: dict[str, object] = {
            key: form_text(form, key)
            for key in ("protocol_name", "hold_s", "reps", "times_per_day", "days_per_week",
                        "start_date", "end_date", "note")
        }  # fmt: skip
        values["sides"] = form_list(form, "sides")
        hold_s = form_int(form, "hold_s", problems, "hold seconds")
        reps = form_int(form, "reps", problems, "reps")
        times = form_int(form, "times_per_day", problems, "times per day")
        days = form_int(form, "days_per_week", problems, "days per week")
        start = form_date(form, "start_date", problems, "start date")
        end = form_date(form, "end_date", problems, "end date")
        if start is None and not any(p.startswith("start date") for p in problems):
            problems.append("start date: enter the day the prescription starts")
        try:
            if problems:
                raise InvalidInput(problems)
            assert start is not None
            prescription = context.prescriptions.prescribe(
                principal,
                patient_id,
                PrescriptionRequest(
                    protocol_name=form_text(form, "protocol_name"),
                    hold_s=hold_s,
                    reps=reps,
                    sides=tuple(form_list(form, "sides")),
                    times_per_day=times,
                    days_per_week=days,
                    start_date=start,
                    end_date=end,
                    note=form_text(form, "note"),
                ),
                context.now(),
            )
        except InvalidInput as exc:
            return _patient(
                request, context, principal, patient_id,
                errors=exc.problems, values=values, status_code=422,
            )  # fmt: skip
        return _patient(
            request, context, principal, patient_id,
            notice=f"Prescription saved as version {prescription.version}.",
        )  # fmt: skip

    return await run_in_threadpool(work)


@router.post("/patients/{patient_id}/alerts", response_class=HTMLResponse)
async def set_alerts(
    request: Request, patient_id: str, context: Context, principal: LoggedIn
) -> Response:
    await check_csrf(request, principal)
    form = await request.form()

    def work() -> Response:
        problems: list[str] = []
        threshold = form_int(form, "pain_after_threshold", problems, "pain threshold")
        inactive = form_int(form, "inactive_days", problems, "days without a session")
        try:
            if problems:
                raise InvalidInput(problems)
            context.dashboard.set_alerts(
                principal, patient_id, AlertSettings(threshold, inactive), context.now()
            )
        except InvalidInput as exc:
            return _patient(
                request, context, principal, patient_id, errors=exc.problems, status_code=422
            )
        return _patient(request, context, principal, patient_id, notice="Alert settings saved.")

    return await run_in_threadpool(work)


@router.get("/protocols", response_class=HTMLResponse)
def protocols_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    require_role(principal.account, Role.CLINICIAN)
    return render(
        request,
        "protocols.html",
        principal,
        protocols=context.prescriptions.protocols(principal),
        errors=[],
        toml="",
    )


@router.post("/protocols", response_class=HTMLResponse)
async def add_protocol(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    form = await request.form()

    def work() -> Response:
        toml = form_text(form, "toml")
        try:
            context.prescriptions.add_protocol(principal, toml, context.now())
        except ClinicError as exc:
            problems = exc.problems if isinstance(exc, InvalidInput) else [exc.message]
            return render(
                request,
                "protocols.html",
                principal,
                status_code=exc.status,
                protocols=context.prescriptions.protocols(principal),
                errors=problems,
                toml=toml,
            )
        return _see_other("/protocols")

    return await run_in_threadpool(work)
