"""The patient's session player: the page, its WebSocket and the check-in after it.

The page is the home app's session player (``web/templates/session_player.html`` and
``web/static/js/session.js``); its WebSocket runs the home app's connection code
(``web/live_connection.py``) over the patient's :class:`PatientLiveContext`. Host and Origin
were checked by ``ClinicSecurityMiddleware`` before the socket reaches this module; here the
session cookie must name a logged-in patient, at the start and while the session runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hipflex.clinic.auth import SESSION_COOKIE, check_csrf, page_principal
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.clinic.player_context import PatientLiveContext
from hipflex.clinic.templating import render
from hipflex.domain.clinic import Role
from hipflex.domain.clock import Clock
from hipflex.domain.records import PAIN_MAX, PAIN_MIN
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.player import long_date
from hipflex.services.session_check_in import CheckIn
from hipflex.web.live_connection import CLOSE_POLICY, LiveConnection
from hipflex.web.routes.api import CheckInBody
from hipflex.web.templating import FIGURES

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
Context = Annotated[ClinicContext, Depends(clinic_context)]
LoggedIn = Annotated[Principal, Depends(page_principal)]
SOCKET_PATH = "/ws/me/session"
CHECKIN_PATH = "/me/sessions/{id}/checkin"
SIGNED_OUT = "signed_out"  # the reason the page is given (session.js says it in words)
LOGIN_CHECK_S = 5.0  # a running session notices a revoked login within this, plus one poll
LOGIN_POLL_S = 0.5
CAMERA_HINT = (
    "optional; the video stays on this device: only the body's key points are sent, "
    "to check your form"
)


@router.get("/me/session", response_class=HTMLResponse)
def session_page(request: Request, context: Context, principal: LoggedIn) -> Response:
    require_role(principal.account, Role.PATIENT)
    plan = context.player.todays_plan(principal.account, context.now())
    prescription = plan.prescription
    values: dict[str, Any] = {"plan": plan, "prescription": prescription, "long_date": long_date}
    if prescription is not None and plan.runnable:
        protocol = prescription.protocol
        values.update(
            protocol=protocol,
            settings={"voice": True, "sound": True, "camera_index": 0},
            figure=FIGURES.get(protocol.position.value, "kneeling"),
            side=protocol.sides[0].value,
            speed=context.player_speed,
            pain_values=range(PAIN_MIN, PAIN_MAX + 1),
            first_get_ready_s=protocol.first_get_ready_s or protocol.get_ready_s,
            socket_url=SOCKET_PATH,
            checkin_url=CHECKIN_PATH,
            server_pose="off",
            protocols=None,
            settings_href="",
            camera_hint=CAMERA_HINT,
            player_links=[("/me", "Back to my plan")],
            demo_note=(
                f"Demo server: sessions run {context.player_speed:g}× faster."
                if context.player_speed != 1.0
                else ""
            ),
        )
    return render(
        request,
        "session.html",
        principal,
        clinic=context.staff.clinic(principal),
        **values,
    )


@router.post("/me/sessions/{session_id}/checkin")
async def check_in(
    session_id: str, request: Request, context: Context, principal: LoggedIn
) -> Response:
    """Pain after the session and a note (JSON, with the page's X-CSRF-Token)."""
    await check_csrf(request, principal)
    require_role(principal.account, Role.PATIENT)
    try:
        body = CheckInBody.model_validate_json(await request.body())
    except ValueError as exc:
        return JSONResponse({"detail": str(exc).splitlines()[0]}, status_code=422)
    what = CheckIn(body.pain_before, body.pain_after, body.note)
    saved = await asyncio.to_thread(
        context.player.check_in, principal.account, session_id, what, context.now()
    )
    return JSONResponse({"ok": True, "saved": saved})


@router.websocket(SOCKET_PATH)
async def session_socket(websocket: WebSocket) -> None:
    context = clinic_context(websocket)
    cookie = websocket.cookies.get(SESSION_COOKIE, "")
    principal = await asyncio.to_thread(context.accounts.from_session_cookie, cookie, context.now())
    if principal is None or principal.account.role is not Role.PATIENT:
        # Closing before accepting answers the handshake with 403: no session for staff,
        # nor for a browser without a patient's login.
        await websocket.close(CLOSE_POLICY)
        return
    patient = principal.account

    def signed_in() -> bool:
        found = context.accounts.from_session_cookie(cookie, context.now())
        return found is not None and found.account.id == patient.id

    live = PatientLiveContext(
        player=context.player,
        patient=patient,
        clock=context.clock,
        live=context.players.for_patient(patient.id),
        speed=context.player_speed,
        signed_in=signed_in,
    )
    connection = LiveConnection(websocket, live)
    watcher = asyncio.create_task(_watch_login(connection, signed_in, context.clock))
    try:
        await connection.serve()
    finally:
        watcher.cancel()


async def _watch_login(
    connection: LiveConnection, signed_in: Callable[[], bool], clock: Clock
) -> None:
    """While a session runs, re-check the login every ``LOGIN_CHECK_S`` (one indexed read):
    logged out in another tab, revoked, expired or the account disabled, the session ends as
    partial (its holds are kept), the page is told why, and the socket closes (policy)."""
    checked_at = clock.monotonic()
    while True:
        await asyncio.sleep(LOGIN_POLL_S)
        session = connection.session
        if session is None or not session.running:
            continue
        if clock.monotonic() - checked_at < LOGIN_CHECK_S:
            continue
        checked_at = clock.monotonic()
        try:
            valid = await asyncio.to_thread(signed_in)
        except Exception:  # a database blip must not cut a session short; the next check decides
            log.warning("could not re-check a player's login", exc_info=True)
            continue
        if not valid and session.running:
            connection.request_stop(SIGNED_OUT, CLOSE_POLICY)
            return
