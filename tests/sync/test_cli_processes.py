"""Real processes: ``hipflex clinic link`` in a terminal, and a push killed with SIGKILL."""

from __future__ import annotations

import os
import re
import select
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine
from tests.clinic.conftest import ClinicWorld
from tests.sync.conftest import LiveClinic, hipflex_command, link_home, record_session

from hipflex.storage.db import Database
from hipflex.storage.outbox import Outbox
from hipflex.sync.token_file import load_token, token_path

CODE = re.compile(r"\b([B-Z]{4}-[B-Z]{4})\b")


def read_until(process: subprocess.Popen[bytes], pattern: re.Pattern[str], timeout_s: float) -> str:
    """Raw reads from the pipe (a buffered reader would hide data from select)."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    seen = ""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            seen += chunk.decode()
            if pattern.search(seen):
                return seen
        elif process.poll() is not None:
            break
    raise AssertionError(f"never printed {pattern.pattern!r}; got {seen!r}")


def test_link_shows_a_code_the_patient_confirms_and_never_prints_the_token(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    tmp_path: Path,
    run_cli: Callable[..., tuple[int, str]],
) -> None:
    world = world_of("term")
    process = subprocess.Popen(
        hipflex_command("clinic", "link", live_clinic.url, "--data-dir", str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        shown = read_until(process, CODE, 30)
        match = CODE.search(shown)
        assert match and f"{live_clinic.url}/device" in shown
        assert world.patient.post("/device", {"code": match.group(1)}).status_code == 200
        rest = process.communicate(timeout=60)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()
    output = shown + rest
    assert process.returncode == 0, output
    assert "Linked to Clinic term as Pat term" in output
    token = load_token(tmp_path)
    assert token and token not in output
    assert stat.S_IMODE(os.stat(token_path(tmp_path)).st_mode) == 0o600

    code, status = run_cli("clinic", "status", "--data-dir", str(tmp_path))
    assert code == 0 and "Linked to Clinic term" in status and "0 waiting" in status
    assert token not in status


def test_a_push_killed_midway_loses_nothing_and_duplicates_nothing(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    home: Database,
    tmp_path: Path,
    clinic_engine: Engine,
    run_cli: Callable[..., tuple[int, str]],
) -> None:
    world = world_of("kill")
    link_home(live_clinic, tmp_path, home, world.patient)
    started = datetime.now(UTC) - timedelta(days=2)
    total = 150
    local_ids = {
        record_session(home, started + timedelta(minutes=5 * i), pain_after=i % 11)
        for i in range(total)
    }
    assert len(Outbox(home.engine).items()) == total

    def arrived() -> int:
        with clinic_engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM patient_sessions WHERE patient_id = :p"),
                    {"p": world.patient.id},
                ).scalar_one()
            )

    process = subprocess.Popen(
        hipflex_command("clinic", "sync", "--data-dir", str(tmp_path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while arrived() < 10:
            assert process.poll() is None, "the push ended before it could be killed"
            assert time.monotonic() < deadline, "the push never got going"
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.3)  # a request already in the server finishes there
    at_kill = arrived()
    assert 10 <= at_kill < total, "killed midway"
    left = len(Outbox(home.engine).items())
    # Acknowledged ones left the outbox; at most the one in flight is both stored and queued.
    assert total - at_kill <= left <= total - at_kill + 1

    code, output = run_cli("clinic", "sync", "--data-dir", str(tmp_path))
    assert code == 0, output
    assert Outbox(home.engine).items() == []
    with clinic_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.id, count(h.id) FROM patient_sessions s JOIN patient_holds h "
                "ON h.session_id = s.id WHERE s.patient_id = :p GROUP BY s.id"
            ),
            {"p": world.patient.id},
        ).all()
    assert {row[0] for row in rows} == local_ids  # nothing lost
    assert len(rows) == total and all(row[1] == 2 for row in rows)  # nothing twice


def test_link_with_the_patients_invite_makes_the_account_and_links(
    live_clinic: LiveClinic,
    world_of: Callable[[str], ClinicWorld],
    tmp_path: Path,
) -> None:
    from tests.clinic.conftest import PASSWORD, create_invite

    world = world_of("inv")
    invite = create_invite(world.clinician, "patient", "Sam")
    done = subprocess.run(
        hipflex_command(
            "clinic",
            "link",
            f"{live_clinic.url}/invite/{invite}",
            "--email",
            "sam@inv.test",
            "--name",
            "Sam",
            "--data-dir",
            str(tmp_path),
        ),
        input=f"{PASSWORD}\n{PASSWORD}\n".encode(),
        capture_output=True,
        timeout=60,
        start_new_session=True,  # no terminal: the password prompt reads standard input
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    output = (done.stdout + done.stderr).decode()
    assert done.returncode == 0, output
    assert "Linked to Clinic inv as Sam" in output and PASSWORD not in output
    token = load_token(tmp_path)
    assert token and token not in output
    assert stat.S_IMODE(os.stat(token_path(tmp_path)).st_mode) == 0o600
    me = httpx.get(f"{live_clinic.url}/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.json()["email"] == "sam@inv.test"
