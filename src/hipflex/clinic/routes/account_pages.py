"""Pages for getting in and managing one's own account: login, invite, sessions, devices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hipflex.clinic.auth import (
    PRE_LOGIN_CSRF_COOKIE,
    check_csrf,
    clear_session_cookie,
    client_address,
    current_principal,
    page_principal,
    pre_login_csrf,
    set_session_cookie,
)
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.clinic.forms import form_text
from hipflex.clinic.templating import render
from hipflex.domain.clinic import Role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import (
    AuthFailed,
    ClinicError,
    Conflict,
    InvalidInput,
    RateLimited,
)

router = APIRouter(include_in_schema=False)
Context = Annotated[ClinicContext, Depends(clinic_context)]
LoggedIn = Annotated[Principal, Depends(page_principal)]
HOME = {Role.ADMIN: "/admin", Role.CLINICIAN: "/dashboard", Role.PATIENT: "/me"}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(value: str | None, principal: Principal) -> str:
    """Only a local path (never //host or a scheme): no open redirect after login."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return HOME[principal.account.role]


@router.get("/")
def home(request: Request) -> Response:
    principal = current_principal(request)
    if principal is None or principal.login is None:
        return _see_other("/login")
    return _see_other(HOME[principal.account.role])


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    principal = current_principal(request)
    if principal is not None and principal.login is not None:
        return _see_other(_safe_next(next, principal))
    response = HTMLResponse("")
    token = pre_login_csrf(request, response)
    page = render(request, "login.html", None, csrf_token=token, next=next or "", errors=[])
    page.raw_headers.extend(h for h in response.raw_headers if h[0] == b"set-cookie")
    return page


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, context: Context) -> Response:
    await check_csrf(request, None)
    form = await request.form()
    email, password, next_ = (
        form_text(form, "email"),
        form_text(form, "password"),
        form_text(form, "next"),
    )
    # Password hashing and the database run on a worker thread: the event loop (and every
    # patient's live session on it) never waits for them.
    return await run_in_threadpool(_login, request, context, email, password, next_)


def _login(
    request: Request, context: ClinicContext, email: str, password: str, next_: str
) -> Response:
    try:
        new = context.accounts.login(
            email,
            password,
            address=client_address(request),
            user_agent=request.headers.get("user-agent", ""),
            now=context.now(),
        )
    except ClinicError as exc:
        page = render(
            request,
            "login.html",
            None,
            status_code=exc.status,
            csrf_token=request.cookies.get(PRE_LOGIN_CSRF_COOKIE, ""),
            next=next_,
            email=email,
            errors=[exc.message],
        )
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    # A new session id at every login (rotation); any session the browser had is ended.
    old = current_principal(request)
    if old is not None and old.login is not None:
        context.accounts.logout(old, context.now())
    principal = Principal(account=new.account, login=new.login)
    response = _see_other(_safe_next(next_, principal))
    set_session_cookie(response, new.token)
    return response


@router.post("/logout")
async def logout(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    await run_in_threadpool(context.accounts.logout, principal, context.now())
    response = _see_other("/login")
    clear_session_cookie(response)
    return response


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_page(request: Request, token: str, context: Context) -> Response:
    response = HTMLResponse("")
    csrf = pre_login_csrf(request, response)
    try:
        preview = context.invites.preview(
            token, address=client_address(request), now=context.now(), count_failure=False
        )
    except ClinicError as exc:
        page = render(request, "invite_bad.html", None, status_code=exc.status, message=exc.message)
    else:
        page = render(
            request, "invite.html", None, csrf_token=csrf, preview=preview, errors=[], values={}
        )
    page.raw_headers.extend(h for h in response.raw_headers if h[0] == b"set-cookie")
    return page


@router.post("/invite/{token}", response_class=HTMLResponse)
async def redeem_invite(request: Request, token: str, context: Context) -> Response:
    await check_csrf(request, None)
    form = await request.form()
    values = {key: form_text(form, key) for key in ("email", "display_name")}
    password = form_text(form, "password")
    return await run_in_threadpool(_redeem_invite, request, token, context, values, password)


def _redeem_invite(
    request: Request, token: str, context: ClinicContext, values: dict[str, str], password: str
) -> Response:
    try:
        new = context.invites.redeem(
            context.accounts,
            token,
            email=values["email"],
            display_name=values["display_name"],
            password=password,
            address=client_address(request),
            user_agent=request.headers.get("user-agent", ""),
            now=context.now(),
        )
    except (InvalidInput, Conflict) as exc:
        preview = context.invites.preview(
            token, address=client_address(request), now=context.now(), count_failure=False
        )
        problems = exc.problems if isinstance(exc, InvalidInput) else [exc.message]
        return render(
            request,
            "invite.html",
            None,
            status_code=exc.status,
            csrf_token=request.cookies.get(PRE_LOGIN_CSRF_COOKIE, ""),
            preview=preview,
            errors=problems,
            values=values,
        )
    except ClinicError as exc:
        return render(request, "invite_bad.html", None, status_code=exc.status, message=exc.message)
    response = _see_other(HOME[new.account.role])
    set_session_cookie(response, new.token)
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    return _account(request, context, principal)


def _account(
    request: Request,
    context: Context,
    principal: Principal,
    *,
    new_device: tuple[str, str] | None = None,
    errors: list[str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    devices = (
        context.accounts.device_tokens(principal) if principal.account.role is Role.PATIENT else []
    )
    return render(
        request,
        "account.html",
        principal,
        status_code=status_code,
        sessions=context.accounts.sessions(principal),
        devices=devices,
        new_device=new_device,
        errors=errors or [],
        notice=notice,
        now=context.now(),
        current_login_id=principal.login.id if principal.login else None,
    )


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    form = await request.form()
    current, new = form_text(form, "current"), form_text(form, "new")

    def work() -> Response:
        try:
            context.accounts.change_password(principal, current, new, context.now())
        except (InvalidInput, AuthFailed) as exc:
            problems = exc.problems if isinstance(exc, InvalidInput) else [exc.message]
            return _account(request, context, principal, errors=problems, status_code=exc.status)
        notice = "Password changed; other sessions ended."
        return _account(request, context, principal, notice=notice)

    return await run_in_threadpool(work)


@router.post("/account/sessions/{session_id}/revoke")
async def revoke_session(
    request: Request, session_id: str, context: Context, principal: LoggedIn
) -> Response:
    await check_csrf(request, principal)
    await run_in_threadpool(context.accounts.revoke_session, principal, session_id, context.now())
    if principal.login is not None and session_id == principal.login.id:
        response = _see_other("/login")
        clear_session_cookie(response)
        return response
    return _see_other("/account")


@router.post("/account/logout-everywhere")
async def logout_everywhere(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    await run_in_threadpool(context.accounts.logout, principal, context.now(), everywhere=True)
    response = _see_other("/login")
    clear_session_cookie(response)
    return response


@router.post("/account/devices", response_class=HTMLResponse)
async def add_device(request: Request, context: Context, principal: LoggedIn) -> Response:
    await check_csrf(request, principal)
    form = await request.form()
    name = form_text(form, "name")

    def work() -> Response:
        token, device = context.accounts.create_device_token(principal, name, context.now())
        return _account(request, context, principal, new_device=(device.name, token))

    return await run_in_threadpool(work)


@router.post("/account/devices/{token_id}/revoke")
async def revoke_device(
    request: Request, token_id: str, context: Context, principal: LoggedIn
) -> Response:
    await check_csrf(request, principal)
    await run_in_threadpool(
        context.accounts.revoke_device_token, principal, token_id, context.now()
    )
    return _see_other("/account")
