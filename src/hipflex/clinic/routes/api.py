"""The REST API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``).

The same people and rules as the pages: a browser session (cookie, plus ``X-CSRF-Token`` on
changes) or a patient device's bearer token. Every patient id is checked against the caller.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyCookie, HTTPBearer
from starlette.concurrency import run_in_threadpool

from hipflex.clinic.api_models import (
    CheckinOut,
    ErrorOut,
    MeOut,
    PatientSummaryOut,
    PrescriptionIn,
    PrescriptionOut,
    SessionStored,
)
from hipflex.clinic.auth import SESSION_COOKIE, api_principal, check_csrf
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.patient_data import CheckinIn, SessionIn
from hipflex.services.clinic.prescriptions import PrescriptionRequest
from hipflex.storage.clinic.database import schema_state
from hipflex.web.security import SAFE_METHODS

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (401, "Not logged in, or the device token is unknown or revoked."),
        (403, "The caller's role may not do this, or the CSRF token is missing."),
        (404, "No such thing, or not the caller's to see."),
        (413, "The request body is too large."),
        (503, "The database is unavailable; nothing was changed."),
    )
}
# Documented for the OpenAPI schema; the checks themselves are in ``api_principal``.
_bearer = HTTPBearer(auto_error=False, description="A patient device's token.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="A browser session.")


async def _csrf_before_body(request: Request) -> None:
    """State changes: the caller and their CSRF token are checked before the body is
    validated, so a forged request learns nothing from validation errors."""
    if request.method in SAFE_METHODS:
        return
    # The look-up queries the database: in a worker thread, not on the event loop (which
    # would stall every other request of this process meanwhile).
    await check_csrf(request, await run_in_threadpool(api_principal, request))


router = APIRouter(
    prefix="/api/v1",
    responses=ERRORS,
    dependencies=[Depends(_bearer), Depends(_cookie), Depends(_csrf_before_body)],
    tags=["clinic"],
)
Context = Annotated[ClinicContext, Depends(clinic_context)]
Caller = Annotated[Principal, Depends(api_principal)]
Days = Annotated[int, Query(ge=1, le=400, description="How many days back.")]


# Health has no caller: a router of its own, without the security dependencies.
health_router = APIRouter(prefix="/api/v1", tags=["clinic"])


@health_router.get("/health", responses={503: ERRORS[503]})
def health(context: Context) -> dict[str, str]:
    """200 when the database answers and its schema is this version's."""
    state = schema_state(context.store.engine)
    return {
        "status": "ok" if state.up_to_date else "schema outdated",
        "schema": state.current or "",
    }


@router.get("/me")
def me(caller: Caller) -> MeOut:
    return MeOut.of(caller.account)


@router.get("/me/prescription")
def my_prescription(caller: Caller, context: Context) -> PrescriptionOut:
    """The current prescription: what the patient's app runs."""
    return PrescriptionOut.of(
        context.prescriptions.current(caller, caller.account.id, context.now())
    )


@router.get("/me/sessions")
def my_sessions(caller: Caller, context: Context, days: Days = 30) -> list[SessionIn]:
    now = context.now()
    records = context.patient_data.sessions(
        caller, caller.account.id, now - timedelta(days=days), now
    )
    return [SessionIn.from_record(r) for r in records]


@router.post(
    "/sessions",
    status_code=201,
    responses={200: {"model": SessionStored, "description": "Sent before; nothing changed."},
               409: {"model": ErrorOut, "description": "The id is already used by other data."}},
)  # fmt: skip
def post_session(  # plain def: run in a worker thread, its database waits block nothing
    request: Request, response: Response, session: SessionIn, caller: Caller, context: Context
) -> SessionStored:
    """Store a session the patient did. Idempotent: the same ``id`` twice stores it once."""
    stored, created = context.patient_data.submit_session(caller, session, context.now())
    if not created:
        response.status_code = 200
    return SessionStored(id=stored.id, created=created)


