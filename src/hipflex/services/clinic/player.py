"""The patient's session player on the clinic: today's session is their current prescription.

The same guided session as the home app (``services/guided_session.py``), over the clinic's
history writer, so a session done in the browser lands in the rows the dashboard, the alerts,
the patient page, the PDF and FHIR read. Only a patient runs it, only on themself.

The prescription's dates decide whether it runs today: "today" is the clinic's day (its
timezone, as the dashboard counts days), from the ``now`` the edge passes in; the end date is
the last day it runs. The check is made when a session opens: a session already running when
the day passes the end date finishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from hipflex.domain.clinic import Account, Prescription, Role
from hipflex.domain.clock import Clock
from hipflex.domain.protocol import Position
from hipflex.errors import HipflexError
from hipflex.services.clinic.access import require_role
from hipflex.services.clinic.errors import NotFound
from hipflex.services.clinic.ports import ClinicStorage
from hipflex.services.clinic.session_writer import ClinicHistoryWriter
from hipflex.services.guided_session import GuidedSession, SessionMode
from hipflex.services.session_check_in import CheckIn, save_check_in

NO_PRESCRIPTION = "there is no prescription to run yet: your clinician has not prescribed one"


class PlanState(StrEnum):
    NONE = "none"  # nothing prescribed yet
    NOT_STARTED = "not_started"  # today is before the start date
    ACTIVE = "active"
    ENDED = "ended"  # today is after the end date


def long_date(day: date) -> str:
    """``Monday 2 March 2026``: a date a patient reads without thinking about its format."""
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class TodaysPlan:
    """The patient's current prescription and whether the player runs it on ``today`` (the
    clinic's local day)."""

    prescription: Prescription | None
    today: date

    @property
    def state(self) -> PlanState:
        prescription = self.prescription
        if prescription is None:
            return PlanState.NONE
        if self.today < prescription.start_date:
            return PlanState.NOT_STARTED
        if prescription.end_date is not None and self.today > prescription.end_date:
            return PlanState.ENDED
        return PlanState.ACTIVE

    @property
    def runnable(self) -> bool:
        return self.state is PlanState.ACTIVE

    @property
    def refusal(self) -> str:
        """Why no session can start today ("" when one can)."""
        prescription = self.prescription
        state = self.state
        if prescription is None:
            return NO_PRESCRIPTION
        if state is PlanState.NOT_STARTED:
            return (
                f"your prescription starts on {long_date(prescription.start_date)}: "
                "come back then for your first session"
            )
        if state is PlanState.ENDED and prescription.end_date is not None:
            return (
                f"your prescription ended on {long_date(prescription.end_date)}: "
                "ask your clinician for a new one"
            )
        return ""


class Player:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def todays_plan(self, patient: Account, now: datetime) -> TodaysPlan:
        """The current prescription and whether it runs on the clinic's day at ``now``."""
        require_role(patient, Role.PATIENT)
        with self.store.transaction() as tx:
            clinic = tx.accounts.clinic(patient.clinic_id)
            prescription = tx.patients.current_prescription(patient.id)
        if clinic is None:
            raise NotFound("no such clinic")
        return TodaysPlan(prescription, now.astimezone(ZoneInfo(clinic.timezone)).date())

    def open_session(
        self,
        patient: Account,
        *,
        camera: bool,
        wall: Clock,
        clock: Clock | None = None,
        demo: bool = False,
    ) -> GuidedSession:
        """A guided session over the current prescription (protocol and dose as prescribed);
        nothing is recorded until it begins. ``clock`` may run faster than ``wall`` (a demo
        server); the record keeps real times either way, and ``wall`` says which day it is.
        ``HipflexError`` when nothing runs today (no prescription, not started, ended)."""
        plan = self.todays_plan(patient, wall.now())
        prescription = plan.prescription
        if prescription is None or not plan.runnable:
            raise HipflexError(plan.refusal)
        protocol = prescription.protocol
        if camera and protocol.position is not Position.KNEELING:
            raise HipflexError(
                f"the camera form check knows the kneeling stretch; {protocol.title} is "
                f"{protocol.position.value}: run it without the camera"
            )
        writer = ClinicHistoryWriter(self.store, patient, prescription.id)
        return GuidedSession(
            protocol,
            writer,
            wall,
            mode=SessionMode.CAMERA if camera else SessionMode.TIMER,
            clock=clock,
            demo=demo,
        )

    def check_in(
        self, patient: Account, session_id: str, check_in: CheckIn, now: datetime
    ) -> list[str]:
        """Pain and a note after a session run in the player; ``NotFound`` for a session
        that is not this patient's."""
        writer = ClinicHistoryWriter(self.store, patient)
        if len(session_id) > 36 or writer.get_session(session_id) is None:
            raise NotFound("no such session")
        return save_check_in(writer, session_id, check_in, now)
