"""The FHIR R4B Bundle of a person's prescription and sessions, built with ``fhir.resources``.

The only module that imports ``fhir.resources`` (imported lazily by its callers: the library
takes most of a second to load). Every resource is validated by the library as it is built.
Ids are uuid5 of hipflex's own ids, so exporting the same history twice gives the same ids;
entries use ``urn:uuid:`` full URLs and reference each other by them. docs/fhir.md describes
the mapping and the codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.careplan import CarePlan, CarePlanActivity
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.device import Device, DeviceDeviceName, DeviceVersion
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.procedure import Procedure, ProcedurePerformer
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.timing import Timing, TimingRepeat

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import PainMoment, PainRecord, SessionRecord, Source
from hipflex.fhir import codes
from hipflex.fhir.codes import Code
from hipflex.fhir.inputs import (
    MEDIAPIPE_POSE_FULL,
    ExerciseDose,
    PainCheckIn,
    PatientInput,
    PoseModel,
    dose_from_protocol,
)
from hipflex.insights.trends import extension_points

# Seeds every resource id (uuid5). Never change it: ids would change for every export.
ID_NAMESPACE = uuid.UUID("b2cfcf5b-787a-4d02-9f09-b9eba824aca6")
MEASURED_SOURCES = frozenset({Source.CAMERA, Source.VIDEO})
PROCEDURE_STATUS = {
    SessionStatus.COMPLETED: "completed",
    SessionStatus.PARTIAL: "stopped",
    SessionStatus.IN_PROGRESS: "in-progress",
}
PAIN_TEXT = {
    PainMoment.BEFORE: "Pain before the session",
    PainMoment.AFTER: "Pain after the session",
}
CHECK_IN_TEXT = "Pain on a day's check-in, outside a session"
TIMES_A_DAY = {1: "once a day", 2: "twice a day"}


def every_session(_session: SessionRecord) -> bool:
    """The default ``include``: export every session given."""
    return True


def resource_id(kind: str, key: str, *, patient_key: str | None = None) -> str:
    """The stable id (a uuid5) of a ``kind`` resource for hipflex's own ``key``, scoped to a
    patient: made-up or demo histories reuse record ids, which must not collide in a server."""
    scoped = key if patient_key is None else f"{patient_key}/{key}"
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}/{scoped}"))


def full_url(resource_id_: str) -> str:
    """The ``urn:uuid:`` full URL (and reference) of a resource in the bundle."""
    return f"urn:uuid:{resource_id_}"


def build_bundle(
    *,
    patient: PatientInput,
    protocol: Protocol,
    sessions: Iterable[SessionRecord],
    generated_at: datetime,
    dose: ExerciseDose | None = None,
    pose_model: PoseModel = MEDIAPIPE_POSE_FULL,
    include: Callable[[SessionRecord], bool] = every_session,
    check_ins: Iterable[PainCheckIn] = (),
) -> Bundle:
    """A ``collection`` Bundle: Patient, CarePlan and ServiceRequest for the dose, the pose
    model's Device (when something was measured), and per session a Procedure with its pain
    and hip extension Observations.

    ``dose`` defaults to the protocol's own (``dose_from_protocol``); ``include`` chooses the
    sessions to export (for example leaving out demo sessions); ``check_ins`` are pain ratings
    given outside sessions; ``generated_at`` (aware) is the bundle's timestamp and decides
    whether a dose with an end date is still active.
    """
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    chosen = sorted((s for s in sessions if include(s)), key=lambda s: (s.started_at, s.id))
    days = sorted(check_ins, key=lambda c: (c.recorded_at, c.id))
    return _Builder(patient, protocol, dose or dose_from_protocol(protocol), pose_model).build(
        chosen, days, generated_at
    )


def bundle_json(bundle: Bundle) -> str:
    """The bundle as FHIR JSON text (UTF-8, indented), ready to write or send."""
    return bundle.model_dump_json(indent=2)


class _Builder:
    """Holds the ids shared by the resources of one bundle while they are built."""

    def __init__(
        self, patient: PatientInput, protocol: Protocol, dose: ExerciseDose, pose: PoseModel
    ) -> None:
        self.patient = patient
        self.protocol = protocol
        self.dose = dose
        self.pose = pose
        self.patient_id = resource_id("Patient", patient.key)
        plan_key = dose.key or f"protocol/{protocol.name}"
        self.care_plan_id = self.id("CarePlan", plan_key)
        self.request_id = self.id("ServiceRequest", plan_key)
        # The Device describes the model, not the person: one id for everybody.
        self.device_id = resource_id("Device", f"{pose.name}/{pose.version}")

    def id(self, kind: str, key: str) -> str:
        """The id of this patient's ``kind`` resource for ``key``."""
        return resource_id(kind, key, patient_key=self.patient.key)

    def build(
        self,
        sessions: Sequence[SessionRecord],
        check_ins: Sequence[PainCheckIn],
        generated_at: datetime,
    ) -> Bundle:
        measured = any(_measured(s) for s in sessions)
        procedures: list[DomainResource] = []
        observations: list[DomainResource] = []
        extension = _extension_by_session(sessions)
        for session in sessions:
            procedures.append(self.procedure(session))
            observations.extend(self.pain(session, p) for p in _in_order(session.pain_ratings))
            observations.extend(
                self.hip_extension(session, side, value_deg)
                for side, value_deg in extension.get(session.id, ())
            )
        observations.extend(self.check_in(c) for c in check_ins)
        status = _plan_status(self.dose, generated_at.date())
        resources: list[DomainResource] = [
            self.patient_resource(),
            self.care_plan(
                status, [self.id("Procedure", s.id) for s in sessions if self._of_plan(s)]
            ),
            self.service_request(status),
            *([self.device()] if measured else []),
            *procedures,
            *observations,
        ]
        ids = ",".join(sorted([s.id for s in sessions] + [c.id for c in check_ins]))
        return Bundle(
            id=self.id("Bundle", ids),
            type="collection",
            timestamp=generated_at,
            entry=[BundleEntry(fullUrl=full_url(str(r.id)), resource=r) for r in resources],
        )

    # -- the person and the prescription -------------------------------------------------

    def patient_resource(self) -> Patient:
        name = (self.patient.name or "").strip()
        return Patient(
            id=self.patient_id,
            identifier=_identifiers(self.patient.key),
            active=True,
            name=[HumanName(text=name)] if name else None,
        )

    def care_plan(self, status: str, procedure_ids: Sequence[str]) -> CarePlan:
        dose = self.dose
        return CarePlan(
            id=self.care_plan_id,
            identifier=_identifiers(dose.key),
            status=status,
            intent="order" if dose.prescribed else "plan",
            title=self.protocol.title,
            description=self.protocol.summary.strip() or None,
            subject=self._ref(self.patient_id),
            period=_period(dose.start, dose.end),
            created=dose.prescribed_at,
            author=self._prescriber(),
            activity=[
                CarePlanActivity(
                    reference=self._ref(self.request_id),
                    outcomeReference=[self._ref(i) for i in procedure_ids] or None,
                )
            ],
            note=[Annotation(text=dose.note)] if dose.note.strip() else None,
        )

    def service_request(self, status: str) -> ServiceRequest:
        dose = self.dose
        return ServiceRequest(
            id=self.request_id,
            identifier=_identifiers(dose.key),
            basedOn=[self._ref(self.care_plan_id)],
            status=status,
            intent="order" if dose.prescribed else "plan",
            code=_concept(codes.EXERCISE_THERAPY, self.protocol.title),
            orderDetail=[
                CodeableConcept(text=f"Hold {dose.hold_s} s"),
                CodeableConcept(text=f"{dose.reps} repetitions on each side"),
                *(
                    _concept(codes.LATERALITY[side], f"{side.value.capitalize()} side")
                    for side in dose.sides
                ),
            ],
            subject=self._ref(self.patient_id),
            occurrenceTiming=_timing(dose),
            authoredOn=dose.prescribed_at,
            requester=self._prescriber(),
            bodySite=[_hip_joint(side) for side in dose.sides],
            patientInstruction=instruction_text(self.protocol.title, dose),
            note=[Annotation(text=dose.note)] if dose.note.strip() else None,
        )

    def device(self) -> Device:
        pose = self.pose
        return Device(
            id=self.device_id,
            status="active",
            manufacturer=pose.manufacturer,
            deviceName=[DeviceDeviceName(name=pose.name, type="model-name")],
            modelNumber=pose.model_number,
            type=_concept(codes.SOFTWARE_DEVICE, "Pose estimation model"),
            version=[DeviceVersion(value=pose.version)],
            note=[Annotation(text=pose.runtime)],
        )

    # -- sessions ------------------------------------------------------------------------

    def procedure(self, session: SessionRecord) -> Procedure:
        sides = sorted({hold.side for hold in session.holds}, key=_side_order)
        return Procedure(
            id=self.id("Procedure", session.id),
            identifier=_identifiers(session.id),
            basedOn=[self._ref(self.request_id)] if self._of_plan(session) else None,
            status=PROCEDURE_STATUS[session.status],
            code=_concept(codes.EXERCISE_THERAPY, session.protocol_title),
            subject=self._ref(self.patient_id),
            performedPeriod=Period(start=session.started_at, end=session.ended_at),
            performer=[ProcedurePerformer(actor=self._ref(self.patient_id))],
            bodySite=[_hip_joint(side) for side in sides] or None,
            outcome=CodeableConcept(text=outcome_text(session)),
            note=[Annotation(text=n.text, time=n.created_at) for n in session.notes] or None,
            usedReference=[self._ref(self.device_id)] if _measured(session) else None,
        )

    def pain(self, session: SessionRecord, pain: PainRecord) -> Observation:
        return self._pain_observation(
            pain.id,
            PAIN_TEXT[pain.moment],
            pain.recorded_at,
            pain.value,
            part_of=self.id("Procedure", session.id),
        )

    def check_in(self, check_in: PainCheckIn) -> Observation:
        return self._pain_observation(
            check_in.id,
            CHECK_IN_TEXT,
            check_in.recorded_at,
            check_in.value,
            note=check_in.note,
        )

    def _pain_observation(
        self,
        record_id: str,
        text: str,
        at: datetime,
        value: int,
        *,
        part_of: str | None = None,
        note: str | None = None,
    ) -> Observation:
        note = (note or "").strip()
        return Observation(
            id=self.id("Observation", record_id),
            identifier=_identifiers(record_id),
            status="final",
            category=[_concept(codes.CATEGORY_SURVEY)],
            code=_concept(codes.PAIN_SCORE, text),
            subject=self._ref(self.patient_id),
            partOf=[self._ref(part_of)] if part_of else None,
            effectiveDateTime=at,
            performer=[self._ref(self.patient_id)],
            valueInteger=value,
            note=[Annotation(text=note)] if note else None,
        )

    def hip_extension(self, session: SessionRecord, side: Side, value_deg: float) -> Observation:
        holds = [h for h in session.holds if h.side is side and h.hip_extension_max_deg is not None]
        return Observation(
            id=self.id("Observation", f"{session.id}/hip-extension/{side.value}"),
            status="preliminary" if session.status is SessionStatus.IN_PROGRESS else "final",
            category=[_concept(codes.CATEGORY_ACTIVITY)],
            code=_concept(
                codes.HIP_RANGE_OF_MOVEMENT,
                f"Hip extension, {side.value} side: largest angle during the stretch",
            ),
            subject=self._ref(self.patient_id),
            partOf=[self._ref(self.id("Procedure", session.id))],
            effectivePeriod=Period(
                start=min(h.started_at for h in holds), end=max(h.ended_at for h in holds)
            ),
            valueQuantity=Quantity(
                value=round(value_deg, 1),
                unit=codes.DEGREES.display,
                system=codes.DEGREES.system,
                code=codes.DEGREES.code,
            ),
            bodySite=_hip_joint(side, with_laterality=True),
            method=CodeableConcept(
                text="Largest hip extension over the holds on this side, from pose landmarks "
                "of the camera or a video"
            ),
            device=self._ref(self.device_id),
        )

    # -- helpers -------------------------------------------------------------------------

    def _of_plan(self, session: SessionRecord) -> bool:
        return session.protocol_name == self.protocol.name

    def _prescriber(self) -> Reference:
        if self.dose.prescriber is not None:
            return Reference(display=self.dose.prescriber)
        return self._ref(self.patient_id)

    @staticmethod
    def _ref(resource_id_: str) -> Reference:
        return Reference(reference=full_url(resource_id_))


