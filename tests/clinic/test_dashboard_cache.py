"""The dashboard's figures cache (services/clinic/figures_cache.py): a change to a patient's
data shows on the very next dashboard read, whichever path or server process wrote it, and an
unchanged patient is not read again."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import T0, ClinicWorld, Person, new_client, session_body
from tests.clinic.test_dashboard_queries import counted

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.services.clinic.figures_cache import Figures, FiguresCache, FiguresKey
from hipflex.storage.clinic.store import ClinicStore


def prescribe(world: ClinicWorld, reps: int, start_days_ago: int = 10) -> None:
    response = world.clinician.post_json(
        f"/api/v1/patients/{world.patient.id}/prescriptions",
        {"protocol_name": "kneeling-hip-flexor", "hold_s": 30, "reps": reps,
         "sides": ["right", "left"],
         "start_date": (T0.date() - timedelta(days=start_days_ago)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.text


def figures(clinician: Person, patient_id: str) -> dict[str, Any]:
    response = clinician.client.get("/api/v1/patients")
    assert response.status_code == 200, response.text
    (found,) = [p for p in response.json() if p["id"] == patient_id]
    return found


def post_session(patient: Person, days_ago: float, pain_after: int = 2) -> str:
    session_id = str(uuid.uuid4())
    body = session_body(session_id, T0 - timedelta(days=days_ago), pain_after=pain_after)
    assert patient.post_json("/api/v1/sessions", body).status_code == 201
    return session_id


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    world = world_factory("cache")
    prescribe(world, reps=2)
    return world


def test_an_unchanged_patient_comes_from_the_cache(
    app: FastAPI, clinic_engine: Engine, world: ClinicWorld
) -> None:
    post_session(world.patient, 2)
    first = figures(world.clinician, world.patient.id)
    cache: FiguresCache = app.state.clinic.dashboard.cache
    hits = cache.hits
    with counted(clinic_engine) as statements:
        again = figures(world.clinician, world.patient.id)
    assert again == first
    assert cache.hits == hits + 1
    assert not any("patient_holds" in s for s in statements), "holds read again"


def test_a_new_session_shows_at_once(world: ClinicWorld) -> None:
    before = figures(world.clinician, world.patient.id)
    post_session(world.patient, 0.1)
    after = figures(world.clinician, world.patient.id)
    assert after["adherence_7"]["done"] == before["adherence_7"]["done"] + 1
    assert after["last_session_at"] != before["last_session_at"]


def test_a_pain_checkin_shows_at_once(world: ClinicWorld) -> None:
    before = figures(world.clinician, world.patient.id)
    day = (T0.date() - timedelta(days=1)).isoformat()
    response = world.patient.post_json("/api/v1/checkins", {"day": day, "value": 9})
    assert response.status_code == 201, response.text
    after = figures(world.clinician, world.patient.id)
    assert after["pain_this_week"] is not None
    assert after["pain_this_week"] > (before["pain_this_week"] or 0)


def test_a_prescription_change_shows_at_once(world: ClinicWorld) -> None:
    before = figures(world.clinician, world.patient.id)
    prescribe(world, reps=3, start_days_ago=1)  # a later start: fewer sessions expected
    after = figures(world.clinician, world.patient.id)
    assert after["prescription_version"] == before["prescription_version"] + 1
    assert after["adherence_30"]["expected"] < before["adherence_30"]["expected"]


def test_new_alert_settings_show_at_once(world: ClinicWorld) -> None:
    post_session(world.patient, 0.2, pain_after=5)
    assert not any(
        a["kind"] == "pain_after" for a in figures(world.clinician, world.patient.id)["alerts"]
    )
    response = world.clinician.post(
        f"/patients/{world.patient.id}/alerts", {"pain_after_threshold": 5, "inactive_days": 3}
    )
    assert response.status_code in (200, 303), response.text
    after = figures(world.clinician, world.patient.id)
    assert any(a["kind"] == "pain_after" for a in after["alerts"])


def test_a_write_by_another_path_or_process_shows_at_once(
    app: FastAPI, clinic_engine: Engine, clock: FakeClock, world: ClinicWorld
) -> None:
    """Another server process (its own cache) and a plain SQL update (any future write
    path): the triggers raise the data version, the next read recomputes."""
    session_id = post_session(world.patient, 0.3, pain_after=1)
    other_process = create_clinic_app(
        ClinicStore(clinic_engine), "https://clinic.test", clock=clock
    )
    other = new_client(other_process)
    other.cookies.update(world.clinician.client.cookies)
    figures(world.clinician, world.patient.id)  # cached here
    assert other.get("/api/v1/patients").status_code == 200  # and there
    with clinic_engine.begin() as connection:
        connection.execute(
            text("UPDATE patient_sessions SET pain_after = 10 WHERE id = :id"), {"id": session_id}
        )
    here = figures(world.clinician, world.patient.id)
    there = next(p for p in other.get("/api/v1/patients").json() if p["id"] == world.patient.id)
    for found in (here, there):
        assert any("pain 10/10" in a["message"] for a in found["alerts"]), found["alerts"]


def test_a_new_day_recomputes(clock: FakeClock, world: ClinicWorld) -> None:
    post_session(world.patient, 0)
    assert not any(
        a["kind"] == "inactive" for a in figures(world.clinician, world.patient.id)["alerts"]
    )
    for _ in range(11):  # 121 hours, in steps shorter than the staff's 12-hour idle timeout
        clock.advance(11 * 3600)
        after = figures(world.clinician, world.patient.id)
    assert any(a["kind"] == "inactive" for a in after["alerts"]), after["alerts"]


def test_the_database_raises_the_version_on_every_change(
    clinic_engine: Engine, world: ClinicWorld
) -> None:
    """Insert, update and delete of sessions, check-ins and prescriptions, by any path."""

    def version(patient_id: str) -> int:
        with clinic_engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT data_version FROM patients WHERE account_id = :pid"),
                    {"pid": patient_id},
                ).scalar_one()
            )

    def sql(statement: str, **values: str) -> None:
        with clinic_engine.begin() as connection:
            connection.execute(text(statement), values)

    pid, checkin_id = world.patient.id, str(uuid.uuid4())
    bystander = version(world.other_patient.id)
    changes: list[Callable[[], object]] = [
        lambda: post_session(world.patient, 1.5),
        lambda: sql("UPDATE patient_sessions SET note = 'x' WHERE patient_id = :pid", pid=pid),
        lambda: sql(
            "INSERT INTO pain_checkins (id, patient_id, day, value, note, recorded_at) "
            "VALUES (:id, :pid, '2026-01-01', 3, '', now())", id=checkin_id, pid=pid,
        ),
        lambda: sql("UPDATE pain_checkins SET value = 4 WHERE id = :id", id=checkin_id),
        lambda: sql("DELETE FROM pain_checkins WHERE id = :id", id=checkin_id),
        lambda: prescribe(world, reps=4),
        lambda: sql("UPDATE prescriptions SET note = 'y' WHERE patient_id = :pid", pid=pid),
        lambda: sql("DELETE FROM patient_sessions WHERE patient_id = :pid", pid=pid),
    ]  # fmt: skip
    seen = [version(pid)]
    for change in changes:
        change()
        seen.append(version(pid))
    assert all(after > before for before, after in itertools.pairwise(seen)), seen
    assert version(world.other_patient.id) == bystander


def test_the_cache_keeps_the_newer_entry_and_stays_bounded() -> None:
    from hipflex.domain.clinic import AlertSettings

    cache = FiguresCache(max_patients=2)
    marker = object()

    def key(pid: str, version: int) -> FiguresKey:
        return FiguresKey(pid, version, AlertSettings(), T0.date(), "UTC", 45)

    newer = Figures(None, marker)  # type: ignore[arg-type]
    cache.put(key("a", 2), newer)
    cache.put(key("a", 1), Figures(None, object()))  # type: ignore[arg-type]
    assert cache.get(key("a", 2)) is newer
    assert cache.get(key("a", 1)) is None
    cache.put(key("b", 1), newer)
    cache.put(key("c", 1), newer)
    assert len(cache) == 2 and cache.get(key("a", 2)) is None  # the least recently used went


def test_a_recompute_reads_only_the_new_session(
    monkeypatch: pytest.MonkeyPatch, world: ClinicWorld
) -> None:
    """After a new session, the patient's figures are recomputed from the sessions read
    before plus the new one: only that one is read from the database."""
    from hipflex.storage.clinic.patients_repo import PatientsRepository

    figures(world.clinician, world.patient.id)
    asked: list[list[str]] = []
    original = PatientsRepository.sessions_by_id

    def spy(self: PatientsRepository, session_ids: Any) -> Any:
        asked.append(list(session_ids))
        return original(self, session_ids)

    monkeypatch.setattr(PatientsRepository, "sessions_by_id", spy)
    new_id = post_session(world.patient, 0.05)
    after = figures(world.clinician, world.patient.id)
    assert asked == [[new_id]]
    assert datetime.fromisoformat(after["last_session_at"]) == T0 - timedelta(days=0.05)


def test_a_hold_added_to_a_stored_session_shows_at_once(
    clinic_engine: Engine, world: ClinicWorld
) -> None:
    """The session player adds holds one by one to a session already stored: a hold written
    on its own (here by plain SQL) raises the version and makes the session be read again."""
    session_id = post_session(world.patient, -4)  # the newest (the module's clock moved on)
    before = figures(world.clinician, world.patient.id)
    assert before["hip_extension"]["left"]["last_deg"] == 9.0
    with clinic_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO patient_holds (id, session_id, side, rep, target_s, counted_s, "
                "started_at, ended_at, outcome, source, hip_extension_max_deg, "
                "hip_extension_median_deg) SELECT :hold, id, 'left', 2, 30, 30, "
                "started_at + interval '100 seconds', started_at + interval '130 seconds', "
                "'completed', 'camera', 25.0, 21.0 FROM patient_sessions WHERE id = :session"
            ),
            {"hold": str(uuid.uuid4()), "session": session_id},
        )
    after = figures(world.clinician, world.patient.id)
    # The session's left holds now average 9° and 25°.
    assert after["hip_extension"]["left"]["last_deg"] > before["hip_extension"]["left"]["last_deg"]
