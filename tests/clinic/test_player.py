"""The patient's session player on the clinic: the history writer over PostgreSQL, the page,
and the WebSocket (who may open it, from where, what it refuses, what it saves)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect
from tests.clinic.conftest import PUBLIC_URL, T0, ClinicWorld, Person, new_client
from tests.web.conftest import Message, advance_until, is_event, is_type, receive_until, send

from hipflex.clinic.app import create_clinic_app
from hipflex.clinic.player_context import SIGNED_OUT_AT_START, PlayerRegistries
from hipflex.clinic.routes.player import LOGIN_CHECK_S
from hipflex.domain.clock import FakeClock
from hipflex.domain.events import SessionStatus
from hipflex.domain.records import PainMoment, Source
from hipflex.errors import DatabaseError, HipflexError, HistoryWriteError
from hipflex.services.clinic.player import PlanState, Player, long_date
from hipflex.services.clinic.session_writer import ClinicHistoryWriter
from hipflex.services.session_check_in import CheckIn
from hipflex.storage.clinic.store import ClinicStore
from hipflex.web.live_connection import MAX_BAD_MESSAGES, NO_FRAMES
from hipflex.web.wire import MAX_TEXT_MESSAGE_BYTES

BERLIN = ZoneInfo("Europe/Berlin")  # the test clinics' timezone (conftest.build_world)
WS_URL = "wss://clinic.test/ws/me/session"
ORIGIN = {"origin": PUBLIC_URL}
SPEED = 10.0


@pytest.fixture(scope="module")
def app(clinic_engine: Engine, clock: FakeClock) -> FastAPI:
    """The clinic on a fake clock, its player ``SPEED`` times faster (a demo server)."""
    return create_clinic_app(ClinicStore(clinic_engine), PUBLIC_URL, clock=clock, demo_speed=SPEED)


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    w = world_factory("player")
    prescribe(w.clinician, w.patient, hold_s=30, reps=2)
    return w


def prescribe(clinician: Person, patient: Person, **dose: Any) -> None:
    body = {
        "protocol_name": "kneeling-hip-flexor",
        "hold_s": 30,
        "reps": 2,
        "sides": ["right", "left"],
        "start_date": (T0.date() - timedelta(days=7)).isoformat(),
        **dose,
    }
    response = clinician.post_json(f"/api/v1/patients/{patient.id}/prescriptions", body)
    assert response.status_code == 201, response.text


def cookie_of(person: Person) -> dict[str, str]:
    token = person.client.cookies.get("__Host-hipflex-session")
    assert token
    return {"cookie": f"__Host-hipflex-session={token}"}


def connect(person: Person | None, app: FastAPI, headers: dict[str, str] | None = None) -> Any:
    client = person.client if person is not None else new_client(app)
    sent = {**ORIGIN, **(cookie_of(person) if person is not None else {}), **(headers or {})}
    return client.websocket_connect(WS_URL, headers=sent)


def account(app: FastAPI, person: Person) -> Any:
    found = app.state.clinic.store
    with found.transaction() as tx:
        return tx.accounts.account(person.id)


def api_session(person: Person, session_id: str) -> dict[str, Any]:
    mine = person.client.get("/api/v1/me/sessions").json()
    return next(s for s in mine if s["id"] == session_id)


def start_and_finish_a_hold(ws: Any, clock: FakeClock) -> tuple[Message, Message, list[Message]]:
    """Start a session over ``ws`` and run it to its first completed hold: the "started"
    message, the hold's event and everything the server sent between."""
    send(ws, {"type": "start"})
    started, _ = receive_until(ws, is_type("started"))
    hold, before = advance_until(ws, clock, is_event("hold_completed"), step_s=1.0)
    return started, hold, before


def wait_for_status(person: Person, session_id: str, status: str) -> dict[str, Any]:
    for _ in range(100):
        stored = api_session(person, session_id)
        if stored["status"] == status and stored["ended_at"] != stored["started_at"]:
            return stored
        threading.Event().wait(0.05)
    return api_session(person, session_id)


