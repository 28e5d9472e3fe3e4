"""Sessions and check-ins in, prescriptions with versions, the dashboard's figures and alerts,
and the audit log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from tests.clinic.conftest import T0, ClinicWorld, session_body


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    return world_factory("data")


def prescribe(world: ClinicWorld, **changes: object) -> object:
    body = {
        "protocol_name": "kneeling-hip-flexor",
        "hold_s": 30,
        "reps": 3,
        "sides": ["right", "left"],
        "times_per_day": 1,
        "days_per_week": 7,
        "start_date": (T0.date() - timedelta(days=20)).isoformat(),
        "note": "gently",
        **changes,
    }
    return world.clinician.post_json(f"/api/v1/patients/{world.patient.id}/prescriptions", body)


def test_session_post_is_idempotent_by_uuid(world: ClinicWorld) -> None:
    session_id = str(uuid.uuid4())
    body = session_body(session_id, T0 - timedelta(hours=1))
    first = world.patient.post_json("/api/v1/sessions", body)
    assert first.status_code == 201, first.text
    assert first.json() == {"id": session_id, "created": True}
    second = world.patient.post_json("/api/v1/sessions", body)
    assert second.status_code == 200
    assert second.json() == {"id": session_id, "created": False}
    mine = world.patient.client.get("/api/v1/me/sessions").json()
    assert [s["id"] for s in mine].count(session_id) == 1
    stored = next(s for s in mine if s["id"] == session_id)
    assert stored["pain_after"] == 2 and len(stored["holds"]) == 2
    assert stored["holds"][0]["hip_extension_max_deg"] == 18.0


def test_another_patients_session_id_is_a_conflict(world: ClinicWorld) -> None:
    session_id = str(uuid.uuid4())
    assert (
        world.patient.post_json("/api/v1/sessions", session_body(session_id, T0)).status_code == 201
    )
    body = session_body(session_id, T0)
    body["note"] = "not mine"
    response = world.other_patient.post_json("/api/v1/sessions", body)
    assert response.status_code == 409
    theirs = world.other_patient.client.get("/api/v1/me/sessions").json()
    assert session_id not in [s["id"] for s in theirs]


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda b: b.update(pain_after=11), "pain_after"),
        (lambda b: b.update(ended_at="2020-01-01T00:00:00+00:00"), "end before"),
        (lambda b: b.update(started_at="2026-03-02T09:00:00"), "timezone"),
        (lambda b: b.update(status="in_progress"), "status"),
        (lambda b: b.update(id="not-a-uuid"), "id"),
        (lambda b: b["holds"].append(dict(b["holds"][0])), "unique"),
        (lambda b: b.update(extra_field=1), "extra"),
        (lambda b: b.update(holds_planned=10_000), "holds_planned"),
    ],
)
def test_malformed_sessions_get_a_clear_422(
    world: ClinicWorld, mutate: Callable[[dict[str, object]], None], needle: str
) -> None:
    body = session_body(str(uuid.uuid4()), T0)
    mutate(body)
    response = world.patient.post_json("/api/v1/sessions", body)
    assert response.status_code == 422, response.text
    assert needle.lower() in json.dumps(response.json()).lower()


def test_session_from_the_future_is_refused(world: ClinicWorld) -> None:
    body = session_body(str(uuid.uuid4()), T0 + timedelta(days=2))
    response = world.patient.post_json("/api/v1/sessions", body)
    assert response.status_code == 422
    assert "future" in response.text


def test_broken_and_oversized_json(world: ClinicWorld) -> None:
    headers = {"x-csrf-token": world.patient.csrf, "content-type": "application/json"}
    broken = world.patient.client.post("/api/v1/sessions", content=b'{"id": ', headers=headers)
    assert broken.status_code == 422
    assert "json" in broken.text.lower()
    nan = world.patient.client.post(
        "/api/v1/checkins", content=b'{"day": "2026-03-02", "value": NaN}', headers=headers
    )
    assert nan.status_code == 422
    huge = world.patient.client.post(
        "/api/v1/sessions", content=b"[" + b"1," * 400_000 + b"1]", headers=headers
    )
    assert huge.status_code == 413
    assert "too large" in huge.json()["detail"]


def test_checkin_on_a_day_without_a_session(world: ClinicWorld) -> None:
    response = world.patient.post_json(
        "/api/v1/checkins", {"day": T0.date().isoformat(), "value": 4, "note": "stiff"}
    )
    assert response.status_code == 201
    assert response.json()["value"] == 4
    future = world.patient.post_json(
        "/api/v1/checkins", {"day": (T0.date() + timedelta(days=5)).isoformat(), "value": 1}
    )
    assert future.status_code == 422
    page = world.patient.post("/me/checkins", {"value": "6", "day": T0.date().isoformat()})
    assert page.status_code == 303
    assert "today's check-in is saved" in world.patient.client.get("/me").text
    patient_page = world.clinician.client.get(f"/patients/{world.patient.id}").text
    assert f"<title>check-in, {T0.date():%d %b}: 6</title>" in patient_page  # on the pain chart


@pytest.mark.parametrize(
    ("reps", "message"),
    [
        (0, "reps: must be between 1 and 20 (got 0)"),
        (10_000, "reps: must be between 1 and 20 (got 10000)"),
    ],
)
def test_prescription_with_0_or_10000_reps_is_refused(
    world: ClinicWorld, reps: int, message: str
) -> None:
    response = prescribe(world, reps=reps)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert message in [d["msg"] for d in response.json()["detail"]]  # type: ignore[attr-defined]
    page = world.clinician.post(
        f"/patients/{world.patient.id}/prescriptions",
        {"protocol_name": "kneeling-hip-flexor", "hold_s": "30", "reps": str(reps),
         "sides": ["right"], "times_per_day": "1", "days_per_week": "7",
         "start_date": T0.date().isoformat()},
    )  # fmt: skip
    assert page.status_code == 422
    assert message in page.text
    assert f'name="reps" type="number" min="1" max="20" required value="{reps}"' in page.text


def test_every_prescription_change_is_a_new_version(world: ClinicWorld) -> None:
    assert prescribe(world).status_code == 201  # type: ignore[attr-defined]
    changed = prescribe(world, hold_s=45, reps=2, times_per_day=2, note="longer holds")
    assert changed.status_code == 201  # type: ignore[attr-defined]
    history = world.clinician.client.get(
        f"/api/v1/patients/{world.patient.id}/prescriptions"
    ).json()
    assert [p["version"] for p in history][:2] == [history[0]["version"], history[0]["version"] - 1]
    assert history[0]["dose"]["hold_s"] == 45 and history[1]["dose"]["hold_s"] == 30
    current = world.patient.client.get("/api/v1/me/prescription").json()
    assert current["version"] == history[0]["version"]
    assert current["protocol"]["hold_s"] == 45 and current["protocol"]["reps"] == 2
    assert current["note"] == "longer holds"
    bad_dates = prescribe(world, start_date="2026-03-10", end_date="2026-03-01")
    assert bad_dates.status_code == 422  # type: ignore[attr-defined]
    unknown = prescribe(world, protocol_name="no-such-protocol")
    assert unknown.status_code == 422  # type: ignore[attr-defined]


def test_custom_clinic_protocol_can_be_prescribed(world: ClinicWorld) -> None:
    toml = """
