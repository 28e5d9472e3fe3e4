"""The bundle survives a JSON round trip through the library, and every value is the one meant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord
from hipflex.fhir import codes
from hipflex.fhir.bundle import build_bundle, bundle_json, full_url, resource_id
from hipflex.fhir.inputs import ExerciseDose, PatientInput

PATIENT_KEY = "7b1f3a2e-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
GENERATED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
PRESCRIBED = ExerciseDose(
    hold_s=45,
    reps=3,
    sides=(Side.RIGHT, Side.LEFT),
    times_per_day=2,
    days_per_week=5,
    start=date(2026, 3, 1),
    end=date(2026, 4, 30),
    note="Keep the pelvis tucked.",
    prescriber="Dr. Jane Physio",
    prescribed_at=datetime(2026, 2, 28, 16, 0, tzinfo=UTC),
    key="a3c0d1e2-f3a4-4b5c-9d6e-7f8091a2b3c4",
)


def round_trip(bundle: Bundle) -> tuple[Bundle, dict[str, Any]]:
    """Serialise, parse back with the library, and index the parsed resources by full URL."""
    text = bundle_json(bundle)
    parsed = Bundle.model_validate_json(text)
    return parsed, {entry.fullUrl: entry.resource for entry in parsed.entry or []}


def of_type(parsed: Bundle, kind: str) -> list[Any]:
    return [e.resource for e in parsed.entry or [] if e.resource.get_resource_type() == kind]


def references(node: Any) -> Iterator[str]:
    """Every ``reference`` string anywhere in a JSON tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def coding(concept: Any) -> tuple[str, str, str]:
    (only,) = concept.coding
    return only.system, only.code, only.display


def scoped_id(kind: str, key: str) -> str:
    return resource_id(kind, key, patient_key=PATIENT_KEY)


def ref(kind: str, key: str) -> str:
    return full_url(scoped_id(kind, key))


PATIENT = full_url(resource_id("Patient", PATIENT_KEY))
DEVICE = full_url(resource_id("Device", "MediaPipe BlazePose full/0.10.21"))


@pytest.fixture
def full(protocol: Protocol, history: dict[str, SessionRecord]) -> tuple[Bundle, dict[str, Any]]:
    bundle = build_bundle(
        patient=PatientInput(PATIENT_KEY, "Ada Lovelace"),
        protocol=protocol,
        sessions=list(history.values()),
        generated_at=GENERATED_AT,
        dose=PRESCRIBED,
    )
    return round_trip(bundle)


def test_counts_and_every_reference_resolves(full: tuple[Bundle, dict[str, Any]]) -> None:
    parsed, by_url = full
    assert parsed.type == "collection"
    assert parsed.timestamp == GENERATED_AT
    kinds = Counter(e.resource.get_resource_type() for e in parsed.entry or [])
    # 4 sessions; pain: 2 + 1 + 0 + 1; hip extension: 2 (camera) + 1 (video).
    assert kinds == {
        "Patient": 1,
        "CarePlan": 1,
        "ServiceRequest": 1,
        "Device": 1,
        "Procedure": 4,
        "Observation": 7,
    }
    for entry in parsed.entry or []:
        assert entry.fullUrl == f"urn:uuid:{entry.resource.id}"
    assert len(by_url) == len(parsed.entry or [])
    found = list(references(parsed.model_dump()))
    assert len(found) > 30
    unresolved = [r for r in found if r not in by_url]
    assert unresolved == []


def test_ids_are_stable_and_per_patient(
    protocol: Protocol, history: dict[str, SessionRecord]
) -> None:
    def ids(key: str, generated_at: datetime) -> list[str]:
        bundle = build_bundle(
            patient=PatientInput(key),
            protocol=protocol,
            sessions=list(history.values()),
            generated_at=generated_at,
        )
        return [e.resource.id for e in bundle.entry or []]

    first = ids(PATIENT_KEY, GENERATED_AT)
    assert first == ids(PATIENT_KEY, GENERATED_AT + timedelta(days=3))
    assert len(set(first)) == len(first)
    other = ids("1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5", GENERATED_AT)
    # The Device describes the model, not the person; everything else belongs to the patient.
    assert set(first) & set(other) == {resource_id("Device", "MediaPipe BlazePose full/0.10.21")}


