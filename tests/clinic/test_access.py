"""Every route, every role, and another clinic's people: refused wherever it does not belong.

The route list comes from the app itself, and a meta-test fails when a route is missing from
the table below, so a new route cannot escape the walk.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.routing import Route
from tests.clinic.conftest import T0, ClinicWorld, Person, new_client, session_body, tiny_video

ADMINS = frozenset({"admin_a", "admin_b"})
CLINICIANS = frozenset({"clinician_a", "clinician_a2", "clinician_b"})
PATIENTS = frozenset({"patient_a", "patient_a2", "patient_b"})
LOGGED_IN = ADMINS | CLINICIANS | PATIENTS
ACTORS = ["anonymous", *sorted(LOGGED_IN)]
PUBLIC = "public"  # anyone, logged in or not: checked elsewhere


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] | str
    # Routes whose allowed call would log someone out or revoke what later cases need:
    # only the refusals are walked here; their allowed use is tested in test_accounts.py.
    destructive: bool = False


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/"): Rule(PUBLIC),
    ("GET", "/login"): Rule(PUBLIC),
    ("POST", "/login"): Rule(PUBLIC),
    ("GET", "/invite/{token}"): Rule(PUBLIC),
    ("POST", "/invite/{token}"): Rule(PUBLIC),
    ("GET", "/api/v1/health"): Rule(PUBLIC),
    ("GET", "/api/v1/openapi.json"): Rule(PUBLIC),
    ("POST", "/logout"): Rule(LOGGED_IN, destructive=True),
    ("GET", "/account"): Rule(LOGGED_IN),
    ("POST", "/account/password"): Rule(LOGGED_IN, destructive=True),
    ("POST", "/account/sessions/{session_id}/revoke"): Rule(
        frozenset({"patient_a"}), destructive=True
    ),
    ("POST", "/account/logout-everywhere"): Rule(LOGGED_IN, destructive=True),
    ("POST", "/account/devices"): Rule(PATIENTS),
    ("POST", "/account/devices/{token_id}/revoke"): Rule(
        frozenset({"patient_a"}), destructive=True
    ),
    ("GET", "/admin"): Rule(ADMINS),
    ("GET", "/admin/audit"): Rule(ADMINS),
    ("POST", "/admin/staff/{account_id}/{action}"): Rule(frozenset({"admin_a"}), destructive=True),
    ("POST", "/invites"): Rule(CLINICIANS),  # a patient invite: admins may not
    ("POST", "/invites/{invite_id}/revoke"): Rule(frozenset({"clinician_a"}), destructive=True),
    ("GET", "/dashboard"): Rule(CLINICIANS),
    ("GET", "/patients/{patient_id}"): Rule(frozenset({"clinician_a"})),
    ("GET", "/patients/{patient_id}/report.pdf"): Rule(frozenset({"clinician_a"})),
    ("POST", "/patients/{patient_id}/prescriptions"): Rule(frozenset({"clinician_a"})),
    ("POST", "/patients/{patient_id}/alerts"): Rule(frozenset({"clinician_a"})),
    ("GET", "/protocols"): Rule(CLINICIANS),
    ("POST", "/protocols"): Rule(CLINICIANS),
    ("GET", "/me"): Rule(PATIENTS),
    ("POST", "/me/checkins"): Rule(PATIENTS),
    # The session player (tests/clinic/test_player.py runs it; its WebSocket is walked there).
    ("GET", "/me/session"): Rule(PATIENTS),
    # The walk's {session_id} is a login session, no one's player session: refused for all.
    ("POST", "/me/sessions/{session_id}/checkin"): Rule(frozenset()),
    ("GET", "/api/v1/me"): Rule(LOGGED_IN),
    ("GET", "/api/v1/me/prescription"): Rule(PATIENTS),
    ("GET", "/api/v1/me/sessions"): Rule(PATIENTS),
    ("POST", "/api/v1/sessions"): Rule(PATIENTS),
    ("POST", "/api/v1/checkins"): Rule(PATIENTS),
    ("GET", "/api/v1/patients"): Rule(CLINICIANS),
    ("GET", "/api/v1/patients/{patient_id}"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("GET", "/api/v1/patients/{patient_id}/sessions"): Rule(
        frozenset({"clinician_a", "patient_a"})
    ),
    ("GET", "/api/v1/patients/{patient_id}/checkins"): Rule(
        frozenset({"clinician_a", "patient_a"})
    ),
    ("GET", "/api/v1/patients/{patient_id}/prescriptions"): Rule(
        frozenset({"clinician_a", "patient_a"})
    ),
    ("GET", "/api/v1/patients/{patient_id}/fhir"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("POST", "/api/v1/patients/{patient_id}/prescriptions"): Rule(frozenset({"clinician_a"})),
    # Linking the home app (tests/clinic/test_device_*.py and tests/sync/ test the flows).
    ("POST", "/api/v1/device/codes"): Rule(PUBLIC),
    ("POST", "/api/v1/device/token"): Rule(PUBLIC),
    ("POST", "/api/v1/device/invite"): Rule(PUBLIC),
    ("GET", "/device"): Rule(PATIENTS),
    ("POST", "/device"): Rule(PATIENTS),
    ("POST", "/api/v1/device/unlink"): Rule(PATIENTS, destructive=True),
    ("POST", "/api/v1/device/sessions"): Rule(PATIENTS),
    ("POST", "/api/v1/device/checkins"): Rule(PATIENTS),
    # Patients' videos (tests/clinic/test_videos.py tests the flows).
    ("GET", "/patients/{patient_id}/videos"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("POST", "/patients/{patient_id}/videos"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("GET", "/patients/{patient_id}/videos/list"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("GET", "/patients/{patient_id}/videos/status"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("GET", "/videos/{video_id}"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("GET", "/videos/{video_id}/status"): Rule(frozenset({"clinician_a", "patient_a"})),
    ("GET", "/videos/{video_id}/annotated.mp4"): Rule(frozenset({"clinician_a", "patient_a"})),
}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, through included routers too."""
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:  # FastAPI >= 0.16x keeps included routers as a node
                walk(included.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute | Route):
                methods = sorted((route.methods or set()) - {"HEAD"})
                found.extend((method, prefix + route.path) for method in methods)

    walk(app.routes, "")
    return found


