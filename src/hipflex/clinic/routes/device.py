"""Linking the home app (``hipflex clinic link``) and what a linked app sends.

- ``POST /api/v1/device/codes`` and ``/device/token``: no login (the app has none yet); the
  first is rate-limited per address, the second needs the secret device code.
- ``GET/POST /device``: the logged-in patient types the code their app shows (CSRF, lock-out
  after wrong codes).
- ``POST /api/v1/device/sessions``, ``/device/checkins``: idempotent by the app's uuids.
- ``POST /api/v1/device/unlink``: the app revokes its own token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from hipflex.clinic.api_models import ErrorOut
from hipflex.clinic.auth import check_csrf, client_address, page_principal
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.clinic.forms import form_text
from hipflex.clinic.routes.api import ERRORS, Caller, _bearer, _cookie, _csrf_before_body
from hipflex.clinic.templating import render
from hipflex.domain.clinic import Role
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.device_sync import DeviceCheckinIn, DeviceSync
from hipflex.services.clinic.errors import InvalidInput
from hipflex.services.clinic.patient_data import SessionIn
from hipflex.storage.clinic.device_repo import DeviceStore

Context = Annotated[ClinicContext, Depends(clinic_context)]
LoggedIn = Annotated[Principal, Depends(page_principal)]


def device_sync(request: Request) -> DeviceSync:
    """One per app (built on first use, over the app's store)."""
    state = request.app.state
    if not hasattr(state, "device_sync"):
        state.device_sync = DeviceSync(DeviceStore(clinic_context(request).store))
    sync: DeviceSync = state.device_sync
    return sync


Devices = Annotated[DeviceSync, Depends(device_sync)]

# No caller yet: a router of its own, without the API's login and CSRF dependencies.
_TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorOut, "description": "Too many requests: wait Retry-After s."}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The id belongs to someone else's data."}
}
link_router = APIRouter(prefix="/api/v1/device", tags=["device"], responses={**ERRORS, **_TOO_MANY})
# A linked device (or the patient's browser session, with its CSRF token): as the API.
device_router = APIRouter(
    prefix="/api/v1/device",
    responses=ERRORS,
    dependencies=[Depends(_bearer), Depends(_cookie), Depends(_csrf_before_body)],
    tags=["device"],
)
pages_router = APIRouter(include_in_schema=False)


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="hipflex", max_length=120, description="What the app calls itself.")


class CodeOut(BaseModel):
    device_code: str = Field(description="The app's secret: poll /device/token with it.")
    user_code: str = Field(description="Shown to the person, who types it on /device.")
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device_code: str = Field(max_length=200)


class TokenOut(BaseModel):
    status: str = Field(description='"pending" until the patient confirms, then "linked".')
    token: str | None = Field(default=None, description="The device token, returned once.")
    patient_name: str | None = None
    clinic_name: str | None = None


class InviteLinkRequest(BaseModel):
    """A patient's invite, redeemed from the app (the account is made as on the invite page)."""

    model_config = ConfigDict(extra="forbid")
    invite: str = Field(max_length=200, description="The token from the invite link.")
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=120)
    password: str = Field(max_length=1024)
    name: str = Field(default="hipflex", max_length=120, description="What the app calls itself.")


class PushedOut(BaseModel):
    id: str
    created: bool
    changed: bool


@link_router.post("/codes", status_code=201)
def request_code(
    request: Request, body: CodeRequest, context: Context, devices: Devices
) -> CodeOut:
    """Start linking: a code pair; the person confirms the user code on /device."""
    pair = devices.request_code(body.name, address=client_address(request), now=context.now())
    page = f"{context.public_url}/device"
    return CodeOut(
        device_code=pair.device_code,
        user_code=pair.user_code,
        verification_uri=page,
        verification_uri_complete=f"{page}?code={pair.user_code}",
        expires_in=pair.expires_in_s,
        interval=pair.interval_s,
    )