def test_patient(full: tuple[Bundle, dict[str, Any]]) -> None:
    parsed, _ = full
    (patient,) = of_type(parsed, "Patient")
    assert patient.id == resource_id("Patient", PATIENT_KEY)
    assert [n.text for n in patient.name] == ["Ada Lovelace"]
    (identifier,) = patient.identifier
    assert (identifier.system, identifier.value) == ("urn:ietf:rfc:3986", f"urn:uuid:{PATIENT_KEY}")
    assert patient.active is True


def test_service_request_carries_the_dose(full: tuple[Bundle, dict[str, Any]]) -> None:
    parsed, _ = full
    (request,) = of_type(parsed, "ServiceRequest")

    assert request.id == scoped_id("ServiceRequest", PRESCRIBED.key or "")
    assert [i.value for i in request.identifier] == [f"urn:uuid:{PRESCRIBED.key}"]
    assert (request.status, request.intent) == ("active", "order")
    assert coding(request.code) == (
        "http://snomed.info/sct",
        "229065009",
        "Exercise therapy (regime/therapy)",
    )
    assert request.code.text == "Half-kneeling hip flexor stretch"
    assert request.subject.reference == PATIENT
    assert [b.reference for b in request.basedOn] == [ref("CarePlan", PRESCRIBED.key or "")]
    assert request.requester.display == "Dr. Jane Physio"
    assert request.requester.reference is None
    assert request.authoredOn == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    repeat = request.occurrenceTiming.repeat
    # 2 a day on 5 days a week: Timing can only say 10 a week; the text says the rest.
    assert (repeat.frequency, repeat.period, repeat.periodUnit) == (10, 1, "wk")
    assert request.occurrenceTiming.code.text == "twice a day, 5 days a week"
    assert str(repeat.boundsPeriod.start) == "2026-03-01"
    assert str(repeat.boundsPeriod.end) == "2026-04-30"
    assert [d.text for d in request.orderDetail] == [
        "Hold 45 s",
        "3 repetitions on each side",
        "Right side",
        "Left side",
    ]
    assert [coding(d)[1] for d in request.orderDetail[2:]] == ["24028007", "7771000"]
    assert [coding(b)[:2] for b in request.bodySite] == [(codes.SNOMED, "24136001")] * 2
    assert [b.text for b in request.bodySite] == ["Right hip joint", "Left hip joint"]
    assert request.patientInstruction == (
        "Half-kneeling hip flexor stretch: hold 45 s, 3 times on each side (right then left), "
        "twice a day, 5 days a week."
    )
    assert [n.text for n in request.note] == ["Keep the pelvis tucked."]


def test_care_plan_links_request_and_its_sessions(
    full: tuple[Bundle, dict[str, Any]], history: dict[str, SessionRecord]
) -> None:
    parsed, _ = full
    (plan,) = of_type(parsed, "CarePlan")
    assert (plan.status, plan.intent) == ("active", "order")
    assert plan.title == "Half-kneeling hip flexor stretch"
    assert plan.description and "hip flexors" in plan.description
    assert plan.subject.reference == PATIENT
    assert plan.author.display == "Dr. Jane Physio"
    assert (str(plan.period.start), str(plan.period.end)) == ("2026-03-01", "2026-04-30")
    (activity,) = plan.activity
    assert activity.reference.reference == ref("ServiceRequest", PRESCRIBED.key or "")
    # The session of another protocol did not follow this plan.
    assert [o.reference for o in activity.outcomeReference] == [
        ref("Procedure", history[name].id) for name in ("camera", "timer", "video")
    ]
    assert [n.text for n in plan.note] == ["Keep the pelvis tucked."]


def test_device_names_the_pose_model(full: tuple[Bundle, dict[str, Any]]) -> None:
    parsed, _ = full
    (device,) = of_type(parsed, "Device")
    assert [(n.name, n.type) for n in device.deviceName] == [
        ("MediaPipe BlazePose full", "model-name")
    ]
    assert [v.value for v in device.version] == ["0.10.21"]
    assert device.manufacturer == "Google"
    assert device.modelNumber == "pose_landmark_full"
    assert coding(device.type)[:2] == (codes.SNOMED, "706689003")


