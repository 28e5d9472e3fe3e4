"""Pain check-ins (a rating outside any session), migration 0002 and the export format
additions (a session's demo mark, check-ins) in both directions."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.errors import ImportFileError
from hipflex.storage.db import Database, open_database
from hipflex.storage.exchange import CSV_COLUMNS, export_history, import_file
from hipflex.storage.migrate import downgrade_to, upgrade_to_head

from .conftest import T0, make_hold

DAY = date(2026, 3, 2)


def test_one_checkin_per_day_a_new_one_replaces_it(memory_db: Database) -> None:
    repo = memory_db.repository
    first = repo.record_pain_checkin(DAY, 7, T0, note="typo")
    again = repo.record_pain_checkin(DAY, 4, T0 + timedelta(hours=1), note="  ")
    assert again.id == first.id
    assert (again.value, again.note, again.recorded_at) == (4, None, T0 + timedelta(hours=1))
    repo.record_pain_checkin(DAY + timedelta(days=1), 3, T0 + timedelta(days=1), "better")
    stored = repo.pain_checkins_between()
    assert [(c.day, c.value, c.note) for c in stored] == [
        (DAY, 4, None),
        (DAY + timedelta(days=1), 3, "better"),
    ]
    assert [c.day for c in repo.pain_checkins_between(DAY + timedelta(days=1))] == [
        DAY + timedelta(days=1)
    ]
    assert [c.day for c in repo.pain_checkins_between(None, DAY)] == [DAY]
    assert repo.delete_pain_checkin(DAY) == stored[0]
    assert repo.delete_pain_checkin(DAY) is None


@pytest.mark.parametrize("value", [-1, 11, 2.5, "3"])
def test_checkin_values_are_0_to_10(memory_db: Database, value: object) -> None:
    with pytest.raises(ValueError, match="pain must be a whole number"):
        memory_db.repository.record_pain_checkin(DAY, value, T0)  # type: ignore[arg-type]
    assert memory_db.repository.pain_checkins_between() == []


def test_migration_0002_keeps_a_version_1_history(tmp_path: Path, protocol: Protocol) -> None:
    path = tmp_path / "hipflex.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        upgrade_to_head(conn)
        downgrade_to(conn, "0001")
        columns = {c["name"] for c in inspect(conn).get_columns("sessions")}
        assert "demo" not in columns and "pain_checkins" not in inspect(conn).get_table_names()
        conn.execute(
            text(
                "INSERT INTO sessions (id, protocol_name, protocol_title, hold_target_s, "
                "holds_planned, started_at, status, source) VALUES ('s1', 'kneeling-hip-flexor', "
                "'Half-kneeling', 30, 8, '2026-03-02 07:30:00', 'completed', 'timer')"
            )
        )
    engine.dispose()
    with open_database(tmp_path) as database:
        [session] = database.repository.sessions_between(None, None)
        assert (session.id, session.demo) == ("s1", False)
        database.repository.record_pain_checkin(DAY, 2, T0)
        with database.engine.begin() as conn:
            downgrade_to(conn, "0001")  # and back down: the session survives, check-ins go
            assert "pain_checkins" not in inspect(conn).get_table_names()
            assert conn.scalar(text("SELECT count(*) FROM sessions")) == 1


@pytest.fixture
def history_db(protocol: Protocol) -> Database:
    database = open_database(url="sqlite://")
    repo = database.repository
    real = repo.start_session(protocol, "timer", T0)
    repo.record_hold(real, make_hold(0, Side.RIGHT), "timer")
    repo.finish_session(real, SessionStatus.COMPLETED, T0 + timedelta(minutes=5))
    demo = repo.start_session(protocol, "timer", T0 + timedelta(hours=3), demo=True)
    repo.record_hold(demo, make_hold(0, Side.LEFT, start=T0 + timedelta(hours=3)), "timer")
    repo.finish_session(demo, SessionStatus.COMPLETED, T0 + timedelta(hours=3, minutes=5))
    repo.record_pain_checkin(DAY, 6, T0 - timedelta(hours=1), 'stiff, "very"\nafter sitting')
    repo.record_pain_checkin(DAY + timedelta(days=1), 3, T0 + timedelta(days=1))
    return database


def _export(database: Database, fmt: str, path: Path) -> Path:
    buffer = io.StringIO()
    export_history(database.repository, fmt, buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_demo_marks_and_checkins_round_trip(history_db: Database, tmp_path: Path, fmt: str) -> None:
    exported = _export(history_db, fmt, tmp_path / f"history.{fmt}")
    with open_database(url="sqlite://") as fresh:
        result = import_file(fresh.repository, exported)
        assert result.counts.added["pain_checkins"] == 2
        assert fresh.repository.sessions_between(None, None) == (
            history_db.repository.sessions_between(None, None)
        )
        assert fresh.repository.pain_checkins_between() == (
            history_db.repository.pain_checkins_between()
        )
        again = import_file(fresh.repository, exported)
        assert again.counts.added["pain_checkins"] == 0
        assert again.counts.skipped["pain_checkins"] == 2


def test_a_checkin_for_a_day_already_checked_in_is_skipped(
    history_db: Database, tmp_path: Path
) -> None:
    exported = _export(history_db, "json", tmp_path / "history.json")
    with open_database(url="sqlite://") as other:
        other.repository.record_pain_checkin(DAY, 9, T0)
        result = import_file(other.repository, exported)
        assert (result.counts.added["pain_checkins"], result.counts.skipped["pain_checkins"]) == (
            1,
            1,
        )
        assert other.repository.pain_checkins_between(DAY, DAY)[0].value == 9  # unchanged


def test_a_version_1_json_still_imports(history_db: Database, tmp_path: Path) -> None:
    document = json.loads(_export(history_db, "json", tmp_path / "new.json").read_text())
    document["format_version"] = 1
    del document["pain_checkins"]
    for session in document["sessions"]:
        del session["demo"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document))
    with open_database(url="sqlite://") as fresh:
        result = import_file(fresh.repository, old)
        assert result.counts.added["sessions"] == 2 and "pain_checkins" not in result.counts.added
        assert [s.demo for s in fresh.repository.sessions_between(None, None)] == [False, False]


def test_a_csv_from_before_the_new_columns_still_imports(
    history_db: Database, tmp_path: Path
) -> None:
    rows = list(csv.DictReader(_export(history_db, "csv", tmp_path / "new.csv").open()))
    old_columns = [c for c in CSV_COLUMNS if c != "session_demo" and not c.startswith("checkin_")]
    old = tmp_path / "old.csv"
    with old.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, old_columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(row for row in rows if row["session_id"])
    with open_database(url="sqlite://") as fresh:
        result = import_file(fresh.repository, old)
        assert result.counts.added["sessions"] == 2
        assert fresh.repository.pain_checkins_between() == []


def test_a_csv_checkin_row_with_session_columns_is_refused(
    history_db: Database, tmp_path: Path
) -> None:
    rows = list(csv.DictReader(_export(history_db, "csv", tmp_path / "new.csv").open()))
    last = len(rows) - 1
    assert rows[last]["checkin_id"] and not rows[last]["session_id"]
    rows[last]["side"] = "right"
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with open_database(url="sqlite://") as fresh, pytest.raises(ImportFileError) as caught:
        import_file(fresh.repository, broken)
    text_before = broken.read_text().split(rows[last]["checkin_id"])[0]
    line = text_before.count("\n") + 1  # a note with a newline spans two lines
    assert caught.value.message.startswith(f"{broken}:{line}: side: must be empty on a pain")


def test_two_checkins_for_one_day_in_a_json_are_refused(
    history_db: Database, tmp_path: Path
) -> None:
    document = json.loads(_export(history_db, "json", tmp_path / "new.json").read_text())
    document["pain_checkins"][1]["day"] = document["pain_checkins"][0]["day"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    with open_database(url="sqlite://") as fresh, pytest.raises(ImportFileError) as caught:
        import_file(fresh.repository, broken)
    assert "at most one check-in per day" in caught.value.message