# -- the history writer ------------------------------------------------------------------------


def test_a_whole_session_is_the_patients_data_on_the_dashboard(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld], clock: FakeClock
) -> None:
    w = world_factory("writer")
    prescribe(w.clinician, w.patient, hold_s=20, reps=3, sides=["left"])
    player = Player(app.state.clinic.store)
    patient = account(app, w.patient)
    session = player.open_session(patient, camera=False, wall=clock)
    assert (session.protocol.hold_s, session.protocol.reps) == (20, 3)
    session.begin(pain_before=3)
    while session.running:
        clock.advance(1.0)
        session.update()
    assert session.finished is not None and session.finished.status is SessionStatus.COMPLETED
    assert session.session_id is not None
    player.check_in(patient, session.session_id, CheckIn(pain_after=8, note="pinched"), clock.now())

    stored = api_session(w.patient, session.session_id)
    assert stored["status"] == "completed"
    assert (stored["pain_before"], stored["pain_after"], stored["note"]) == (3, 8, "pinched")
    assert [(h["side"], h["rep"], h["outcome"]) for h in stored["holds"]] == [
        ("left", 1, "completed"),
        ("left", 2, "completed"),
        ("left", 3, "completed"),
    ]
    assert all(h["counted_s"] == pytest.approx(20.0) for h in stored["holds"])
    assert stored["ended_at"] >= stored["holds"][-1]["ended_at"]
    # The clinician's figures count it, and the pain after it raises the alert.
    summary = w.clinician.client.get(f"/api/v1/patients/{w.patient.id}").json()
    assert summary["adherence_7"]["done"] == 1
    assert "pain_after" in {a["kind"] for a in summary["alerts"]}
    assert summary["last_session_at"] is not None
    assert "pain 8/10 after a session" in w.clinician.client.get("/dashboard").text
    audit = w.admin.client.get("/admin/audit").text
    assert "session (in-browser player)" in audit and "session ended (completed)" in audit


def test_a_session_cut_off_mid_way_is_a_partial_session_with_its_holds(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld], clock: FakeClock
) -> None:
    w = world_factory("cut")
    prescribe(w.clinician, w.patient, hold_s=10, reps=3)
    player = Player(app.state.clinic.store)
    session = player.open_session(account(app, w.patient), camera=False, wall=clock)
    session.begin()
    while session.recorder.holds_saved < 2:
        clock.advance(1.0)
        session.update()
    assert session.session_id is not None
    # The server dies here (kill -9): what is on record is already an honest partial session.
    crashed = api_session(w.patient, session.session_id)
    assert crashed["status"] == "partial" and len(crashed["holds"]) == 2
    # A tab closed instead: the connection stops the session, saved as partial.
    clock.advance(3.0)
    session.stop()
    closed = api_session(w.patient, session.session_id)
    assert closed["status"] == "partial" and len(closed["holds"]) == 2
    assert closed["ended_at"] > crashed["ended_at"]


def test_the_writer_is_idempotent_scoped_and_says_when_the_database_is_gone(
    app: FastAPI, world: ClinicWorld, clock: FakeClock
) -> None:
    store = app.state.clinic.store
    mine = ClinicHistoryWriter(store, account(app, world.patient))
    prescription = Player(store).todays_plan(mine.patient, T0).prescription
    assert prescription is not None
    session_id = mine.start_session(prescription.protocol, Source.TIMER, T0)
    record = mine.get_session(session_id)
    assert record is not None
    with store.transaction() as tx:
        assert tx.patients.add_session(world.patient.id, record, None, T0) is False  # same uuid
    # Another patient's writer cannot touch this session.
    theirs = ClinicHistoryWriter(store, account(app, world.other_patient))
    with pytest.raises(Exception, match="no such session"):
        theirs.record_pain(session_id, PainMoment.AFTER, 9, T0)
    assert theirs.get_session(session_id) is None
    # A clinician is no patient.
    with pytest.raises(Exception, match="patient account"):
        ClinicHistoryWriter(store, account(app, world.clinician))

    class Down:
        def transaction(self) -> Any:
            raise DatabaseError("the database is unavailable")

    with pytest.raises(HistoryWriteError, match="could not save the session"):
        ClinicHistoryWriter(Down(), mine.patient).finish_session(  # type: ignore[arg-type]
            session_id, SessionStatus.PARTIAL, T0
        )