def test_a_procedure_per_session(
    full: tuple[Bundle, dict[str, Any]], history: dict[str, SessionRecord]
) -> None:
    parsed, _ = full
    procedures = {p.id: p for p in of_type(parsed, "Procedure")}
    device = DEVICE
    request = ref("ServiceRequest", PRESCRIBED.key or "")
    expected = {
        # name: status, based on the plan, uses the camera model, sides, outcome text
        "camera": (
            "completed",
            True,
            True,
            2,
            "8 of 8 holds done; counted right 120 s, left 118 s",
        ),
        "timer": ("stopped", True, False, 2, "2 of 8 holds done; counted right 42 s, left 30 s"),
        "video": ("in-progress", True, True, 1, "1 of 8 holds done; counted right 30 s"),
        "other": ("completed", False, False, 2, "2 of 2 holds done; counted right 30 s, left 30 s"),
    }
    for name, (status, planned, camera, sides, outcome) in expected.items():
        session = history[name]
        procedure = procedures[scoped_id("Procedure", session.id)]
        assert procedure.status == status, name
        assert [i.value for i in procedure.identifier] == [f"urn:uuid:{session.id}"]
        assert coding(procedure.code)[1] == "229065009"
        assert procedure.code.text == session.protocol_title
        assert procedure.subject.reference == PATIENT
        assert [p.actor.reference for p in procedure.performer] == [PATIENT]
        assert procedure.performedPeriod.start == session.started_at
        assert procedure.performedPeriod.end == session.ended_at
        assert [b.reference for b in procedure.basedOn or []] == ([request] if planned else [])
        assert [u.reference for u in procedure.usedReference or []] == ([device] if camera else [])
        assert [b.text for b in procedure.bodySite] == ["Right hip joint", "Left hip joint"][:sides]
        assert procedure.outcome.text == outcome
    camera_notes = procedures[scoped_id("Procedure", history["camera"].id)].note
    assert [n.text for n in camera_notes] == ["Felt looser today.", "Left knee on a cushion."]
    assert camera_notes[0].time == history["camera"].notes[0].created_at


