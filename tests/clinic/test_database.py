"""The clinic database: migrations from an older schema with data in it, schemas that are not
ours, and the database going away mid-request (503, nothing half-written)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import PUBLIC_URL, T0, ClinicWorld, build_world, new_client, session_body
from tests.pg import PostgresServer

from hipflex.clinic.app import create_clinic_app
from hipflex.domain.clock import FakeClock
from hipflex.errors import DatabaseError
from hipflex.storage.clinic.database import (
    DatabaseUnavailable,
    check_ready,
    create_clinic_engine,
    head_revision,
    migrate,
    schema_state,
)
from hipflex.storage.clinic.store import ClinicStore


@pytest.fixture
def empty_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    name = postgres_server.create_database("empty")
    engine = create_clinic_engine(postgres_server.url(name))
    yield engine
    engine.dispose()
    postgres_server.drop_database(name)


def test_migrates_from_an_older_schema_with_data_in_it(empty_engine: Engine) -> None:
    assert migrate(empty_engine, "c0001").current == "c0001"
    with pytest.raises(DatabaseError, match="has clinic schema c0001") as outdated:
        check_ready(empty_engine)
    assert "hipflex clinic migrate" in (outdated.value.hint or "")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with empty_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clinics (id, name, timezone, created_at) VALUES ('c1', 'Old', 'UTC', :t)"
            ),
            {"t": now},
        )
        for account_id, role in (("dr", "clinician"), ("pat", "patient")):
            conn.execute(
                text(
                    "INSERT INTO accounts (id, clinic_id, role, email, display_name, password_hash, "
                    "created_at) VALUES (:id, 'c1', :role, :email, :name, 'x', :t)"
                ),
                {
                    "id": account_id,
                    "role": role,
                    "email": f"{account_id}@old.test",
                    "name": account_id,
                    "t": now,
                },
            )
        conn.execute(
            text(
                "INSERT INTO audit_log (clinic_id, at, actor_id, action, what) VALUES ('c1', :t, 'dr', 'read', 'x')"
            ),
            {"t": now},
        )
    state = migrate(empty_engine)
    assert state.current == head_revision() and state.up_to_date
    check_ready(empty_engine)
    with empty_engine.begin() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM accounts WHERE clinic_id = 'c1'")).scalar() == 2
        )
        assert conn.execute(text("SELECT what FROM audit_log")).scalar() == "x"
        # The new tables take data for the old rows.
        conn.execute(
            text(
                "INSERT INTO patients (account_id, clinician_id, pain_after_threshold, inactive_days) VALUES ('pat', 'dr', 7, 3)"
            )
        )
    assert migrate(empty_engine).current == head_revision()  # running it again changes nothing


def test_downgrade_and_upgrade_round_trip(empty_engine: Engine) -> None:
    migrate(empty_engine)
    assert migrate(empty_engine, "base").current is None
    assert migrate(empty_engine).current == head_revision()


def test_a_schema_from_a_newer_hipflex_is_refused_and_left_alone(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE clinic_alembic_version SET version_num = 'c9999'"))
    for action in (check_ready, migrate):
        with pytest.raises(DatabaseError, match="newer hipflex"):
            action(empty_engine)
    with empty_engine.begin() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM clinic_alembic_version")).scalar() == "c9999"
        )


def test_a_foreign_database_is_refused(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE accounts (id int)"))
    with pytest.raises(DatabaseError, match="no clinic schema version"):
        migrate(empty_engine)


def test_an_empty_database_asks_for_init(empty_engine: Engine) -> None:
    with pytest.raises(DatabaseError, match="no clinic schema yet") as empty:
        check_ready(empty_engine)
    assert "hipflex clinic init" in (empty.value.hint or "")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_database_gives_a_clear_error(postgres_server: PostgresServer) -> None:
    engine = create_clinic_engine(f"postgresql://nobody:pw@127.0.0.1:{_closed_port()}/none")
    with pytest.raises(DatabaseUnavailable, match="cannot reach"):
        check_ready(engine)
    app = create_clinic_app(ClinicStore(engine), PUBLIC_URL, clock=FakeClock(T0))
    client = new_client(app)
    assert client.get("/login").status_code == 200  # no database needed to show the form
    api = client.get("/api/v1/me", headers={"authorization": "Bearer whatever"})
    assert api.status_code == 503
    assert "unavailable" in api.json()["detail"] and api.headers["retry-after"]
    client.cookies.set("__Host-hipflex-session", "some-session", domain="clinic.test")
    page = client.get("/dashboard")
    assert page.status_code == 503
    assert "nothing was changed" in page.text
    assert client.get("/api/v1/health").status_code == 503
    engine.dispose()


@pytest.fixture
def killer_app(
    postgres_server: PostgresServer, clinic_template: str
) -> Iterator[tuple[FastAPI, Engine, str]]:
    name = postgres_server.create_database("killer", template=clinic_template)
    engine = create_clinic_engine(postgres_server.url(name))
    yield create_clinic_app(ClinicStore(engine), PUBLIC_URL, clock=FakeClock(T0)), engine, name
    engine.dispose()
    postgres_server.drop_database(name)


def test_database_killed_mid_request_answers_503_and_writes_nothing(
    postgres_server: PostgresServer, killer_app: tuple[FastAPI, Engine, str]
) -> None:
    app, engine, name = killer_app
    world: ClinicWorld = build_world(app, "killer")
    session_id = str(uuid.uuid4())
    killed: list[int] = []

    def kill_before_the_holds(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The session row is already inserted in this transaction; the server dies now.
        if statement.lstrip().upper().startswith("INSERT INTO PATIENT_HOLDS") and not killed:
            killed.append(postgres_server.terminate_connections(name))

    listen: Callable[..., None] = event.listen
    listen(engine, "before_cursor_execute", kill_before_the_holds)
    try:
        response = world.patient.post_json("/api/v1/sessions", session_body(session_id, T0))
    finally:
        event.remove(engine, "before_cursor_execute", kill_before_the_holds)
    assert killed and killed[0] >= 1
    assert response.status_code == 503, response.text
    assert "nothing was changed" in response.json()["detail"]
    with engine.begin() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM patient_sessions WHERE id = :id"), {"id": session_id}
        )
        assert rows.scalar() == 0
        holds = conn.execute(
            text("SELECT count(*) FROM patient_holds WHERE session_id = :id"), {"id": session_id}
        )
        assert holds.scalar() == 0
    # The pool reconnects by itself: the retry (same id) is stored once.
    retry = world.patient.post_json("/api/v1/sessions", session_body(session_id, T0))
    assert retry.status_code == 201, retry.text
    assert schema_state(engine).up_to_date


def _kill_at(postgres_server: PostgresServer, name: str, prefix: str) -> Callable[..., None]:
    """A cursor hook that terminates every connection to ``name`` when a statement starting
    with ``prefix`` is about to run (once): the database going away mid-transaction."""
    killed: list[int] = []

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(prefix) and not killed:
            killed.append(postgres_server.terminate_connections(name))

    return hook


def _count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.begin() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)


def test_database_killed_while_a_form_saves_a_prescription(
    postgres_server: PostgresServer, killer_app: tuple[FastAPI, Engine, str]
) -> None:
    """A page's form (not the API): the prescription row is written, then the database dies
    before the audit row; the clinician gets the 503 page and no version was stored."""
    app, engine, name = killer_app
    world: ClinicWorld = build_world(app, "formkill")
    form = {
        "protocol_name": "kneeling-hip-flexor", "hold_s": "30", "reps": "3",
        "sides": ["right", "left"], "times_per_day": "1", "days_per_week": "7",
        "start_date": T0.date().isoformat(),
    }  # fmt: skip
    hook = _kill_at(postgres_server, name, "INSERT INTO AUDIT_LOG")
    listen: Callable[..., None] = event.listen
    listen(engine, "before_cursor_execute", hook)
    try:
        response = world.clinician.post(f"/patients/{world.patient.id}/prescriptions", form)
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    assert response.status_code == 503, response.text[:300]
    assert "nothing was changed" in response.text
    assert "Traceback" not in response.text
    sql = "SELECT count(*) FROM prescriptions WHERE patient_id = :p"
    assert _count(engine, sql, p=world.patient.id) == 0
    again = world.clinician.post(f"/patients/{world.patient.id}/prescriptions", form)
    assert again.status_code == 200 and "saved as version 1" in again.text  # not version 2
    assert _count(engine, sql, p=world.patient.id) == 1


def test_database_killed_during_an_export_leaves_no_audit_row(
    postgres_server: PostgresServer, killer_app: tuple[FastAPI, Engine, str]
) -> None:
    """The FHIR export's read is logged in the same transaction; if the database dies there,
    the caller gets 503 and no bundle (a read that was not logged is not served)."""
    app, engine, name = killer_app
    world: ClinicWorld = build_world(app, "fhirkill")
    body = {"protocol_name": "kneeling-hip-flexor", "hold_s": 30, "reps": 3,
            "sides": ["right"], "start_date": T0.date().isoformat()}  # fmt: skip
    url = f"/api/v1/patients/{world.patient.id}/prescriptions"
    assert world.clinician.post_json(url, body).status_code == 201
    exports = "SELECT count(*) FROM audit_log WHERE what = 'FHIR export'"
    hook = _kill_at(postgres_server, name, "INSERT INTO AUDIT_LOG")
    listen: Callable[..., None] = event.listen
    listen(engine, "before_cursor_execute", hook)
    try:
        response = world.clinician.client.get(f"/api/v1/patients/{world.patient.id}/fhir")
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    assert response.status_code == 503
    assert "nothing was changed" in response.json()["detail"]
    assert _count(engine, exports) == 0
    served = world.clinician.client.get(f"/api/v1/patients/{world.patient.id}/fhir")
    assert served.status_code == 200
    assert _count(engine, exports) == 1