# -- the page -----------------------------------------------------------------------------------


def test_the_page_runs_the_prescription_and_takes_no_frames(
    world: ClinicWorld, world_factory: Callable[[str], ClinicWorld]
) -> None:
    me = world.patient.client.get("/me").text
    assert 'href="/me/session"' in me and "Start today's session" in me
    page = world.patient.client.get("/me/session")
    assert page.status_code == 200
    html = page.text
    assert 'data-socket-url="/ws/me/session"' in html
    assert 'data-server-pose="off"' in html
    assert 'data-checkin-url="/me/sessions/{id}/checkin"' in html
    assert "2 × 30 s on each side" in html
    assert "protocol-select" not in html  # the prescription decides, no chooser
    assert "Demo server: sessions run 10× faster." in html
    assert '<script type="module" src="/static/js/session.js">' in html
    assert "'wasm-unsafe-eval'" in page.headers["content-security-policy"]
    assert (
        "'wasm-unsafe-eval'"
        not in world.patient.client.get("/me").headers["content-security-policy"]
    )
    # The shared scripts and the vendored model are served by the clinic itself.
    assert world.patient.client.get("/static/js/session.js").status_code == 200
    # No prescription yet: a clear page, no player.
    fresh = world_factory("noplan")
    empty = fresh.patient.client.get("/me/session").text
    assert "Nothing to run yet" in empty and "session.js" not in empty
    assert world.clinician.client.get("/me/session").status_code == 403


# -- the WebSocket ------------------------------------------------------------------------------


def refused(opener: Callable[[], Any]) -> int:
    with pytest.raises((WebSocketDisconnect, WebSocketDenialResponse)) as info, opener() as ws:
        ws.receive_json()
    error = info.value
    return int(getattr(error, "code", 0) or getattr(error, "status_code", 0))


def test_the_socket_needs_a_patients_cookie_and_our_origin(
    app: FastAPI, world: ClinicWorld
) -> None:
    assert refused(lambda: connect(None, app)) == 1008  # no login
    assert refused(lambda: connect(world.clinician, app)) == 1008
    assert refused(lambda: connect(world.admin, app)) == 1008
    evil = {"origin": "https://evil.example"}
    assert refused(lambda: connect(world.patient, app, evil)) == 1008  # cross-site hijack
    assert refused(lambda: connect(world.patient, app, {"origin": "http://clinic.test"})) == 1008
    forged = {"cookie": "__Host-hipflex-session=not-a-session"}
    assert refused(lambda: connect(world.patient, app, forged)) == 1008
    with connect(world.patient, app) as ws:  # and the patient gets in
        send(ws, {"type": "quit"})
        assert "send start first" in receive_until(ws, is_type("error"))[0]["message"]


def test_frames_and_bad_messages_are_refused(app: FastAPI, world: ClinicWorld) -> None:
    before = world.patient.client.get("/api/v1/me/sessions").json()
    with connect(world.patient, app) as ws:
        ws.send_bytes(b"\x00\x00\x00\x01" + b"\xff\xd8" * 100)  # a JPEG frame: never read
        assert receive_until(ws, is_type("error"))[0]["message"] == NO_FRAMES
        send(ws, {"type": "start", "camera": True, "pose": "server"})
        assert receive_until(ws, is_type("error"))[0]["message"] == NO_FRAMES
        ws.send_text("x" * (MAX_TEXT_MESSAGE_BYTES + 1))
        assert "too long" in receive_until(ws, is_type("error"))[0]["message"]
        ws.send_text("{not json")
        assert "not JSON" in receive_until(ws, is_type("error"))[0]["message"]
        send(ws, {"type": "start", "camera": "yes"})
        assert "camera" in receive_until(ws, is_type("error"))[0]["message"]
        for _ in range(MAX_BAD_MESSAGES):
            ws.send_bytes(b"\x00" * 10)
        closing, _ = receive_until(ws, lambda m: "too many" in m.get("message", ""))
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 1001
    assert closing["type"] == "error"
    # Nothing was recorded by any of it.
    assert world.patient.client.get("/api/v1/me/sessions").json() == before


