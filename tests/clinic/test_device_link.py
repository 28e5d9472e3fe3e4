"""Linking a home app (device codes) and what a linked app sends, in-process against the real
PostgreSQL: the code flow, its lock-out and expiry, idempotent pushes, forged payloads."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import T0, ClinicWorld, Person, new_client, session_body

from hipflex.domain.clock import FakeClock


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    return world_factory("dev")


def start_code(app: FastAPI, name: str = "laptop") -> dict[str, Any]:
    response = new_client(app).post("/api/v1/device/codes", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def approve(person: Person, code: str) -> Any:
    return person.post("/device", {"code": code})


def link(app: FastAPI, person: Person) -> str:
    grant = start_code(app)
    assert approve(person, grant["user_code"]).status_code == 200
    claimed = new_client(app).post(
        "/api/v1/device/token", json={"device_code": grant["device_code"]}
    )
    assert claimed.status_code == 200, claimed.text
    token: str = claimed.json()["token"]
    return token


def bearer(app: FastAPI, token: str) -> TestClient:
    client = new_client(app)
    client.headers["authorization"] = f"Bearer {token}"
    return client


def test_code_confirmed_by_the_patient_becomes_a_token_once(
    app: FastAPI, world: ClinicWorld
) -> None:
    grant = start_code(app, "hipflex on kitchen-pc")
    assert re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", grant["user_code"])
    assert grant["verification_uri"] == "https://clinic.test/device"
    poll = new_client(app)
    pending = poll.post("/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert pending.status_code == 202 and pending.json()["status"] == "pending"

    page = world.patient.client.get(f"/device?code={grant['user_code']}")
    assert page.status_code == 200 and grant["user_code"] in page.text
    # Typed as a person might: lower case, no dash.
    done = approve(world.patient, grant["user_code"].lower().replace("-", " "))
    assert done.status_code == 200 and "hipflex on kitchen-pc" in done.text

    claimed = poll.post("/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert claimed.status_code == 200, claimed.text
    body = claimed.json()
    assert body["status"] == "linked" and body["patient_name"] == "Pat dev"
    assert body["clinic_name"] == "Clinic dev"
    me = bearer(app, body["token"]).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == world.patient.id
    again = poll.post("/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert again.status_code == 410  # the token is handed out once
    # The patient sees the new device on their Account page (and can revoke it there).
    assert "hipflex on kitchen-pc" in world.patient.client.get("/account").text


def test_confirming_needs_a_patient_and_the_csrf_token(app: FastAPI, world: ClinicWorld) -> None:
    grant = start_code(app)
    no_csrf = world.patient.client.post("/device", data={"code": grant["user_code"]})
    assert no_csrf.status_code == 403
    clinician = approve(world.clinician, grant["user_code"])
    assert clinician.status_code == 403
    anonymous = new_client(app).get("/device")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    poll = new_client(app).post("/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert poll.status_code == 202  # still nobody's


def test_wrong_codes_lock_the_patient_out(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld]
) -> None:
    patient = world_factory("lock").patient
    for _ in range(9):
        wrong = approve(patient, "BBBB-BBBB")
        assert wrong.status_code == 422 and "no such code" in wrong.text
    assert approve(patient, "BBBB-BBBB").status_code == 422  # the 10th locks
    grant = start_code(app)
    locked = approve(patient, grant["user_code"])  # even the right code, meanwhile
    assert locked.status_code == 429 and "too many failed attempts" in locked.text.lower()


def test_an_unconfirmed_code_expires(app: FastAPI, clock: FakeClock, world: ClinicWorld) -> None:
    grant = start_code(app)
    clock.advance(11 * 60)
    late = approve(world.patient, grant["user_code"])
    assert late.status_code == 422
    poll = new_client(app).post("/api/v1/device/token", json={"device_code": grant["device_code"]})
    assert poll.status_code == 410 and "run hipflex clinic link again" in poll.json()["detail"]
    forged = new_client(app).post("/api/v1/device/token", json={"device_code": "x" * 43})
    assert forged.status_code == 410


def _count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_sessions_are_idempotent_and_only_pain_and_note_can_be_amended(
    app: FastAPI, world: ClinicWorld, clinic_engine: Engine, clock: FakeClock
) -> None:
    device = bearer(app, link(app, world.patient))
    session_id = str(uuid.uuid4())
    body = session_body(session_id, clock.now() - timedelta(hours=1), pain_after=None)
    first = device.post("/api/v1/device/sessions", json=body)
    assert first.status_code == 201 and first.json() == {
        "id": session_id,
        "created": True,
        "changed": True,
    }
    second = device.post("/api/v1/device/sessions", json=body)
    assert second.status_code == 200 and second.json()["changed"] is False
    where = "FROM patient_sessions WHERE id = :id"
    assert _count(clinic_engine, f"SELECT count(*) {where}", id=session_id) == 1
    holds = "SELECT count(*) FROM patient_holds WHERE session_id = :id"
    assert _count(clinic_engine, holds, id=session_id) == 2

    # Pain after and a longer note, added at home after the session: applied.
    later = {**body, "pain_after": 1, "note": "felt fine\n\nbetter in the evening"}
    # Everything else of a stored session stays as first sent.
    later["holds"] = later["holds"][:1]
    later["status"] = "partial"
    amended = device.post("/api/v1/device/sessions", json=later)
    assert amended.status_code == 200 and amended.json()["changed"] is True
    with clinic_engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT pain_before, pain_after, note, status {where}"), {"id": session_id}
        ).one()
    assert tuple(row) == (3, 1, "felt fine\n\nbetter in the evening", "completed")
    assert _count(clinic_engine, holds, id=session_id) == 2


def test_checkins_are_idempotent_by_the_apps_id(
    app: FastAPI, world: ClinicWorld, clinic_engine: Engine, clock: FakeClock
) -> None:
    device = bearer(app, link(app, world.patient))
    checkin_id = str(uuid.uuid4())
    body = {"id": checkin_id, "day": clock.now().date().isoformat(), "value": 4}
    assert device.post("/api/v1/device/checkins", json=body).status_code == 201
    repeat = device.post("/api/v1/device/checkins", json=body)
    assert repeat.status_code == 200 and repeat.json()["changed"] is False
    changed = device.post("/api/v1/device/checkins", json={**body, "value": 6})
    assert changed.status_code == 200 and changed.json()["changed"] is True
    sql = "SELECT count(*) FROM pain_checkins WHERE id = :id AND value = 6"
    assert _count(clinic_engine, sql, id=checkin_id) == 1

    other = bearer(app, link(app, world.other_patient))
    stolen = other.post("/api/v1/device/checkins", json={**body, "value": 0})
    assert stolen.status_code == 409
    assert _count(clinic_engine, sql, id=checkin_id) == 1


def test_forged_and_oversized_payloads_are_refused(
    app: FastAPI, world: ClinicWorld, clinic_engine: Engine, clock: FakeClock
) -> None:
    token = link(app, world.patient)
    device = bearer(app, token)
    started = clock.now() - timedelta(hours=2)
    good = session_body(str(uuid.uuid4()), started)
    assert device.post("/api/v1/device/sessions", json=good).status_code == 201

    cases: list[tuple[dict[str, Any], int]] = [
        ({**good, "id": str(uuid.uuid4()), "patient_id": world.other_patient.id}, 422),
        ({**good, "id": str(uuid.uuid4()), "pain_after": 11}, 422),
        ({**good, "id": str(uuid.uuid4()), "holds_planned": 10_000}, 422),
        ({**good, "id": "not-a-uuid"}, 422),
        ({**good, "id": str(uuid.uuid4()), "started_at": "2026-03-02T09:00:00"}, 422),  # naive
        ({**good, "id": str(uuid.uuid4()), "note": "x" * 4001}, 422),
    ]
    for body, status in cases:
        response = device.post("/api/v1/device/sessions", json=body)
        assert response.status_code == status, (body.keys(), response.text)
    oversized = {**good, "id": str(uuid.uuid4()), "note": "x" * (600 * 1024)}
    assert device.post("/api/v1/device/sessions", json=oversized).status_code == 413
    not_json = device.post(
        "/api/v1/device/sessions",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert not_json.status_code == 422

    # Another patient's device re-sending this patient's session id: refused, nothing changes.
    other = bearer(app, link(app, world.other_patient))
    stolen = other.post("/api/v1/device/sessions", json={**good, "pain_after": 9})
    assert stolen.status_code == 409
    sql = "SELECT pain_after FROM patient_sessions WHERE id = :id"
    assert _count(clinic_engine, sql, id=good["id"]) == 2

    forged = bearer(app, token + "x").post("/api/v1/device/sessions", json=good)
    assert forged.status_code == 401
    sessions = "SELECT count(*) FROM patient_sessions WHERE patient_id = :p"
    assert _count(clinic_engine, sessions, p=world.patient.id) >= 1


def test_unlink_revokes_the_calling_token(app: FastAPI, world: ClinicWorld) -> None:
    token = link(app, world.patient)
    device = bearer(app, token)
    assert device.post("/api/v1/device/unlink").status_code == 204
    after = device.post("/api/v1/device/sessions", json=session_body(str(uuid.uuid4()), T0))
    assert after.status_code == 401
    # A browser session cannot unlink "itself": devices are revoked on the Account page.
    browser = world.patient.client.post(
        "/api/v1/device/unlink", headers={"x-csrf-token": world.patient.csrf}
    )
    assert browser.status_code == 403


def test_code_requests_are_rate_limited_per_address(app: FastAPI) -> None:
    """20 codes per address in 15 minutes (this module's earlier tests used some)."""
    client = new_client(app)
    statuses = [
        client.post("/api/v1/device/codes", json={"name": "spam"}).status_code for _ in range(21)
    ]
    assert statuses[0] == 201 and statuses[-1] == 429
    first_refusal = statuses.index(429)
    assert set(statuses[first_refusal:]) == {429}
    refused = client.post("/api/v1/device/codes", json={"name": "spam"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_a_patient_invite_links_the_app_in_one_step(
    app: FastAPI, world: ClinicWorld, clinic_engine: Engine
) -> None:
    from tests.clinic.conftest import PASSWORD, create_invite

    invite = create_invite(world.clinician, "patient", "Robin")
    body = {
        "invite": invite,
        "email": "robin@dev.test",
        "display_name": "Robin",
        "password": PASSWORD,
        "name": "hipflex on robins-pc",
    }
    weak = new_client(app).post("/api/v1/device/invite", json={**body, "password": "password"})
    assert weak.status_code == 422  # the invite page's rules
    linked = new_client(app).post("/api/v1/device/invite", json=body)
    assert linked.status_code == 201, linked.text
    answer = linked.json()
    assert answer["patient_name"] == "Robin" and answer["clinic_name"] == "Clinic dev"
    me = bearer(app, answer["token"]).get("/api/v1/me").json()
    assert me["role"] == "patient" and me["email"] == "robin@dev.test"
    # The app got a device token, not a browser session: none is left open.
    open_sessions = (
        "SELECT count(*) FROM login_sessions WHERE account_id = :a AND revoked_at IS NULL"
    )
    assert _count(clinic_engine, open_sessions, a=me["id"]) == 0
    again = new_client(app).post("/api/v1/device/invite", json={**body, "email": "x@dev.test"})
    assert again.status_code == 401  # single use

    staff = create_invite(world.admin, "clinician", "Dr C")
    refused = new_client(app).post(
        "/api/v1/device/invite", json={**body, "invite": staff, "email": "c@dev.test"}
    )
    assert refused.status_code == 403
    page = new_client(app).get(f"/invite/{staff}")
    assert page.status_code == 200  # the staff invite is still usable in a browser
