"""The home app and a real clinic server (uvicorn + PostgreSQL): linking, offline pushes that
arrive when the clinic is back, a revoked link, the prescription pull, unlinking."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import T0, ClinicWorld
from tests.sync.conftest import LiveClinic, an_hour_ago, link_home, record_session

from hipflex.protocols.loader import load_protocol
from hipflex.services.checkins import check_in_pain
from hipflex.settings import UserSettings, load_settings, save_settings
from hipflex.storage.db import Database
from hipflex.storage.outbox import Outbox
from hipflex.sync.client import ClinicClient
from hipflex.sync.pairing import unlink
from hipflex.sync.pull import PRESCRIBED_NAME, prescribed_path, pull
from hipflex.sync.push import backoff, push
from hipflex.sync.token_file import load_token, token_path


def server_sessions(engine: Engine, patient_id: str) -> dict[str, tuple[int | None, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.id, s.pain_before, s.pain_after, count(h.id) FROM patient_sessions s "
                "LEFT JOIN patient_holds h ON h.session_id = s.id WHERE s.patient_id = :p "
                "GROUP BY s.id, s.pain_before, s.pain_after"
            ),
            {"p": patient_id},
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def client_for(data_dir: Path, outbox: Outbox) -> ClinicClient:
    link = outbox.link()
    assert link is not None
    return ClinicClient(link.clinic_url, load_token(data_dir))


def test_linking_stores_the_token_for_the_owner_only(
    live_clinic: LiveClinic, world_of: Callable[[str], ClinicWorld], home: Database, tmp_path: Path
) -> None:
    world = world_of("tok")
    result = link_home(live_clinic, tmp_path, home, world.patient)
    assert (result.clinic_name, result.patient_name) == ("Clinic tok", "Pat tok")
    mode = stat.S_IMODE(os.stat(token_path(tmp_path)).st_mode)
    assert mode == 0o600
    token = load_token(tmp_path)
    assert token and len(token) >= 40
    me = httpx.get(f"{live_clinic.url}/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["id"] == world.patient.id
    link = Outbox(home.engine).link()
    assert link is not None and link.clinic_url == live_clinic.url


def test_a_session_recorded_while_the_clinic_is_down_arrives_when_it_is_back(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
    clinic_engine: Engine,
) -> None:
    world = world_of("down")
    link_home(live_clinic, tmp_path, home, world.patient)
    outbox = Outbox(home.engine)
    live_clinic.stop()
    try:
        session_id = record_session(home, an_hour_ago(), pain_before=5, pain_after=3)
        checkin = check_in_pain(home.repository, 4, datetime.now(UTC), UTC, "stiff")
        assert {i.item_id for i in outbox.items()} == {session_id, checkin.id}

        now = datetime.now(UTC)
        with client_for(tmp_path, outbox) as client:
            result = push(outbox, home.repository, client, now)
        assert result.sent == 0 and result.error and "not reachable" in result.error
        items = outbox.items()
        assert len(items) == 2 and all(i.attempts == 1 for i in items)
        assert all(i.next_attempt_at == now + backoff(0) for i in items)  # back-off
        assert outbox.due(now + timedelta(seconds=1)) == []  # not hammered
    finally:
        live_clinic.start()
    assert server_sessions(clinic_engine, world.patient.id) == {}

    later = datetime.now(UTC) + backoff(0)
    with client_for(tmp_path, outbox) as client:
        result = push(outbox, home.repository, client, later)
    assert result.sent == 2 and result.error is None
    assert outbox.items() == []
    assert server_sessions(clinic_engine, world.patient.id) == {session_id: (5, 3, 2)}
    with clinic_engine.connect() as conn:
        value = conn.execute(
            text("SELECT value FROM pain_checkins WHERE id = :id"), {"id": checkin.id}
        ).scalar_one()
    assert value == 4
    link = outbox.link()
    assert link is not None and link.last_push_at == later and link.last_error is None


def test_a_correction_after_sending_updates_pain_and_note_but_a_delete_stays_local(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
    clinic_engine: Engine,
) -> None:
    from hipflex.storage.corrections import SessionCorrection

    world = world_of("fix")
    link_home(live_clinic, tmp_path, home, world.patient)
    outbox = Outbox(home.engine)
    session_id = record_session(home, an_hour_ago(), pain_before=6, pain_after=5)
    now = datetime.now(UTC)
    with client_for(tmp_path, outbox) as client:
        assert push(outbox, home.repository, client, now).sent == 1
        home.repository.correct_session(session_id, SessionCorrection(pain_after=2), now)
        assert [i.item_id for i in outbox.items()] == [session_id]
        assert push(outbox, home.repository, client, now).sent == 1
        assert server_sessions(clinic_engine, world.patient.id) == {session_id: (6, 2, 2)}

        home.repository.delete_session(session_id, now)
        assert push(outbox, home.repository, client, now).sent == 0
    assert server_sessions(clinic_engine, world.patient.id) == {session_id: (6, 2, 2)}


def test_a_revoked_link_stops_pushing_and_keeps_everything(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
    clinic_engine: Engine,
    run_cli: Callable[..., tuple[int, str]],
) -> None:
    world = world_of("rev")
    link_home(live_clinic, tmp_path, home, world.patient)
    # The patient revokes the device on their Account page.
    account = world.patient.client.get("/account").text
    token_id = account.split("/account/devices/")[1].split("/")[0]
    assert world.patient.post(f"/account/devices/{token_id}/revoke").status_code in (200, 303)

    session_id = record_session(home, an_hour_ago())
    code, output = run_cli("clinic", "sync", "--data-dir", str(tmp_path))
    assert code == 1
    assert "no longer accepts this computer's link" in output
    assert "hipflex clinic link" in output
    outbox = Outbox(home.engine)
    assert [i.item_id for i in outbox.items()] == [session_id]  # nothing lost
    assert server_sessions(clinic_engine, world.patient.id) == {}
    code, output = run_cli("clinic", "status", "--data-dir", str(tmp_path))
    assert code == 0 and "revoked" in output and "1 waiting to be sent" in output
    code, output = run_cli("clinic", "sync", "--data-dir", str(tmp_path))
    assert code == 1 and "nothing was sent" in output  # no request made with a dead token

    # Linked again to the same clinic: what waited is sent.
    link_home(live_clinic, tmp_path, home, world.patient)
    code, output = run_cli("clinic", "sync", "--data-dir", str(tmp_path))
    assert code == 0, output
    assert list(server_sessions(clinic_engine, world.patient.id)) == [session_id]
    assert outbox.items() == []


def test_the_prescription_becomes_the_default_protocol_without_touching_the_users_own(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
) -> None:
    world = world_of("rx")
    own = tmp_path / "protocols" / "my-stretch.toml"
    own.parent.mkdir()
    own_text = (
        (Path(__file__).parents[2] / "src/hipflex/protocols/builtin/kneeling-hip-flexor.toml")
        .read_text(encoding="utf-8")
        .replace('name = "kneeling-hip-flexor"', 'name = "my-stretch"')
    )
    own.write_text(own_text, encoding="utf-8")
    save_settings(tmp_path, UserSettings(default_protocol="my-stretch"))
    link_home(live_clinic, tmp_path, home, world.patient)
    outbox = Outbox(home.engine)
    now = datetime.now(UTC)
    with client_for(tmp_path, outbox) as client:
        assert pull(outbox, client, tmp_path, now).prescribed is None  # none yet
        assert load_settings(tmp_path).default_protocol == "my-stretch"

        response = world.clinician.post_json(
            f"/api/v1/patients/{world.patient.id}/prescriptions",
            {"protocol_name": "kneeling-hip-flexor", "hold_s": 45, "reps": 4,
             "sides": ["left"], "start_date": T0.date().isoformat(), "note": "Gently."},
        )  # fmt: skip
        assert response.status_code == 201, response.text
        result = pull(outbox, client, tmp_path, now)
    assert result.new and result.path == prescribed_path(tmp_path)
    assert load_settings(tmp_path).default_protocol == PRESCRIBED_NAME
    protocol = load_protocol(PRESCRIBED_NAME, tmp_path)
    assert protocol.title.endswith("— prescribed by Dr A rx, Clinic rx")
    assert (protocol.hold_s, protocol.reps, [s.value for s in protocol.sides]) == (45, 4, ["left"])
    assert "Gently." in protocol.note
    assert own.read_text(encoding="utf-8") == own_text  # the person's own file untouched
    assert load_protocol("my-stretch", tmp_path).name == "my-stretch"

    # The person picks their own again: the same prescription does not take it back ...
    save_settings(tmp_path, UserSettings(default_protocol="my-stretch"))
    with client_for(tmp_path, outbox) as client:
        assert not pull(outbox, client, tmp_path, now).new
    assert load_settings(tmp_path).default_protocol == "my-stretch"
    # ... and a file of that name the person wrote is never overwritten.
    prescribed_path(tmp_path).write_text(own_text.replace("my-stretch", PRESCRIBED_NAME))
    with client_for(tmp_path, outbox) as client:
        try:
            pull(outbox, client, tmp_path, now)
        except Exception as exc:
            assert "not hipflex's prescription file" in str(exc)
        else:
            raise AssertionError("a person's own file was overwritten")


def test_unlink_revokes_the_token_and_forgets_it(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
) -> None:
    world = world_of("unl")
    link_home(live_clinic, tmp_path, home, world.patient)
    token = load_token(tmp_path)
    outbox = Outbox(home.engine)
    assert unlink(tmp_path, outbox) is None
    assert not token_path(tmp_path).exists() and outbox.link() is None
    me = httpx.get(f"{live_clinic.url}/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 401
    record_session(home, an_hour_ago())
    assert outbox.items() == []  # not linked: nothing is queued


def test_sessions_before_linking_are_not_sent(
    live_clinic: LiveClinic, world_of: Callable[[str], ClinicWorld], home: Database, tmp_path: Path
) -> None:
    record_session(home, an_hour_ago() - timedelta(days=1))
    world = world_of("old")
    link_home(live_clinic, tmp_path, home, world.patient)
    assert Outbox(home.engine).items() == []


def test_sync_says_when_the_clinic_is_away_and_keeps_everything(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
    run_cli: Callable[..., tuple[int, str]],
) -> None:
    from tests.web.browser.conftest import free_port

    world = world_of("away")
    link_home(live_clinic, tmp_path, home, world.patient)
    outbox = Outbox(home.engine)
    outbox.update_link(clinic_url=f"http://127.0.0.1:{free_port()}")  # nobody listens there
    session_id = record_session(home, an_hour_ago())
    code, output = run_cli("clinic", "sync", "--data-dir", str(tmp_path))
    assert code == 1 and "not reachable" in output and "1 waiting" in output
    (item,) = outbox.items()
    assert item.item_id == session_id and item.attempts == 1
    code, output = run_cli("clinic", "status", "--data-dir", str(tmp_path))
    assert code == 0 and "1 waiting to be sent (next try" in output