def instruction_text(title: str, dose: ExerciseDose) -> str:
    """The dose in one sentence, as the person reads it."""
    if len(dose.sides) > 1:
        where = "on each side (" + " then ".join(side.value for side in dose.sides) + ")"
    else:
        where = f"on the {dose.sides[0].value} side only"
    return f"{title}: hold {dose.hold_s} s, {dose.reps} times {where}, {frequency_text(dose)}."


def frequency_text(dose: ExerciseDose) -> str:
    """How often, in words: "once a day, 7 days a week"."""
    per_day = TIMES_A_DAY.get(dose.times_per_day, f"{dose.times_per_day} times a day")
    return f"{per_day}, {dose.days_per_week} days a week"


def outcome_text(session: SessionRecord) -> str:
    """What the session achieved, in words: holds done and seconds counted per side."""
    held = session.counted_s_by_side()
    per_side = ", ".join(
        f"{side.value} {held[side]:.0f} s" for side in sorted(held, key=_side_order)
    )
    done = f"{session.reps_done} of {session.holds_planned} holds done"
    return f"{done}; counted {per_side}" if per_side else done


def _timing(dose: ExerciseDose) -> Timing:
    # Timing has no "N days a week" next to "M times a day": every day becomes M a day,
    # fewer days become M × N a week; the code's text keeps the exact wording.
    if dose.days_per_week == 7:
        frequency, unit = dose.times_per_day, "d"
    else:
        frequency, unit = dose.times_per_day * dose.days_per_week, "wk"
    return Timing(
        repeat=TimingRepeat(
            boundsPeriod=_period(dose.start, dose.end),
            frequency=frequency,
            period=1,
            periodUnit=unit,
        ),
        code=CodeableConcept(text=frequency_text(dose)),
    )