def test_a_session_over_the_socket_is_saved_checked_in_and_taken_over(
    app: FastAPI, world: ClinicWorld, clock: FakeClock
) -> None:
    with connect(world.patient, app) as ws:
        send(ws, {"type": "start", "pain_before": 2, "protocol": "something-else"})
        started, _ = receive_until(ws, is_type("started"))
        assert started["protocol"]["hold_s"] == 30 and started["protocol"]["reps"] == 2
        assert started["pose"] == "none"
        # 1 s on the fake clock is 10 s of session at the demo speed.
        finished, seen = advance_until(ws, clock, is_event("session_finished"), step_s=1.0)
    assert finished["status"] == "completed" and finished["holds_done"] == 4
    assert all(m["saved"] for m in seen if m.get("event") == "hold_completed")
    session_id = started["session_id"]
    stored = wait_for_status(world.patient, session_id, "completed")
    assert stored["pain_before"] == 2 and len(stored["holds"]) == 4
    assert stored["source"] == "timer"

    # Pain after and a note, as the page posts them (JSON with the CSRF header).
    url = f"/me/sessions/{session_id}/checkin"
    body = {"pain_after": 7, "note": "tight on the left"}
    assert world.patient.client.post(url, json=body).status_code == 403  # no CSRF token
    assert world.other_patient.post_json(url, body).status_code == 404  # not theirs
    assert world.patient.post_json(url, {"pain_after": 11}).status_code == 422
    saved = world.patient.post_json(url, body)
    assert saved.status_code == 200 and saved.json()["saved"] == ["pain_after", "note"]
    stored = api_session(world.patient, session_id)
    assert (stored["pain_after"], stored["note"]) == (7, "tight on the left")

    # One running session per patient: a second tab is told, and may take it over.
    with connect(world.patient, app) as first, connect(world.patient, app) as second:
        send(first, {"type": "start"})
        first_started, _ = receive_until(first, is_type("started"))
        send(second, {"type": "start"})
        assert receive_until(second, is_type("busy"))[0]["type"] == "busy"
        # Another patient is not blocked by it.
        with connect(world.other_patient, app) as other:
            send(other, {"type": "start"})
            assert "no prescription" in receive_until(other, is_type("error"))[0]["message"]
        send(second, {"type": "start", "take_over": True})
        receive_until(second, is_type("started"))
        ended, _ = receive_until(first, is_type("ended"))
        assert ended["reason"] == "taken_over"
        send(second, {"type": "quit"})
        receive_until(second, is_event("session_finished"))
    taken = wait_for_status(world.patient, first_started["session_id"], "partial")
    assert taken["status"] == "partial"


def test_closing_the_tab_mid_session_keeps_a_partial_session(
    app: FastAPI, world: ClinicWorld, clock: FakeClock
) -> None:
    with connect(world.patient, app) as ws:
        started, _, _ = start_and_finish_a_hold(ws, clock)
    stored = wait_for_status(world.patient, started["session_id"], "partial")
    assert stored["status"] == "partial" and len(stored["holds"]) >= 1