@link_router.post(
    "/token",
    responses={
        202: {"model": TokenOut, "description": "Not confirmed yet: poll again."},
        410: {"model": ErrorOut, "description": "The code expired or was used: start again."},
    },
)
def claim_token(body: TokenRequest, context: Context, devices: Devices) -> Any:
    """Poll: 202 while the person has not confirmed; 200 with the token once (410 after)."""
    claimed = devices.claim(body.device_code, context.now())
    if claimed.token is None or claimed.patient is None:
        return JSONResponse(TokenOut(status="pending").model_dump(), status_code=202)
    return TokenOut(
        status="linked",
        token=claimed.token,
        patient_name=claimed.patient.display_name,
        clinic_name=claimed.clinic_name,
    )


@link_router.post("/invite", status_code=201, responses=_CONFLICT)
def link_with_invite(
    request: Request, body: InviteLinkRequest, context: Context, devices: Devices
) -> TokenOut:
    """Make the patient's account from their invite and link the app in one step."""
    claimed = devices.link_with_invite(
        context.invites,
        context.accounts,
        body.invite,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        device_name=body.name,
        address=client_address(request),
        now=context.now(),
    )
    assert claimed.patient is not None
    return TokenOut(
        status="linked",
        token=claimed.token,
        patient_name=claimed.patient.display_name,
        clinic_name=claimed.clinic_name,
    )


@device_router.post("/unlink", status_code=204)
def unlink(caller: Caller, context: Context, devices: Devices) -> Response:
    """The calling device's token stops working."""
    devices.unlink(caller, context.now())
    return Response(status_code=204)


@device_router.post(
    "/sessions",
    status_code=201,
    responses={
        200: {"model": PushedOut, "description": "Sent before; at most amended."},
        **_CONFLICT,
    },
)
def push_session(
    response: Response, session: SessionIn, caller: Caller, context: Context, devices: Devices
) -> PushedOut:
    """A session from the app. The same id again stores nothing new; its pain ratings and
    note are brought up to date (the person may add them after the session)."""
    created, amended = devices.push_session(caller, session, context.now())
    if not created:
        response.status_code = 200
    return PushedOut(id=str(session.id), created=created, changed=created or amended)


@device_router.post(
    "/checkins",
    status_code=201,
    responses={
        200: {"model": PushedOut, "description": "Sent before; at most amended."},
        **_CONFLICT,
    },
)
def push_checkin(
    response: Response,
    checkin: DeviceCheckinIn,
    caller: Caller,
    context: Context,
    devices: Devices,
) -> PushedOut:
    """A day's pain check-in from the app, by the app's id (one per day there)."""
    now = context.now()
    today = context.dashboard.today(caller, now)
    created, changed = devices.push_checkin(caller, checkin, today, now)
    if not created:
        response.status_code = 200
    return PushedOut(id=str(checkin.id), created=created, changed=changed)


def _device_page(
    request: Request,
    context: ClinicContext,
    principal: Principal,
    *,
    code: str = "",
    linked: str = "",
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    require_role(principal.account, Role.PATIENT)
    clinic = context.staff.clinic(principal)
    return render(
        request,
        "device.html",
        principal,
        status_code=status_code,
        clinic_name=clinic.name,
        code=code[:20],
        linked=linked,
        errors=errors or [],
    )


@pages_router.get("/device", response_class=HTMLResponse)
def device_page(
    request: Request, context: Context, principal: LoggedIn, code: str = ""
) -> Response:
    return _device_page(request, context, principal, code=code)


@pages_router.post("/device", response_class=HTMLResponse)
async def approve_device(
    request: Request, context: Context, principal: LoggedIn, devices: Devices
) -> Response:
    await check_csrf(request, principal)
    require_role(principal.account, Role.PATIENT)
    form = await request.form()

    def work() -> Response:
        code = form_text(form, "code")
        try:
            name = devices.approve(
                principal, code, address=client_address(request), now=context.now()
            )
        except InvalidInput as exc:
            return _device_page(
                request, context, principal, code=code, errors=exc.problems, status_code=422
            )
        return _device_page(request, context, principal, linked=name)

    return await run_in_threadpool(work)
