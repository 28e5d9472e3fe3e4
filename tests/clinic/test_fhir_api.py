"""``GET /api/v1/patients/{id}/fhir``: the clinic's record of a patient as a FHIR R4B Bundle,
parsed back with fhir.resources and checked value by value; scoped and audited like every
other read of a patient's data."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from tests.clinic.conftest import T0, ClinicWorld, session_body

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
SESSION_1 = "6f1c2d3e-0000-4a5b-8c9d-000000000001"
SESSION_2 = "6f1c2d3e-0000-4a5b-8c9d-000000000002"


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    return world_factory("fhir")


@pytest.fixture(scope="module")
def other_clinic(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    return world_factory("fhirelse")


@pytest.fixture(scope="module")
def recorded(world: ClinicWorld) -> ClinicWorld:
    """A prescription (two versions: the bundle carries the current one), two sessions with
    camera holds and pain, and a check-in on a day without a session."""
    for reps in (3, 4):
        response = world.clinician.post_json(
            f"/api/v1/patients/{world.patient.id}/prescriptions",
            {"protocol_name": "kneeling-hip-flexor", "hold_s": 45, "reps": reps,
             "sides": ["right", "left"], "times_per_day": 2, "days_per_week": 5,
             "start_date": (T0.date() - timedelta(days=10)).isoformat(),
             "end_date": (T0.date() + timedelta(days=60)).isoformat(),
             "note": "Slowly, no bouncing."},
        )  # fmt: skip
        assert response.status_code == 201, response.text
    for session_id, started, after in ((SESSION_1, 3, 2), (SESSION_2, 1, 8)):
        body = session_body(session_id, T0 - timedelta(days=started), pain_after=after)
        assert world.patient.post_json("/api/v1/sessions", body).status_code == 201
    checkin = {"day": (T0.date() - timedelta(days=2)).isoformat(), "value": 5, "note": "stiff"}
    assert world.patient.post_json("/api/v1/checkins", checkin).status_code == 201
    return world


def fetch(world: ClinicWorld, patient_id: str) -> Any:
    return world.clinician.client.get(f"/api/v1/patients/{patient_id}/fhir")


def resources(bundle: Bundle, kind: str) -> list[Any]:
    return [e.resource for e in bundle.entry or () if e.resource.get_resource_type() == kind]


def test_bundle_round_trips_with_every_value(recorded: ClinicWorld) -> None:
    world = recorded
    response = fetch(world, world.patient.id)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)  # the library validates every field
    assert bundle.type == "collection"
    assert bundle.timestamp is not None and bundle.timestamp == T0
    urls = {e.fullUrl for e in bundle.entry or ()}
    assert len(urls) == len(bundle.entry or ()), "full URLs must be unique"

    (patient,) = resources(bundle, "Patient")
    assert patient.name[0].text == "Pat fhir"
    assert patient.identifier[0].value == f"urn:uuid:{world.patient.id}"
    patient_ref = f"urn:uuid:{patient.id}"

    (plan,) = resources(bundle, "CarePlan")
    (request,) = resources(bundle, "ServiceRequest")
    for order in (plan, request):
        assert order.intent == "order" and order.status == "active"
        assert order.subject.reference == patient_ref
    assert plan.author.display == "Dr A fhir"
    assert plan.period.start == T0.date() - timedelta(days=10)
    assert plan.period.end == T0.date() + timedelta(days=60)
    assert plan.note[0].text == "Slowly, no bouncing."
    assert request.requester.display == "Dr A fhir"
    (code,) = request.code.coding
    assert (code.system, code.code) == (SNOMED, "229065009")
    details = [d.text for d in request.orderDetail]
    assert "Hold 45 s" in details and "4 repetitions on each side" in details  # version 2
    repeat = request.occurrenceTiming.repeat
    assert (repeat.frequency, repeat.period, repeat.periodUnit) == (10, 1, "wk")  # 2 a day × 5
    assert request.occurrenceTiming.code.text == "twice a day, 5 days a week"
    assert repeat.boundsPeriod.start == T0.date() - timedelta(days=10)

    procedures = {p.identifier[0].value: p for p in resources(bundle, "Procedure")}
    assert set(procedures) == {f"urn:uuid:{SESSION_1}", f"urn:uuid:{SESSION_2}"}
    for procedure in procedures.values():
        assert procedure.status == "completed"
        assert procedure.subject.reference == patient_ref
        assert procedure.basedOn[0].reference == f"urn:uuid:{request.id}"
        assert procedure.performedPeriod.end - procedure.performedPeriod.start == timedelta(
            seconds=120
        )
    first = procedures[f"urn:uuid:{SESSION_1}"]
    assert first.performedPeriod.start == T0 - timedelta(days=3)
    assert first.note[0].text == "felt fine"

    observations = resources(bundle, "Observation")
    pain = [o for o in observations if o.code.coding[0].code == "72514-3"]
    assert all(o.code.coding[0].system == LOINC for o in pain)
    by_procedure: dict[str, list[int]] = {}
    for o in pain:
        key = o.partOf[0].reference if o.partOf else "check-in"
        by_procedure.setdefault(key, []).append(o.valueInteger)
    assert sorted(by_procedure[f"urn:uuid:{first.id}"]) == [2, 3]
    second = procedures[f"urn:uuid:{SESSION_2}"]
    assert sorted(by_procedure[f"urn:uuid:{second.id}"]) == [3, 8]
    assert by_procedure["check-in"] == [5]
    (check_in,) = [o for o in pain if not o.partOf]
    assert check_in.note[0].text == "stiff"

    angles = [o for o in observations if o.valueQuantity is not None]
    assert len(angles) == 4  # two sessions × two sides
    (device,) = resources(bundle, "Device")
    for o in angles:
        assert (o.valueQuantity.system, o.valueQuantity.code) == (
            "http://unitsofmeasure.org",
            "deg",
        )
        assert o.device.reference == f"urn:uuid:{device.id}"
    by_side = sorted(
        (o.code.text.split(",")[1].strip(), float(o.valueQuantity.value)) for o in angles
    )
    assert (
        by_side
        == [("left side: largest angle during the stretch", 9.0)] * 2
        + [("right side: largest angle during the stretch", 18.0)] * 2
    )


def test_the_patient_may_export_their_own_record(recorded: ClinicWorld) -> None:
    response = recorded.patient.client.get(f"/api/v1/patients/{recorded.patient.id}/fhir")
    assert response.status_code == 200
    assert json.loads(response.content)["resourceType"] == "Bundle"


def test_bundle_is_the_same_when_nothing_changed(recorded: ClinicWorld) -> None:
    first = fetch(recorded, recorded.patient.id).json()
    second = fetch(recorded, recorded.patient.id).json()
    assert first == second  # stable ids: a records system can update rather than duplicate


def test_scoped_like_every_patient_read(recorded: ClinicWorld, other_clinic: ClinicWorld) -> None:
    world = recorded
    url = f"/api/v1/patients/{world.patient.id}/fhir"
    assert world.other_clinician.client.get(url).status_code == 404  # a colleague's patient
    assert other_clinic.clinician.client.get(url).status_code == 404  # another clinic
    assert world.other_patient.client.get(url).status_code == 404  # another patient
    assert world.admin.client.get(url).status_code == 403  # admins see no health data
    assert fetch(world, str(uuid.uuid4())).status_code == 404  # nobody at all


def test_no_prescription_yet_is_a_clear_404(world: ClinicWorld) -> None:
    response = world.other_clinician.client.get(f"/api/v1/patients/{world.other_patient.id}/fhir")
    assert response.status_code == 404
    assert "no prescription yet" in response.json()["detail"]


def test_every_export_is_in_the_audit_log(recorded: ClinicWorld) -> None:
    page = recorded.admin.client.get("/admin/audit")
    exports = [row for row in page.text.split("<tr>") if "FHIR export" in row]
    assert exports, "no audit row for the export"
    assert all("<td>read</td>" in row and "<td>Pat fhir</td>" in row for row in exports)
    # Every row is the clinician's: the patient's own export (above) is not logged, as their
    # own app reads their data all the time.
    assert all("<td>Dr A fhir</td>" in row for row in exports)