def test_player_writes_are_in_the_audit_log(clinic_engine: Engine, world: ClinicWorld) -> None:
    with clinic_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT what FROM audit_log WHERE patient_id = :p AND what LIKE 'session%'"),
            {"p": world.patient.id},
        ).all()
    whats = {row[0] for row in rows}
    assert "session (in-browser player, demo speed)" in whats
    assert {"session ended (completed)", "session pain after", "session note"} <= whats


def test_a_server_stopping_mid_session_ends_it_as_partial_and_refuses_new_ones(
    app: FastAPI, world: ClinicWorld, clock: FakeClock
) -> None:
    with connect(world.patient, app) as ws:
        started, _, _ = start_and_finish_a_hold(ws, clock)
        app.state.clinic.players.stop_all()  # what the app's shutdown does
        ended, seen = receive_until(ws, is_type("ended"))
        assert ended["reason"] == "shutdown"
        assert any(m.get("event") == "session_finished" for m in seen)
    stored = wait_for_status(world.patient, started["session_id"], "partial")
    assert stored["status"] == "partial" and len(stored["holds"]) >= 1
    try:
        with connect(world.other_patient, app) as ws:  # a stopping server starts nothing new
            send(ws, {"type": "start"})
            assert receive_until(ws, is_type("busy"))[0]["type"] == "busy"
    finally:
        app.state.clinic.players = PlayerRegistries()  # later tests get a running server


