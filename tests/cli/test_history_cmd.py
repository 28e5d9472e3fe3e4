"""``hipflex history|stats|export|import`` through the real entry point (``hipflex.cli.app``).

Most tests run ``main()`` in-process (fast); the done-criterion test runs real processes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.wallclock import local_midnight

from hipflex.cli.app import main
from hipflex.domain.events import HoldCompleted, HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.protocols.loader import load_protocol
from hipflex.storage.corrections import SessionCorrection
from hipflex.storage.db import open_database


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLEX_DATABASE_URL", raising=False)
    monkeypatch.delenv("HIPFLEX_DATA_DIR", raising=False)


Run = Callable[..., tuple[int, str, str]]  # (*args) -> (exit code, stdout, stderr)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["hipflex", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def seed(data_dir: Path, started_at: datetime, *, holds_per_side: int = 4) -> str:
    """A finished default session at ``started_at`` with pain 5 → 2 and a note."""
    protocol = load_protocol("kneeling-hip-flexor", data_dir)
    with open_database(data_dir) as database:
        repo = database.repository
        session_id = repo.start_session(protocol, "timer", started_at)
        index = 0
        for side in (Side.RIGHT, Side.LEFT):
            for rep in range(1, holds_per_side + 1):
                begin = started_at + timedelta(minutes=index)
                hold = HoldCompleted(
                    side, rep, 30.0, 30.0, begin, begin + timedelta(seconds=30),
                    HoldOutcome.COMPLETED,
                )  # fmt: skip
                repo.record_hold(session_id, hold, "timer")
                index += 1
        repo.record_pain(session_id, "before", 5, started_at)
        repo.record_pain(session_id, "after", 2, started_at + timedelta(minutes=10))
        repo.add_note(session_id, "left side tighter", started_at + timedelta(minutes=10))
        repo.finish_session(session_id, SessionStatus.COMPLETED, started_at + timedelta(minutes=10))
    return session_id


def export_json(run: Run, data_dir: Path) -> dict[str, Any]:
    code, out, err = run("export", "--format", "json", "--data-dir", str(data_dir))
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    document.pop("exported_at")
    return document


def test_history_json_lists_recent_sessions_with_holds_per_side(run: Run, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    older = seed(tmp_path, now - timedelta(days=2))
    newer = seed(tmp_path, now - timedelta(hours=1), holds_per_side=2)
    code, out, err = run("history", "--json", "--data-dir", str(tmp_path))
    assert code == 0, err
    sessions = json.loads(out)
    assert [s["id"] for s in sessions] == [newer, older]
    assert sessions[0]["sides"] == {
        "right": {"reps": 2, "holds": 2, "counted_s": 60.0},
        "left": {"reps": 2, "holds": 2, "counted_s": 60.0},
    }
    assert (sessions[1]["pain_before"], sessions[1]["pain_after"]) == (5, 2)
    code, out, _ = run("history", "--json", "--limit", "1", "--data-dir", str(tmp_path))
    assert [s["id"] for s in json.loads(out)] == [newer]


def test_history_table(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("history", "--data-dir", str(tmp_path))
    assert code == 0 and "No sessions yet" in out
    seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    code, out, err = run("history", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert "kneeling" in out
    assert "4 reps" in out and "120 s" in out and "5 → 2" in out


def test_history_limit_must_be_positive(run: Run, tmp_path: Path) -> None:
    code, _, err = run("history", "--limit", "0", "--data-dir", str(tmp_path))
    assert code == 2 and "limit" in err.lower()


def test_stats_json_counts_todays_session(run: Run, tmp_path: Path) -> None:
    # stats uses the local calendar: anchor on local midnight so the test never straddles it
    midnight = local_midnight(datetime.now(UTC))
    seed(tmp_path, midnight + timedelta(minutes=1))
    seed(tmp_path, midnight - timedelta(hours=23))
    code, out, err = run("stats", "--json", "--data-dir", str(tmp_path))
    assert code == 0, err
    data = json.loads(out)
    assert data["protocol"] == "kneeling-hip-flexor"
    assert data["today"]["sessions"] == 1
    assert data["today"]["holds"] == 8 and data["today"]["counted_s"] == 240
    assert data["streak"]["current_days"] == 2
    assert data["adherence"]["days_done_7"] == 2
    # First use yesterday: this week's dose covers those two days only.
    assert data["week"]["right"]["dose_s"] == 30 * 4 * 2
    assert data["adherence"]["days_7"] == 2 and data["adherence"]["last_7_days"] == 1.0
    assert data["pain"] == {
        "before_mean": 5.0,
        "after_mean": 2.0,
        "before_count": 2,
        "after_count": 2,
    }


def test_stats_uses_the_default_protocol_from_settings(run: Run, tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "physio.toml").write_text(
        'name = "physio-3x45"\ntitle = "Physio"\nsteps = ["Kneel."]\nhold_s = 45\nreps = 3\n'
        "days_per_week = 5\n"
    )
    (tmp_path / "settings.json").write_text(json.dumps({"default_protocol": "physio-3x45"}))
    code, out, err = run("stats", "--json", "--data-dir", str(tmp_path))
    assert code == 0, err
    data = json.loads(out)
    assert data["protocol"] == "physio-3x45"
    # No session yet: nothing is planned before the first one.
    assert data["week"]["left"] == {"counted_s": 0.0, "dose_s": 0, "fraction": None}
    seed(tmp_path, datetime.now(UTC) - timedelta(days=20))
    code, out, err = run("stats", "--json", "--data-dir", str(tmp_path))
    assert json.loads(out)["week"]["left"]["dose_s"] == 45 * 3 * 5
    code, out, err = run("stats", "--data-dir", str(tmp_path))
    assert code == 0 and "675 s" in out and "Pain (0–10): before 5.0" in out


def test_export_import_round_trip_on_a_fresh_data_dir(run: Run, tmp_path: Path) -> None:
    source, fresh = tmp_path / "source", tmp_path / "fresh"
    seed(source, datetime.now(UTC) - timedelta(days=3))
    seed(source, datetime.now(UTC) - timedelta(hours=2))
    for fmt in ("csv", "json"):
        target = fresh / fmt
        out_file = tmp_path / f"history.{fmt}"
        code, _, err = run(
            "export", "--format", fmt, "--out", str(out_file), "--data-dir", str(source)
        )
        assert code == 0, err
        assert "Exported 2 sessions" in err
        code, out, err = run("import", str(out_file), "--json", "--data-dir", str(target))
        assert code == 0, err
        assert json.loads(out)["added"] == {
            "sessions": 2,
            "holds": 16,
            "pain_ratings": 4,
            "notes": 2,
        }
        assert export_json(run, target) == export_json(run, source)


def test_importing_twice_adds_nothing(run: Run, tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    seed(source, datetime.now(UTC) - timedelta(hours=2))
    out_file = tmp_path / "history.csv"
    assert run("export", "-f", "csv", "-o", str(out_file), "--data-dir", str(source))[0] == 0
    assert run("import", str(out_file), "--data-dir", str(target))[0] == 0
    once = export_json(run, target)
    code, out, err = run("import", str(out_file), "--data-dir", str(target))
    assert code == 0, err
    assert "added 0 sessions, 0 holds, 0 pain ratings, 0 notes" in out
    assert export_json(run, target) == once


def test_export_to_stdout_as_csv(run: Run, tmp_path: Path) -> None:
    seed(tmp_path, datetime.now(UTC) - timedelta(hours=2))
    code, out, err = run("export", "--format", "csv", "--data-dir", str(tmp_path))
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("session_id,protocol_name") and len(lines) == 1 + 8


def test_export_needs_a_known_format(run: Run, tmp_path: Path) -> None:
    code, _, err = run("export", "--format", "xml", "--data-dir", str(tmp_path))
    assert code == 2 and "xml" in err


def test_a_malformed_import_exits_2_naming_file_and_line_and_changes_nothing(
    run: Run, tmp_path: Path
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    seed(source, datetime.now(UTC) - timedelta(days=1))
    seed(target, datetime.now(UTC) - timedelta(hours=3))
    out_file = tmp_path / "history.csv"
    assert run("export", "-f", "csv", "-o", str(out_file), "--data-dir", str(source))[0] == 0
    lines = out_file.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",right,", ",middle,").replace(",left,", ",middle,")
    out_file.write_text("".join(lines))
    before = export_json(run, target)
    code, out, err = run("import", str(out_file), "--data-dir", str(target))
    assert code == 2
    assert f"{out_file}:6: side" in err.replace("\n", "")
    assert "Traceback" not in err and out == ""
    assert export_json(run, target) == before
    fresh = tmp_path / "fresh"
    assert run("import", str(out_file), "--data-dir", str(fresh))[0] == 2
    assert not (fresh / "hipflex.db").exists()  # validated before the database was created


def test_an_unusable_data_dir_exits_2_without_traceback(run: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for command in (["history"], ["stats"], ["export", "-f", "json"]):
        code, _, err = run(*command, "--data-dir", str(blocker / "data"))
        assert code == 2, (command, err)
        assert "error:" in err and "data dir" in err and "Traceback" not in err


def test_a_corrupt_database_exits_2_and_is_left_alone(run: Run, tmp_path: Path) -> None:
    db_file = tmp_path / "hipflex.db"
    garbage = os.urandom(4096)
    db_file.write_bytes(garbage)
    code, _, err = run("history", "--data-dir", str(tmp_path))
    assert code == 2 and "not a SQLite database" in err.replace("\n", "")
    assert db_file.read_bytes() == garbage


def test_commands_are_listed_and_help_stays_light() -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from hipflex.cli.app import app\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    try:\n"
        "        app(['--help'], standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(out.getvalue())\n"
        "print('HEAVY', sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    for command in ("history", "stats", "export", "import"):
        assert command in result.stdout
    assert "HEAVY []" in result.stdout


@pytest.mark.slow
def test_a_full_default_session_then_stats_shows_8_holds_and_240_s(tmp_path: Path) -> None:
    env = {"HIPFLEX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "COLUMNS": "120"}

    def hipflex(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hipflex", *args],
            env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    started = hipflex("start", "--no-input", "--speed", "100", "--quiet")
    assert started.returncode == 0, started.stderr
    # --speed makes it a demo: the figures leave it out unless asked.
    for extra, expected in (([], (0, 0, 0)), (["--include-demo"], (1, 8, 240))):
        result = hipflex("stats", "--json", *extra)
        assert result.returncode == 0, result.stderr
        today = json.loads(result.stdout)["today"]
        assert (today["sessions"], today["holds"], today["counted_s"]) == expected


def run_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> str:
    monkeypatch.setattr(sys, "argv", ["hipflex", *args])
    monkeypatch.setenv("COLUMNS", "80")
    main()
    out: str = capsys.readouterr().out
    return out


def test_history_at_80_columns_keeps_ids_dates_and_protocol_names_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    older = seed(tmp_path, datetime(2026, 3, 10, 7, 30, tzinfo=UTC))
    newer = seed(tmp_path, datetime(2026, 3, 12, 7, 30, tzinfo=UTC), holds_per_side=1)
    with open_database(tmp_path) as database:
        database.repository.add_note(newer, "x" * 150, datetime(2026, 3, 12, 8, tzinfo=UTC))
    out = run_at_80_columns(monkeypatch, capsys, "history", "--data-dir", str(tmp_path))
    assert max(len(line) for line in out.splitlines()) <= 80
    lines = out.splitlines()
    for session_id in (older, newer):
        row = next(line for line in lines if session_id[:6] in line)
        assert "kneeling-hip-flexor" in row and re.search(r"2026-03-1\d \d\d:\d\d", row)
    assert "right 1 rep, 30 s" in out and "right 4 reps, 120 s" in out
    assert "1 reps" not in out and "(s)" not in out
    assert "…" in out  # a very long note is shortened, not the dates or names


def test_stats_words_have_proper_plurals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    midnight = local_midnight(datetime.now(UTC))
    seed(tmp_path, midnight + timedelta(minutes=1), holds_per_side=1)
    out = run_at_80_columns(monkeypatch, capsys, "stats", "--data-dir", str(tmp_path))
    assert "Today: 1 session, 2 holds, 60 s held" in out
    assert "Streak: 1 day now, longest 1 day" in out
    assert "Adherence since your first session: 1 of 1 day (100%)" in out
    assert "(s)" not in out


def test_demo_sessions_are_listed_but_not_counted(run: Run, tmp_path: Path) -> None:
    midnight = local_midnight(datetime.now(UTC))
    real = seed(tmp_path, midnight + timedelta(minutes=1))
    demo = seed(tmp_path, midnight + timedelta(minutes=30))
    with open_database(tmp_path) as database:
        database.repository.correct_session(demo, SessionCorrection(demo=True), datetime.now(UTC))
    code, out, err = run("history", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert "completed, demo" in out
    code, out, err = run("history", "--json", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert {s["id"]: s["demo"] for s in json.loads(out)} == {real: False, demo: True}
    code, out, err = run("stats", "--json", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert json.loads(out)["today"]["sessions"] == 1
    code, out, err = run("stats", "--json", "--include-demo", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert json.loads(out)["today"]["sessions"] == 2