def test_every_route_has_a_rule(app: FastAPI) -> None:
    routes = set(app_routes(app))
    assert routes, "no routes found"
    missing = sorted(routes - set(RULES))
    assert not missing, f"routes without an access rule in this test: {missing}"
    stale = sorted(set(RULES) - routes)
    assert not stale, f"rules for routes that no longer exist: {stale}"


@dataclass
class Scene:
    people: dict[str, Person]
    params: dict[str, str]


@pytest.fixture(scope="module")
def scene(world_factory: Callable[[str], ClinicWorld]) -> Scene:
    a, b = world_factory("walk-a"), world_factory("walk-b")
    people = {
        "admin_a": a.admin,
        "clinician_a": a.clinician,
        "clinician_a2": a.other_clinician,
        "patient_a": a.patient,
        "patient_a2": a.other_patient,
        "admin_b": b.admin,
        "clinician_b": b.clinician,
        "patient_b": b.patient,
    }
    for clinician, patient in ((a.clinician, a.patient), (a.other_clinician, a.other_patient),
                               (b.clinician, b.patient)):  # fmt: skip
        response = clinician.post_json(
            f"/api/v1/patients/{patient.id}/prescriptions",
            {"protocol_name": "kneeling-hip-flexor", "hold_s": 30, "reps": 3,
             "sides": ["right", "left"], "start_date": T0.date().isoformat()},
        )  # fmt: skip
        assert response.status_code == 201, response.text
    pending = a.clinician.post("/invites", {"role": "patient", "display_name": "Later"})
    assert pending.status_code == 201
    invite_id = a.clinician.client.get("/dashboard").text.split("/invites/")[1].split("/")[0]
    device = a.patient.post("/account/devices", {"name": "laptop"})
    token_id = device.text.split("/account/devices/")[1].split("/")[0]
    account = a.patient.client.get("/account").text
    session_id = account.split("/account/sessions/")[1].split("/")[0]
    video = a.clinician.client.post(
        f"/patients/{a.patient.id}/videos",
        data={"csrf_token": a.clinician.csrf},
        files={"video": ("walk.mp4", tiny_video(), "video/mp4")},
    )
    assert video.status_code == 303, video.text
    params = {
        "video_id": video.headers["location"].rsplit("/", 1)[1],
        "patient_id": a.patient.id,
        "token": "not-a-real-invite-token",
        "session_id": session_id,
        "token_id": token_id,
        "invite_id": invite_id,
        "account_id": a.other_clinician.id,
        "action": "disable",
    }
    return Scene(people, params)


def body_for(method: str, path: str) -> dict[str, Any]:
    if method != "POST":
        return {}
    if path == "/api/v1/sessions":
        return {"json": session_body(str(uuid.uuid4()), T0)}
    if path == "/api/v1/checkins":
        return {"json": {"day": T0.date().isoformat(), "value": 2}}
    if path == "/me/sessions/{session_id}/checkin":
        return {"json": {"pain_after": 3, "note": "walked"}}
    if path == "/api/v1/device/sessions":
        return {"json": session_body(str(uuid.uuid4()), T0)}
    if path == "/api/v1/device/checkins":
        return {"json": {"id": str(uuid.uuid4()), "day": T0.date().isoformat(), "value": 2}}
    if path.endswith("/prescriptions") and path.startswith("/api/"):
        return {
            "json": {
                "protocol_name": "kneeling-hip-flexor",
                "hold_s": 45,
                "reps": 2,
                "sides": ["left"],
                "start_date": T0.date().isoformat(),
            }
        }
    forms = {
        "/invites": {"role": "patient", "display_name": "Walker"},
        "/account/devices": {"name": "phone"},
        "/me/checkins": {"value": "3"},
        "/device": {"code": "BCDF-GHJK"},
        "/patients/{patient_id}/alerts": {"pain_after_threshold": "6", "inactive_days": "4"},
        "/protocols": {"toml": "not = [valid"},
        "/patients/{patient_id}/prescriptions": {
            "protocol_name": "kneeling-hip-flexor",
            "hold_s": "30",
            "reps": "3",
            "sides": ["right", "left"],
            "times_per_day": "1",
            "days_per_week": "7",
            "start_date": T0.date().isoformat(),
        },
    }
    return {"data": forms.get(path, {})}