name = "couch-stretch"
title = "Couch stretch"
steps = ["Back knee against the sofa, {side} knee down.", "Squeeze the glute."]
hold_s = 30
reps = 2
"""
    added = world.clinician.post("/protocols", {"toml": toml})
    assert added.status_code == 303
    bad = world.clinician.post("/protocols", {"toml": 'name = "x"\nhold_s = 1'})
    assert bad.status_code == 422
    assert "hold_s" in bad.text
    response = prescribe(world, protocol_name="couch-stretch", reps=4)
    assert response.status_code == 201  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["custom"] is True and body["protocol"]["title"] == "Couch stretch"
    assert body["protocol"]["reps"] == 4
    other_clinic = world.other_clinician.client.get("/protocols").text
    assert "Couch stretch" in other_clinic  # the clinic's protocol, for all its clinicians


def test_dashboard_figures_and_alerts(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld]
) -> None:
    world = world_factory("dash")
    start = T0.date() - timedelta(days=13)
    assert prescribe(world, start_date=start.isoformat()).status_code == 201  # type: ignore[attr-defined]
    # Sessions on 6 of 14 days; pain after rises from 2 to 8.
    for offset, pain in ((13, 2), (12, 2), (11, 3), (5, 5), (4, 6), (3, 8)):
        started = T0 - timedelta(days=offset, hours=1)
        body = session_body(str(uuid.uuid4()), started, pain_before=pain, pain_after=pain)
        assert world.patient.post_json("/api/v1/sessions", body).status_code == 201
    summary = world.clinician.client.get(f"/api/v1/patients/{world.patient.id}").json()
    assert summary["adherence_7"]["done"] == 3 and summary["adherence_7"]["expected"] == 7
    assert summary["adherence_30"]["done"] == 6 and summary["adherence_30"]["expected"] == 14
    assert summary["pain_direction"] == "rising"
    kinds = {a["kind"] for a in summary["alerts"]}
    assert kinds == {"pain_after", "pain_rising", "inactive"}
    assert summary["asymmetric"] is True and summary["asymmetry_deg"] == pytest.approx(9.0)
    assert summary["hip_extension"]["right"]["last_deg"] is not None
    page = world.clinician.client.get("/dashboard").text
    assert "pain 8/10 after a session" in page and "no session for 3 days" in page
    assert "asymmetry 9°" in page
    patient_page = world.clinician.client.get(f"/patients/{world.patient.id}")
    assert patient_page.status_code == 200
    assert patient_page.text.count('<svg class="chart') == 3
    # The clinician raises the threshold: the pain alert goes.
    saved = world.clinician.post(
        f"/patients/{world.patient.id}/alerts", {"pain_after_threshold": "9", "inactive_days": "5"}
    )
    assert saved.status_code == 200
    kinds = {
        a["kind"]
        for a in world.clinician.client.get(f"/api/v1/patients/{world.patient.id}").json()["alerts"]
    }
    assert kinds == {"pain_rising"}
    bad = world.clinician.post(
        f"/patients/{world.patient.id}/alerts", {"pain_after_threshold": "11", "inactive_days": "0"}
    )
    assert bad.status_code == 422


def test_dashboard_with_a_new_patient_and_no_data(
    world_factory: Callable[[str], ClinicWorld],
) -> None:
    world = world_factory("empty")
    page = world.clinician.client.get("/dashboard")
    assert page.status_code == 200
    assert "no prescription yet" in page.text and "never" in page.text
    patient_page = world.clinician.client.get(f"/patients/{world.patient.id}")
    assert patient_page.status_code == 200
    assert "Nothing recorded yet" in patient_page.text or "No weeks yet" in patient_page.text


def test_audit_log_shows_who_read_and_changed_what(
    world_factory: Callable[[str], ClinicWorld],
) -> None:
    world = world_factory("audit")
    assert prescribe(world).status_code == 201  # type: ignore[attr-defined]
    world.clinician.client.get(f"/patients/{world.patient.id}")
    world.patient.post_json("/api/v1/sessions", session_body(str(uuid.uuid4()), T0))
    page = world.admin.client.get("/admin/audit")
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1]
    assert "Dr A audit" in rows and "patient page" in rows and "prescription v1" in rows
    assert "Pat audit" in rows and "session" in rows
    reads_of_quinn = [r for r in rows.split("<tr>") if "<td>read</td>" in r and "Quinn audit" in r]
    assert not reads_of_quinn  # nobody read the other clinician's patient
