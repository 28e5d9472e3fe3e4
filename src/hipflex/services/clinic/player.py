"""The patient's session player on the clinic: today's session is their current prescription.

The same guided session as the home app (``services/guided_session.py``), over the clinic's
history writer, so a session done in the browser lands in the rows the dashboard, the alerts,
the patient page, the PDF and FHIR read. Only a patient runs it, only on themself.
"""

from __future__ import annotations

from datetime import datetime

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


class Player:
    def __init__(self, store: ClinicStorage) -> None:
        self.store = store

    def prescription(self, patient: Account) -> Prescription | None:
        """The patient's current prescription (what "Start today's session" runs)."""
        require_role(patient, Role.PATIENT)
        with self.store.transaction() as tx:
            return tx.patients.current_prescription(patient.id)

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
        server); the record keeps real times either way."""
        prescription = self.prescription(patient)
        if prescription is None:
            raise HipflexError(NO_PRESCRIPTION)
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