def call(scene: Scene, app: FastAPI, actor: str, method: str, path: str) -> Any:
    url = path.format(**scene.params)
    kwargs = body_for(method, path)
    if actor == "anonymous":
        client = new_client(app)
        return client.request(method, url, **kwargs)
    person = scene.people[actor]
    headers = {"x-csrf-token": person.csrf}
    if "data" in kwargs:
        kwargs["data"] = {"csrf_token": person.csrf, **kwargs["data"]}
    return person.client.request(method, url, headers=headers, **kwargs)


CASES = [
    pytest.param(method, path, actor, id=f"{method} {path} as {actor}")
    for (method, path), rule in sorted(RULES.items())
    if rule.allowed != PUBLIC
    for actor in ACTORS
    if not (rule.destructive and actor in rule.allowed)
]


@pytest.mark.parametrize(("method", "path", "actor"), CASES)
def test_route_refuses_or_serves(
    scene: Scene, app: FastAPI, method: str, path: str, actor: str
) -> None:
    rule = RULES[(method, path)]
    response = call(scene, app, actor, method, path)
    if actor == "anonymous":
        if path.startswith("/api/"):
            assert response.status_code == 401, response.text
        else:
            assert response.status_code == 303, response.text
            assert response.headers["location"].startswith("/login")
        return
    if actor in rule.allowed:
        assert response.status_code not in (401, 403, 404), response.text[:500]
        assert response.status_code < 500
    else:
        assert response.status_code in (403, 404), (response.status_code, response.text[:300])
        if actor != "patient_a":  # nothing of the target patient leaks into a refusal
            assert "Pat walk-a" not in response.text


def test_patient_ids_of_another_clinic_are_not_found(scene: Scene) -> None:
    """Not 403: the id's existence is not confirmed to someone outside its clinic."""
    response = scene.people["clinician_b"].client.get(
        f"/api/v1/patients/{scene.params['patient_id']}"
    )
    assert response.status_code == 404
    response = scene.people["clinician_b"].client.get(f"/patients/{scene.params['patient_id']}")
    assert response.status_code == 404
    unknown = scene.people["clinician_a"].client.get(f"/patients/{uuid.uuid4()}")
    assert unknown.status_code == 404


def test_state_changes_need_the_csrf_token(scene: Scene) -> None:
    """Every non-GET route refuses a cookie request without (or with a wrong) CSRF token."""
    person = scene.people["clinician_a"]
    for (method, path), rule in sorted(RULES.items()):
        if method == "GET" or rule.allowed == PUBLIC:
            continue
        url = path.format(**scene.params)
        for headers in ({}, {"x-csrf-token": "wrong"}):
            response = person.client.request(method, url, headers=headers, data={"a": "b"})
            assert response.status_code == 403, (path, headers, response.status_code)
            assert "CSRF" in response.text


def test_bearer_token_requests_need_no_csrf(scene: Scene, app: FastAPI) -> None:
    patient = scene.people["patient_b"]
    created = patient.post("/account/devices", {"name": "home app"})
    token = created.text.split('aria-label="device token"')[0].rsplit('value="', 1)[1].split('"')[0]
    client = new_client(app)
    response = client.post(
        "/api/v1/sessions",
        json=session_body(str(uuid.uuid4()), T0),
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    assert client.get("/api/v1/me", headers={"authorization": "Bearer nope"}).status_code == 401


DATA_TABLES = (
    "clinics", "accounts", "invites", "patients", "device_tokens", "clinic_protocols",
    "prescriptions", "patient_sessions", "patient_holds", "pain_checkins",
)  # fmt: skip


def _data_fingerprint(engine: Engine) -> dict[str, str]:
    """Every row of every table that holds what people entered (not the audit log, sessions'
    last-seen times or the login throttle, which reads are allowed to touch)."""
    with engine.connect() as conn:
        return {
            table: str(
                conn.execute(
                    text(
                        f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
                    )
                ).scalar()
            )
            for table in DATA_TABLES
        }


def test_no_get_changes_anything(scene: Scene, app: FastAPI, clinic_engine: Engine) -> None:
    before = _data_fingerprint(clinic_engine)
    calls = 0
    for method, path in sorted(RULES):
        if method != "GET":
            continue
        for actor in ACTORS:
            url = path.format(**scene.params)
            client = new_client(app) if actor == "anonymous" else scene.people[actor].client
            assert client.get(url).status_code < 500
            calls += 1
    assert calls > 100
    assert _data_fingerprint(clinic_engine) == before