@router.post("/checkins", status_code=201)
def post_checkin(
    request: Request, checkin: CheckinIn, caller: Caller, context: Context
) -> CheckinOut:
    """A pain rating on a day without a session."""
    now = context.now()
    today = context.dashboard.today(caller, now)
    return CheckinOut.of(context.patient_data.add_checkin(caller, checkin, today, now))


@router.get("/patients")
def patients(caller: Caller, context: Context) -> list[PatientSummaryOut]:
    """The clinician's patients with adherence, pain trend, hip extension and alerts."""
    return [PatientSummaryOut.of(s) for s in context.dashboard.patients(caller, context.now())]


@router.get("/patients/{patient_id}")
def patient(patient_id: str, caller: Caller, context: Context) -> PatientSummaryOut:
    return PatientSummaryOut.of(
        context.dashboard.patient(caller, patient_id, context.now()).summary
    )


@router.get("/patients/{patient_id}/sessions")
def patient_sessions(
    patient_id: str, caller: Caller, context: Context, days: Days = 30
) -> list[SessionIn]:
    now = context.now()
    records = context.patient_data.sessions(caller, patient_id, now - timedelta(days=days), now)
    return [SessionIn.from_record(r) for r in records]


@router.get("/patients/{patient_id}/checkins")
def patient_checkins(
    patient_id: str, caller: Caller, context: Context, days: Days = 30
) -> list[CheckinOut]:
    now = context.now()
    today = context.dashboard.today(caller, now)
    found = context.patient_data.checkins(caller, patient_id, today - timedelta(days=days), now)
    return [CheckinOut.of(c) for c in found]


class FhirResponse(Response):
    media_type = "application/fhir+json"


FHIR_BUNDLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A FHIR R4B Bundle of type collection (see docs/fhir.md).",
    "required": ["resourceType", "type", "timestamp", "entry"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["collection"]},
        "timestamp": {"type": "string"},
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fullUrl", "resource"],
                "properties": {
                    "fullUrl": {"type": "string"},
                    "resource": {
                        "type": "object",
                        "required": ["resourceType", "id"],
                        "properties": {
                            "resourceType": {"type": "string"},
                            "id": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


# The bundle is application/fhir+json, its errors plain JSON like every other route's.
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for code, spec in ERRORS.items()
}


@router.get(
    "/patients/{patient_id}/fhir",
    response_class=FhirResponse,
    responses={
        200: {
            "description": "The patient's record as a FHIR R4B Bundle.",
            "content": {"application/fhir+json": {"schema": FHIR_BUNDLE_SCHEMA}},
        },
        **JSON_ERRORS,
    },
)
def patient_fhir(patient_id: str, caller: Caller, context: Context) -> Response:
    """The patient's record as a FHIR R4B Bundle (validated with fhir.resources): Patient,
    CarePlan and ServiceRequest for the current prescription, a Procedure per session and
    Observations for pain and hip extension. 404 when the patient has no prescription yet."""
    text = context.fhir.bundle_json(caller, patient_id, context.now())
    return FhirResponse(text)


@router.get("/patients/{patient_id}/prescriptions")
def patient_prescriptions(
    patient_id: str, caller: Caller, context: Context
) -> list[PrescriptionOut]:
    """Every version, newest first."""
    return [
        PrescriptionOut.of(p)
        for p in context.prescriptions.history(caller, patient_id, context.now())
    ]


@router.post("/patients/{patient_id}/prescriptions", status_code=201)
def post_prescription(
    request: Request, patient_id: str, body: PrescriptionIn, caller: Caller, context: Context
) -> PrescriptionOut:
    """A new version of the patient's prescription (the old ones stay in the history)."""
    prescription = context.prescriptions.prescribe(
        caller,
        patient_id,
        PrescriptionRequest(
            protocol_name=body.protocol_name,
            hold_s=body.hold_s,
            reps=body.reps,
            sides=tuple(side.value for side in body.sides),
            times_per_day=body.times_per_day,
            days_per_week=body.days_per_week,
            start_date=body.start_date,
            end_date=body.end_date,
            note=body.note,
        ),
        context.now(),
    )
    return PrescriptionOut.of(prescription)
