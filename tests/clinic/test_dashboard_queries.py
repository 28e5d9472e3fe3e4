"""The dashboard reads every table once for all of a clinician's patients: its number of SQL
statements does not grow with the number of patients (bench/clinic_load.py measured the
per-patient queries as its worst cost under load)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from tests.clinic.conftest import T0, ClinicWorld, Person, create_invite, redeem, session_body


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_patient(world: ClinicWorld, app: Any, n: int) -> Person:
    token = create_invite(world.clinician, "patient", f"Extra {n}")
    patient = redeem(app, token, f"extra{n}@queries.test", f"Extra {n}")
    response = world.clinician.post_json(
        f"/api/v1/patients/{patient.id}/prescriptions",
        {"protocol_name": "kneeling-hip-flexor", "hold_s": 30, "reps": 2,
         "sides": ["left"], "start_date": (T0.date() - timedelta(days=5)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    for days in (1, 3):
        body = session_body(str(uuid.uuid4()), T0 - timedelta(days=days), pain_after=n % 10)
        assert patient.post_json("/api/v1/sessions", body).status_code == 201
    return patient


def test_dashboard_queries_do_not_grow_with_patients(
    app: Any, clinic_engine: Engine, world_factory: Callable[[str], ClinicWorld]
) -> None:
    world = world_factory("queries")
    add_patient(world, app, 0)
    with counted(clinic_engine) as few:
        small = world.clinician.client.get("/api/v1/patients")
    for n in range(1, 6):
        add_patient(world, app, n)
    with counted(clinic_engine) as many:
        large = world.clinician.client.get("/api/v1/patients")
    assert small.status_code == large.status_code == 200
    assert len(small.json()) == 2 and len(large.json()) == 7  # with the world's own patient
    assert len(many) == len(few), (len(few), len(many))
    # Every patient's figures are still there: sessions, pain and the per-side extension.
    extra = [p for p in large.json() if p["display_name"].startswith("Extra")]
    assert all(p["adherence_7"]["done"] == 2 for p in extra)
    assert all(p["hip_extension"]["left"]["last_deg"] == 9.0 for p in extra)