def _plan_status(dose: ExerciseDose, today: date) -> str:
    return "completed" if dose.end is not None and dose.end < today else "active"


def _extension_by_session(sessions: Sequence[SessionRecord]) -> dict[str, list[tuple[Side, float]]]:
    # The same per-session value as the insights and the report: the side's largest angle.
    by_session: dict[str, list[tuple[Side, float]]] = {}
    for point in extension_points(sessions):
        by_session.setdefault(point.session_id, []).append((point.side, point.hip_extension_deg))
    for values in by_session.values():
        values.sort(key=lambda item: _side_order(item[0]))
    return by_session


def _measured(session: SessionRecord) -> bool:
    return session.source in MEASURED_SOURCES or any(
        hold.source in MEASURED_SOURCES for hold in session.holds
    )


def _in_order(pain: Iterable[PainRecord]) -> list[PainRecord]:
    return sorted(pain, key=lambda p: (p.recorded_at, p.moment is PainMoment.AFTER, p.id))


def _side_order(side: Side) -> int:
    return 0 if side is Side.RIGHT else 1


def _coding(code: Code) -> Coding:
    return Coding(system=code.system, code=code.code, display=code.display)


def _concept(code: Code, text: str | None = None) -> CodeableConcept:
    return CodeableConcept(coding=[_coding(code)], text=text)


def _hip_joint(side: Side, *, with_laterality: bool = False) -> CodeableConcept:
    # The laterality extension is defined for Observation.bodySite only; elsewhere the side
    # is in the text (the prescription also codes its sides in orderDetail).
    laterality = Extension(
        url=codes.STRUCTURE_LATERALITY,
        valueCodeableConcept=_concept(codes.LATERALITY[side]),
    )
    return CodeableConcept(
        coding=[_coding(codes.HIP_JOINT)],
        text=f"{side.value.capitalize()} hip joint",
        extension=[laterality] if with_laterality else None,
    )


def _period(start: date | datetime | None, end: date | datetime | None) -> Period | None:
    if start is None and end is None:
        return None
    return Period(start=start, end=end)


def _identifiers(key: str | None) -> list[Identifier] | None:
    """hipflex's own uuid as a business identifier; other keys are not uuids and stay out."""
    if key is None:
        return None
    try:
        value = uuid.UUID(key)
    except ValueError:
        return None
    return [Identifier(system=codes.URI_IDENTIFIER, value=f"urn:uuid:{value}")]
