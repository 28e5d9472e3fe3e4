"""``hipflex clinic`` commands, in-process through the real ``main()``, on a real database."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.clinic.conftest import PASSWORD, csrf_of, session_body
from tests.pg import PostgresServer

from hipflex.cli.app import main
from hipflex.clinic.app import create_clinic_app
from hipflex.storage.clinic.database import create_clinic_engine
from hipflex.storage.clinic.store import ClinicStore


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["hipflex", *args])
        monkeypatch.setenv("COLUMNS", "200")
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database("cli")
    yield postgres_server.url(name).replace("postgresql+psycopg://", "postgresql://")
    postgres_server.drop_database(name)


def test_init_prints_a_one_time_admin_invite_that_works(
    cli: Callable[..., tuple[int, str, str]], database_url: str
) -> None:
    code, out, err = cli(
        "clinic", "init", "--name", "Physio North", "--timezone", "Europe/Oslo",
        "--database-url", database_url, "--public-url", "https://physio.example.org/",
    )  # fmt: skip
    assert code == 0, err
    assert "Physio North" in out and "Europe/Oslo" in out
    link = re.search(r"https://physio\.example\.org/invite/(\S+)", out)
    assert link, out
    engine = create_clinic_engine(database_url)
    app = create_clinic_app(ClinicStore(engine), "https://physio.example.org")
    client = TestClient(app, base_url="https://physio.example.org", follow_redirects=False)
    page = client.get(f"/invite/{link.group(1)}")
    assert page.status_code == 200 and "as <strong>admin</strong>" in page.text
    response = client.post(
        f"/invite/{link.group(1)}",
        data={"csrf_token": csrf_of(page.text), "email": "boss@physio.example.org",
              "display_name": "Boss", "password": PASSWORD},
    )  # fmt: skip
    assert response.headers["location"] == "/admin"
    engine.dispose()
    # No default accounts: the only account is the one just made from the invite.
    code, out, err = cli("clinic", "init", "--name", "Physio North", "--database-url", database_url)
    assert code == 2 and "already exists" in err and "Traceback" not in err
    code, out, err = cli("clinic", "admin-invite", "Physio North", "--database-url", database_url)
    assert code == 0 and "/invite/" in out
    code, out, err = cli("clinic", "admin-invite", "Nope", "--database-url", database_url)
    assert code == 2 and "no clinic named 'Nope'" in err
    code, out, _ = cli("clinic", "migrate", "--database-url", database_url)
    assert code == 0 and "up to date" in out


def test_bad_input_gets_clear_errors(
    cli: Callable[..., tuple[int, str, str]], database_url: str
) -> None:
    code, _, err = cli("clinic", "serve", "--database-url", database_url)
    assert code == 2 and "hipflex clinic init" in err  # empty database: nothing served
    code, _, err = cli("clinic", "init", "--database-url", "sqlite:///x.db")
    assert code == 2 and "needs PostgreSQL" in err
    code, _, err = cli("clinic", "init", "--database-url", "postgresql://u:p@127.0.0.1:1/none")
    assert code == 2 and "cannot reach the clinic database" in err
    assert "p@" not in err  # the password is never printed
    code, _, err = cli(
        "clinic", "init", "--database-url", database_url, "--timezone", "Mars/Olympus"
    )
    assert code == 2 and "unknown zone" in err
    code, _, err = cli("clinic", "init", "--database-url", database_url, "--public-url", "ftp://x")
    assert code == 2 and "--public-url" in err
    code, _, err = cli("clinic", "serve", "--database-url", database_url)
    assert code == 2 and "no clinic schema yet" in err  # the refused inits left it empty
    code, _, err = cli("clinic", "init")
    assert code == 2 and "HIPFLEX_CLINIC_DATABASE_URL" in err


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, Any]:
    """One request on a fresh connection (so the kernel may hand it to any worker)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if body is not None:
            headers = {**headers, "content-type": "application/json"}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def test_serve_with_workers_shares_everything_through_the_database(
    database_url: str, tmp_path: Path
) -> None:
    """``serve --workers 2``: two processes behind one port; a session posted through one is
    on the dashboard read through either at once (the figures cache is per process, keyed on
    the database's data version), and a revoked device token is refused by both."""
    from hipflex.domain.clinic import Role
    from hipflex.services.clinic.accounts import Accounts, Principal
    from hipflex.services.clinic.invites import Invites
    from hipflex.services.clinic.prescriptions import PrescriptionRequest, Prescriptions
    from hipflex.storage.clinic.database import migrate

    engine = create_clinic_engine(database_url)
    migrate(engine)
    store = ClinicStore(engine)
    accounts, invites = Accounts(store), Invites(store)
    now = datetime.now(UTC)

    def join(token: str, email: str) -> Principal:
        new = invites.redeem(
            accounts, token, email=email, display_name=email, password=PASSWORD,
            address="127.0.0.1", user_agent="test", now=now,
        )  # fmt: skip
        return Principal(account=new.account, login=new.login)

    _, admin_invite = invites.create_clinic("Workers", "UTC", now)
    admin = join(admin_invite.token, "admin@workers.test")
    clinician_invite = invites.create(admin, Role.CLINICIAN, "Dr W", now)
    clinician_login = invites.redeem(
        accounts, clinician_invite.token, email="dr@workers.test", display_name="Dr W",
        password=PASSWORD, address="127.0.0.1", user_agent="test", now=now,
    )  # fmt: skip
    clinician = Principal(account=clinician_login.account, login=clinician_login.login)
    patient = join(invites.create(clinician, Role.PATIENT, "Pat", now).token, "p@workers.test")
    Prescriptions(store).prescribe(
        clinician, patient.account.id,
        PrescriptionRequest(protocol_name="kneeling-hip-flexor", hold_s=30, reps=2,
                            sides=("right", "left"), times_per_day=1, days_per_week=7,
                            start_date=now.date() - timedelta(days=3)),
        now,
    )  # fmt: skip
    token, device = accounts.create_device_token(patient, "phone", now)
    engine.dispose()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "hipflex", "clinic", "serve", "--database-url", database_url,
         "--port", str(port), "--workers", "2"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if _request(port, "GET", "/api/v1/health", {})[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.2)
        workers = [c for c in _children(server.pid) if "spawn" in _cmdline(c)]
        assert len(workers) == 2, [_cmdline(c) for c in _children(server.pid)]

        bearer = {"authorization": f"Bearer {token}"}
        cookie = {"cookie": f"__Host-hipflex-session={clinician_login.token}"}
        for k in range(8):
            started = now - timedelta(minutes=60 - k)
            body = json.dumps(session_body(str(uuid.uuid4()), started)).encode()
            assert _request(port, "POST", "/api/v1/sessions", bearer, body)[0] == 201
            status, found = _request(port, "GET", "/api/v1/patients", cookie)
            assert status == 200
            (summary,) = found
            assert datetime.fromisoformat(summary["last_session_at"]) == started, k

        accounts.revoke_device_token(patient, device.id, datetime.now(UTC))
        statuses = {_request(port, "GET", "/api/v1/me", bearer)[0] for _ in range(8)}
        assert statuses == {401}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "hipflex clinic listening" in (tmp_path / "serve.log").read_text()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_worker_processes_get_every_serve_setting(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> None:
    """What ``serve`` hands its worker processes arrives whole: database, public URL, demo
    speed and the video settings."""
    from hipflex.clinic import workers
    from hipflex.services.clinic.video_files import VideoSettings

    for name in (workers.ENV_DATABASE_URL, workers.ENV_PUBLIC_URL, workers.ENV_DEMO_SPEED,
                 workers.ENV_VIDEOS):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    videos = VideoSettings(tmp_path, keep_videos=True, max_bytes=5_000_000, max_duration_s=90)
    factory = workers.hand_over(database_url, "https://clinic.example.org", 4.0, videos)
    assert factory == "hipflex.clinic.workers:create_app_from_environment"
    app = workers.create_app_from_environment()
    context = app.state.clinic
    assert context.public_url == "https://clinic.example.org"
    assert context.video_settings == videos
    assert context.player_speed == 4.0
    context.store.close()