@pytest.mark.parametrize("speed", ["0.5", "1000", "fast"])
def test_clinic_serve_refuses_a_wrong_demo_speed(
    speed: str, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipflex.cli.app import main

    monkeypatch.setattr(sys, "argv", ["hipflex", "clinic", "serve", "--demo-speed", speed])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert "--demo-speed" in capsys.readouterr().err


# -- the prescription's dates -------------------------------------------------------------------


@pytest.fixture(scope="module")
def dated(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    """A patient prescribed from 10 to 20 March 2026 (the end date is the last day it runs)."""
    w = world_factory("dated")
    prescribe(w.clinician, w.patient, start_date="2026-03-10", end_date="2026-03-20")
    return w


@pytest.mark.parametrize(
    ("now", "state"),
    [
        # The clinic's day (Berlin, UTC+1 in March), not the server's UTC date, decides.
        (datetime(2026, 3, 9, 22, 59, tzinfo=UTC), PlanState.NOT_STARTED),  # 9 March, 23:59
        (datetime(2026, 3, 9, 23, 0, tzinfo=UTC), PlanState.ACTIVE),  # 10 March, 00:00
        (datetime(2026, 3, 20, 22, 59, tzinfo=UTC), PlanState.ACTIVE),  # the end date, 23:59
        (datetime(2026, 3, 20, 23, 0, tzinfo=UTC), PlanState.ENDED),  # 21 March, 00:00
    ],
)
def test_the_prescriptions_dates_in_the_clinics_day_decide_whether_it_runs(
    app: FastAPI, dated: ClinicWorld, now: datetime, state: PlanState
) -> None:
    player = Player(app.state.clinic.store)
    patient = account(app, dated.patient)
    plan = player.todays_plan(patient, now)
    assert plan.state is state
    assert plan.today == now.astimezone(BERLIN).date()
    wall = FakeClock(now)
    if state is PlanState.ACTIVE:
        assert plan.refusal == ""
        session = player.open_session(patient, camera=False, wall=wall)
        assert session.protocol.name == "kneeling-hip-flexor"  # opened, nothing recorded yet
        return
    with pytest.raises(HipflexError) as refused:
        player.open_session(patient, camera=False, wall=wall)
    expected = {
        PlanState.NOT_STARTED: "your prescription starts on Tuesday 10 March 2026",
        PlanState.ENDED: "your prescription ended on Friday 20 March 2026: "
        "ask your clinician for a new one",
    }[state]
    assert refused.value.message.startswith(expected)
    assert plan.refusal == refused.value.message
    assert dated.patient.client.get("/api/v1/me/sessions").json() == []


def test_no_prescription_is_its_own_state(app: FastAPI, world: ClinicWorld) -> None:
    plan = Player(app.state.clinic.store).todays_plan(account(app, world.other_patient), T0)
    assert plan.state is PlanState.NONE and "not prescribed one" in plan.refusal


def test_an_ended_or_future_prescription_shows_no_player_and_the_socket_refuses_it(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld], clock: FakeClock
) -> None:
    w = world_factory("wsdates")
    today = clock.now().astimezone(BERLIN).date()
    starts, ended = today + timedelta(days=2), today - timedelta(days=1)
    prescribe(w.clinician, w.patient, start_date=starts.isoformat())
    prescribe(
        w.other_clinician,
        w.other_patient,
        start_date=(today - timedelta(days=30)).isoformat(),
        end_date=ended.isoformat(),
    )
    cases: list[tuple[Person, date, str, str, str]] = [
        (w.patient, starts, "your prescription starts on", "Not started yet", "Starts on"),
        (w.other_patient, ended, "your prescription ended on", "has ended", "Ended on"),
    ]
    for person, day, refusal, page_title, plan_text in cases:
        with connect(person, app) as ws:
            send(ws, {"type": "start", "pain_before": 1})
            error, _ = receive_until(ws, is_type("error"))
        assert error["message"].startswith(f"{refusal} {long_date(day)}")
        assert person.client.get("/api/v1/me/sessions").json() == []  # no session row
        page = person.client.get("/me/session").text
        assert page_title in page and long_date(day) in page
        assert "session.js" not in page and "start-button" not in page
        assert 'href="/me">Back to my plan' in page
        me = person.client.get("/me").text
        assert f"{plan_text} {long_date(day)}" in me and 'id="start-session"' not in me


# -- a login revoked mid-session ---------------------------------------------------------------


def logout_in_another_tab(app: FastAPI, person: Person) -> None:
    assert person.post("/logout").status_code == 303


def account_disabled(app: FastAPI, person: Person) -> None:
    # No page disables a patient yet (the admin's page is for staff); the storage can.
    store = app.state.clinic.store
    with store.transaction() as tx:
        tx.accounts.set_disabled(person.id, app.state.clinic.now())


@pytest.mark.parametrize("revoke", [logout_in_another_tab, account_disabled])
def test_a_login_revoked_mid_session_ends_it_as_partial_and_closes(
    app: FastAPI,
    world_factory: Callable[[str], ClinicWorld],
    clock: FakeClock,
    revoke: Callable[[FastAPI, Person], None],
) -> None:
    w = world_factory(f"revoked-{revoke.__name__[:6]}")
    # 60 s holds: 6 s each on the fake clock at the demo speed, longer than one login check.
    prescribe(w.clinician, w.patient, hold_s=60, reps=3)
    with connect(w.patient, app) as ws, connect(w.patient, app) as idle:
        started, first_hold, before = start_and_finish_a_hold(ws, clock)
        revoke(app, w.patient)
        clock.advance(LOGIN_CHECK_S)  # the next login check is due
        ended, seen = receive_until(ws, is_type("ended"))
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        # A tab opened before the login went cannot start a session on it either.
        send(idle, {"type": "start"})
        assert receive_until(idle, is_type("error"))[0]["message"] == SIGNED_OUT_AT_START
    assert ended["reason"] == "signed_out"
    assert closed.value.code == 1008  # policy: the login is gone
    finished = next(m for m in seen if m.get("event") == "session_finished")
    assert finished["ended_by"] == "signed_out" and finished["status"] == "partial"
    holds_sent = [m for m in [*before, first_hold, *seen] if m.get("event") == "hold_completed"]
    with app.state.clinic.store.transaction() as tx:
        stored = tx.patients.session(w.patient.id, started["session_id"])
    assert stored is not None and stored.status is SessionStatus.PARTIAL
    assert stored.ended_at > stored.started_at
    assert len(stored.holds) == len(holds_sent) >= 1  # every hold done so far is kept
    assert stored.holds[0].counted_s == pytest.approx(60.0)
