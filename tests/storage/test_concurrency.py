"""Real processes: two terminals writing at once, and a session killed with SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from hipflex.domain.events import SessionStatus
from hipflex.storage.db import open_database

WRITER = """
import sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from hipflex.domain.events import HoldCompleted, HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.storage.db import open_database

data_dir, go_file, holds, then = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
protocol = Protocol(name="kneeling-hip-flexor", title="Kneeling", steps=("Kneel.",), hold_s=30,
                    reps=4)
database = open_database(data_dir)
repo = database.repository
while not go_file.exists():
    time.sleep(0.005)
start = datetime.now(UTC)
session_id = repo.start_session(protocol, "timer", start)
for index in range(holds):
    begin = start + timedelta(seconds=index)
    side = Side.RIGHT if index % 2 == 0 else Side.LEFT
    hold = HoldCompleted(side, index // 2 + 1, 30.0, 30.0, begin, begin + timedelta(seconds=1),
                         HoldOutcome.COMPLETED)
    repo.record_hold(session_id, hold, "timer")
    repo.add_note(session_id, f"note {index}", begin)
if then == "finish":
    repo.finish_session(session_id, SessionStatus.COMPLETED, datetime.now(UTC))
    database.close()
    print(session_id, flush=True)
else:
    print(session_id, flush=True)
    time.sleep(120)
"""


def _writer(data_dir: Path, go_file: Path, holds: int, then: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir), str(go_file), str(holds), then],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_writing_at_once_both_keep_everything(tmp_path: Path) -> None:
    data_dir, go_file = tmp_path / "data", tmp_path / "go"
    writers = [_writer(data_dir, go_file, 40, "finish") for _ in range(2)]
    time.sleep(0.5)  # let both open (and race to migrate) the new database
    go_file.touch()
    session_ids = []
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        session_ids.append(out.strip())
    assert len(set(session_ids)) == 2
    with open_database(data_dir) as database:
        for session_id in session_ids:
            stored = database.repository.get_session(session_id)
            assert stored is not None
            assert stored.status is SessionStatus.COMPLETED
            assert len(stored.holds) == 40 and len(stored.notes) == 40


def test_kill_9_keeps_every_committed_hold_and_marks_the_session_partial(tmp_path: Path) -> None:
    data_dir, go_file = tmp_path / "data", tmp_path / "go"
    go_file.touch()
    child = _writer(data_dir, go_file, 3, "hang")
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()  # printed after the third hold
    assert session_id, child.stderr.read() if child.stderr else ""
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    if child.stderr:
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    with open_database(data_dir) as database:
        stored = database.repository.get_session(session_id)
    assert stored is not None
    assert stored.status is SessionStatus.PARTIAL
    assert len(stored.holds) == 3
    assert stored.ended_at == stored.holds[-1].ended_at


OPENER = """
import sys, time
from pathlib import Path
from hipflex.storage.db import open_database
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
with open_database(Path(sys.argv[1])) as db:
    db.repository.recent_sessions()
print("opened")
"""


def test_many_terminals_creating_a_new_database_at_the_same_moment(tmp_path: Path) -> None:
    """Switching a new file to WAL answers "locked" without waiting; every opener must retry."""
    for attempt in range(3):
        data_dir = tmp_path / f"data{attempt}"
        data_dir.mkdir()
        go = tmp_path / f"go{attempt}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(data_dir), str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        time.sleep(1.5)  # let every process import and wait at the start line
        go.touch()
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0 and "opened" in out, err
        with open_database(data_dir) as db:
            assert db.repository.recent_sessions() == []
