"""Bundles for thin histories still validate and say only what is there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle

from hipflex.domain.events import HoldOutcome
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord, Source
from hipflex.fhir.bundle import build_bundle, bundle_json
from hipflex.fhir.inputs import ExerciseDose, PatientInput

from .conftest import T0, HoldSpec, make_session

GENERATED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
KEY = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"


def parsed(
    protocol: Protocol,
    sessions: list[SessionRecord],
    *,
    name: str | None = None,
    dose: ExerciseDose | None = None,
) -> Bundle:
    bundle = build_bundle(
        patient=PatientInput(KEY, name),
        protocol=protocol,
        sessions=sessions,
        generated_at=GENERATED_AT,
        dose=dose,
    )
    return Bundle.model_validate_json(bundle_json(bundle))


def kinds(bundle: Bundle) -> list[str]:
    return [e.resource.get_resource_type() for e in bundle.entry or []]


def observation_codes(bundle: Bundle) -> list[str]:
    return [
        e.resource.code.coding[0].code
        for e in bundle.entry or []
        if e.resource.get_resource_type() == "Observation"
    ]


def test_no_sessions_is_the_prescription_alone(protocol: Protocol) -> None:
    bundle = parsed(protocol, [])
    assert kinds(bundle) == ["Patient", "CarePlan", "ServiceRequest"]
    plan = bundle.entry[1].resource  # type: ignore[index]
    assert plan.activity[0].outcomeReference is None
    patient = bundle.entry[0].resource  # type: ignore[index]
    assert patient.name is None
    other = parsed(protocol, [], name="   ")
    assert other.entry[0].resource.name is None  # type: ignore[index]


def test_a_non_uuid_key_gets_no_identifier(protocol: Protocol) -> None:
    bundle = build_bundle(
        patient=PatientInput("clinic-patient-17"),
        protocol=protocol,
        sessions=[],
        generated_at=GENERATED_AT,
    )
    assert bundle.entry[0].resource.identifier is None  # type: ignore[index]


def test_one_side_only(protocol: Protocol) -> None:
    left = make_session(
        "left-only",
        T0,
        [HoldSpec(Side.LEFT, source=Source.CAMERA, extension_max_deg=7.25)] * 3,
        source=Source.CAMERA,
        holds_planned=3,
    )
    dose = ExerciseDose(hold_s=30, reps=3, sides=(Side.LEFT,))
    bundle = parsed(protocol, [left], dose=dose)
    resources = {e.resource.get_resource_type(): e.resource for e in bundle.entry or []}
    request = resources["ServiceRequest"]
    assert [b.text for b in request.bodySite] == ["Left hip joint"]
    assert [d.text for d in request.orderDetail] == [
        "Hold 30 s",
        "3 repetitions on each side",
        "Left side",
    ]
    assert request.patientInstruction.endswith(
        "hold 30 s, 3 times on the left side only, once a day, 7 days a week."
    )
    repeat = request.occurrenceTiming.repeat
    assert (repeat.frequency, repeat.period, repeat.periodUnit) == (1, 1, "d")
    assert repeat.boundsPeriod is None
    assert [b.text for b in resources["Procedure"].bodySite] == ["Left hip joint"]
    observation = resources["Observation"]
    assert observation.bodySite.extension[0].valueCodeableConcept.coding[0].code == "7771000"
    assert float(observation.valueQuantity.value) == 7.2  # 7.25 rounds half to even
    assert observation_codes(bundle) == ["299238003"]


def test_no_camera_sessions_have_no_device_and_no_hip_extension(protocol: Protocol) -> None:
    sessions = [
        make_session(f"timer-{day}", T0 + timedelta(days=day), [HoldSpec(Side.RIGHT)] * 2)
        for day in range(3)
    ]
    bundle = parsed(protocol, sessions)
    assert "Device" not in kinds(bundle)
    assert observation_codes(bundle) == []
    for entry in bundle.entry or []:
        if entry.resource.get_resource_type() == "Procedure":
            assert entry.resource.usedReference is None


def test_camera_session_without_a_measured_angle_names_the_device_only_on_the_procedure(
    protocol: Protocol,
) -> None:
    # The camera ran but never saw good form: no angle, so no hip extension observation.
    unmeasured = make_session(
        "unmeasured",
        T0,
        [HoldSpec(Side.RIGHT, 0.0, HoldOutcome.TIMED_OUT, Source.CAMERA)],
        source=Source.CAMERA,
    )
    bundle = parsed(protocol, [unmeasured])
    assert kinds(bundle) == ["Patient", "CarePlan", "ServiceRequest", "Device", "Procedure"]
    procedure = bundle.entry[4].resource  # type: ignore[index]
    assert procedure.usedReference[0].reference == bundle.entry[3].fullUrl  # type: ignore[index]
    assert procedure.outcome.text == "1 of 8 holds done; counted right 0 s"


def test_pain_missing(protocol: Protocol) -> None:
    no_pain = make_session("no-pain", T0, [HoldSpec(Side.RIGHT), HoldSpec(Side.LEFT)])
    only_after = make_session("after", T0 + timedelta(days=1), [HoldSpec(Side.RIGHT)], pain_after=0)
    bundle = parsed(protocol, [no_pain, only_after])
    pain = [
        e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == "Observation"
    ]
    assert [(p.code.text, p.valueInteger) for p in pain] == [("Pain after the session", 0)]


def test_a_session_without_holds(protocol: Protocol) -> None:
    empty = make_session("empty", T0, [], pain_before=4)
    bundle = parsed(protocol, [empty])
    procedure = next(
        e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == "Procedure"
    )
    assert procedure.bodySite is None
    assert procedure.outcome.text == "0 of 8 holds done"
    assert observation_codes(bundle) == ["72514-3"]