def test_pain_observations(
    full: tuple[Bundle, dict[str, Any]], history: dict[str, SessionRecord]
) -> None:
    parsed, _ = full
    pain = [o for o in of_type(parsed, "Observation") if coding(o.code)[1] == "72514-3"]
    seen = []
    for observation in pain:
        assert coding(observation.code) == (
            "http://loinc.org",
            "72514-3",
            "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        )
        assert observation.status == "final"
        assert [coding(c)[:2] for c in observation.category] == [
            ("http://terminology.hl7.org/CodeSystem/observation-category", "survey")
        ]
        assert observation.subject.reference == PATIENT
        assert [p.reference for p in observation.performer] == [PATIENT]
        assert observation.valueQuantity is None
        (part_of,) = observation.partOf
        session = next(s for s in history.values() if part_of.reference == ref("Procedure", s.id))
        record = next(p for p in session.pain_ratings if p.value == observation.valueInteger)
        assert observation.id == scoped_id("Observation", record.id)
        assert observation.effectiveDateTime == record.recorded_at
        seen.append((session.protocol_name[:5], observation.code.text, observation.valueInteger))
    assert seen == [
        ("kneel", "Pain before the session", 5),
        ("kneel", "Pain after the session", 3),
        ("kneel", "Pain after the session", 2),
        ("prone", "Pain before the session", 1),
    ]


def test_hip_extension_per_side(
    full: tuple[Bundle, dict[str, Any]], history: dict[str, SessionRecord]
) -> None:
    parsed, _ = full
    extension = [o for o in of_type(parsed, "Observation") if coding(o.code)[1] == "299238003"]
    found = []
    for observation in extension:
        assert coding(observation.code) == (
            "http://snomed.info/sct",
            "299238003",
            "Hip joint - range of movement (observable entity)",
        )
        assert [coding(c)[1] for c in observation.category] == ["activity"]
        quantity = observation.valueQuantity
        assert (quantity.unit, quantity.system, quantity.code) == (
            "deg",
            "http://unitsofmeasure.org",
            "deg",
        )
        site = observation.bodySite
        assert coding(site) == (
            "http://snomed.info/sct",
            "24136001",
            "Hip joint structure (body structure)",
        )
        (laterality,) = site.extension
        assert laterality.url == (
            "http://hl7.org/fhir/StructureDefinition/observation-structureLaterality"
        )
        side_code = coding(laterality.valueCodeableConcept)
        assert observation.device.reference == DEVICE
        assert observation.subject.reference == PATIENT
        assert observation.effectivePeriod.start < observation.effectivePeriod.end
        (part_of,) = observation.partOf
        name = next(n for n, s in history.items() if part_of.reference == ref("Procedure", s.id))
        found.append((name, observation.status, site.text, side_code[1:], float(quantity.value)))
    assert found == [
        ("camera", "final", "Right hip joint", ("24028007", "Right (qualifier value)"), 12.3),
        ("camera", "final", "Left hip joint", ("7771000", "Left (qualifier value)"), 9.9),
        ("video", "preliminary", "Right hip joint", ("24028007", "Right (qualifier value)"), 14.0),
    ]


def test_include_leaves_sessions_and_their_observations_out(
    protocol: Protocol, history: dict[str, SessionRecord]
) -> None:
    bundle = build_bundle(
        patient=PatientInput(PATIENT_KEY),
        protocol=protocol,
        sessions=list(history.values()),
        generated_at=GENERATED_AT,
        include=lambda s: s.id != history["camera"].id,
    )
    parsed, by_url = round_trip(bundle)
    left_out = ref("Procedure", history["camera"].id)
    assert left_out not in by_url
    assert len(of_type(parsed, "Procedure")) == 3
    # Pain 1 + 0 + 1, hip extension only the video's right side.
    assert len(of_type(parsed, "Observation")) == 3
    assert left_out not in list(references(parsed.model_dump()))


def test_a_past_end_date_completes_the_plan(
    protocol: Protocol, history: dict[str, SessionRecord]
) -> None:
    ended = ExerciseDose(hold_s=30, reps=4, sides=(Side.RIGHT,), end=date(2026, 3, 9))
    bundle = build_bundle(
        patient=PatientInput(PATIENT_KEY),
        protocol=protocol,
        sessions=[],
        generated_at=GENERATED_AT,
        dose=ended,
    )
    parsed, _ = round_trip(bundle)
    (plan,) = of_type(parsed, "CarePlan")
    (request,) = of_type(parsed, "ServiceRequest")
    assert plan.status == request.status == "completed"
    assert plan.period.start is None and str(plan.period.end) == "2026-03-09"


def test_naive_timestamp_is_refused(protocol: Protocol) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_bundle(
            patient=PatientInput(PATIENT_KEY),
            protocol=protocol,
            sessions=[],
            generated_at=datetime(2026, 3, 10, 9, 0),
        )


@dataclass(frozen=True)
class CheckIn:
    """Shaped like storage's and the clinic's check-in rows: the builder needs no conversion."""

    id: str
    value: int
    recorded_at: datetime
    note: str | None = None


def test_pain_check_ins_outside_sessions(protocol: Protocol) -> None:
    check_ins = [
        CheckIn("5e8f1a2b-3c4d-4e5f-8a9b-1c2d3e4f5a6b", 6, GENERATED_AT - timedelta(days=1)),
        CheckIn(
            "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", 3, GENERATED_AT - timedelta(days=3), " Stiff. "
        ),
    ]
    bundle = build_bundle(
        patient=PatientInput(PATIENT_KEY),
        protocol=protocol,
        sessions=[],
        generated_at=GENERATED_AT,
        check_ins=check_ins,
    )
    parsed, _ = round_trip(bundle)
    observations = of_type(parsed, "Observation")
    # Oldest first, each on its own: no session to be part of.
    assert [(o.valueInteger, o.effectiveDateTime) for o in observations] == [
        (3, GENERATED_AT - timedelta(days=3)),
        (6, GENERATED_AT - timedelta(days=1)),
    ]
    for observation, record in zip(observations, reversed(check_ins), strict=True):
        assert observation.id == scoped_id("Observation", record.id)
        assert coding(observation.code)[:2] == ("http://loinc.org", "72514-3")
        assert observation.code.text == "Pain on a day's check-in, outside a session"
        assert [coding(c)[1] for c in observation.category] == ["survey"]
        assert observation.partOf is None
        assert observation.subject.reference == PATIENT
    assert [n.text for n in observations[0].note] == ["Stiff."]
    assert observations[1].note is None
