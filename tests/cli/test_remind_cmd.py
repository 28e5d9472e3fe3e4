"""``hipflex remind ...`` and ``hipflex calendar`` through the real entry point, in process."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from hipflex.domain.clock import FakeClock
from hipflex.domain.events import HoldCompleted, HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.protocols.loader import load_protocol
from hipflex.settings import load_settings
from hipflex.storage.db import open_database

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("HIPFLEX_DATA_DIR", str(directory))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PATH", "/nonexistent")  # no systemctl: never touch the real session
    return directory


def test_set_parses_common_forms_and_stores_hh_mm(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    code, out, _ = cli("remind", "set", "--daily", "7:30 pm", "--breaks-every", "45", "--work", "9am-5pm",
        "--days", "mon-thu", "--timezone", "Europe/Berlin",
    )  # fmt: skip
    assert code == 0
    assert "every day at 19:30" in out
    reminders = load_settings(data_dir).reminders
    assert (reminders.daily_enabled, reminders.daily_time) == (True, "19:30")
    assert (reminders.breaks_enabled, reminders.break_every_min) == (True, 45)
    assert (reminders.work_start, reminders.work_end, reminders.work_days) == (
        "09:00",
        "17:00",
        [0, 1, 2, 3],
    )
    assert reminders.timezone == "Europe/Berlin"
    code, out, _ = cli("remind", "status", "--json")
    status = json.loads(out)
    assert [n["kind"] for n in status["next"]] != []
    assert status["settings"]["daily_time"] == "19:30"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--daily", "25:00"], "hour 25 is out of range"),
        (["--daily", "7xm"], "not a time: '7xm'"),
        (["--breaks-every", "5"], "15 to 480"),
        (["--work", "17-9"], "end after they start"),
        (["--timezone", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_set_refuses_bad_input_with_exit_2(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path, args: list[str], message: str
) -> None:
    code, _, err = cli("remind", "set", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (data_dir / "settings.json").exists()


def test_run_once_sends_a_due_reminder_once_across_processes(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    # 00:00 is always past today (in UTC), and there is no session yet.
    cli("remind", "set", "--daily", "0:00", "--timezone", "UTC")
    code, out, _ = cli("remind", "run", "--once", "--no-desktop")
    assert code == 0
    assert out.count("\a") == 1 and "Time for your hip flexor stretch" in out
    code, out, _ = cli("remind", "run", "--once", "--no-desktop")
    assert code == 0
    assert "\a" not in out


def test_not_today_and_snooze_write_the_state(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    cli("remind", "set", "--daily", "0:00", "--timezone", "UTC")
    cli("remind", "run", "--once", "--no-desktop")  # the daily reminder is sent
    code, out, _ = cli("remind", "snooze")
    assert code == 0 and "Snoozed" in out
    code, out, _ = cli("remind", "not-today")
    assert code == 0
    state = json.loads((data_dir / "reminders-state.json").read_text())
    assert state["not_today"] is not None and state["snooze_until"] is None
    code, out, _ = cli("remind", "run", "--once", "--no-desktop")
    assert "\a" not in out


def test_install_and_uninstall_without_systemctl(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path
) -> None:
    code, out, _ = cli("remind", "install")
    unit = tmp_path / "config" / "systemd" / "user" / "hipflex-remind.service"
    assert code == 0 and unit.exists()
    assert "systemctl not found" in out
    assert '"remind" "run"' in unit.read_text()
    code, out, _ = cli("remind", "uninstall")
    assert code == 0 and not unit.exists()


def test_calendar_writes_an_ics(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path
) -> None:
    out_file = tmp_path / "stretch.ics"
    code, out, _ = cli("calendar", "--out", str(out_file), "--time", "7pm")
    assert code == 0, out
    event = Calendar.from_ical(out_file.read_bytes()).walk("VEVENT")[0]
    assert event["RRULE"]["FREQ"] == ["DAILY"]
    assert event.decoded("DTSTART").hour == 19
    assert len(event.walk("VALARM")) == 1


def test_calendar_to_an_unwritable_path_is_a_clear_error(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path
) -> None:
    code, _, err = cli("calendar", "--out", str(tmp_path / "missing" / "x.ics"))
    assert code == 2
    assert "cannot write" in err and "Traceback" not in err


def at(moment: datetime) -> FakeClock:
    return FakeClock(start=moment)


def finished_session(data_dir: Path, started_at: datetime) -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    with open_database(data_dir) as db:
        repo = db.repository
        session_id = repo.start_session(protocol, "timer", started_at)
        for rep, side in enumerate((Side.RIGHT, Side.LEFT)):
            begin = started_at + timedelta(minutes=rep)
            hold = HoldCompleted(
                side, 1, 30.0, 30.0, begin, begin + timedelta(seconds=30), HoldOutcome.COMPLETED
            )
            repo.record_hold(session_id, hold, "timer")
        repo.finish_session(session_id, SessionStatus.COMPLETED, started_at + timedelta(minutes=5))


def test_status_leaves_out_today_once_today_is_done(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    cli("remind", "set", "--daily", "18:00", "--timezone", "UTC", clock=at(NOON))
    code, out, _ = cli("remind", "status", "--json", clock=at(NOON))
    assert code == 0
    [daily] = [n["at"] for n in json.loads(out)["next"] if n["kind"] == "daily"]
    assert daily == "2026-03-02T18:00:00+00:00"  # today: nothing done yet
    finished_session(data_dir, NOON - timedelta(hours=3))
    code, out, _ = cli("remind", "status", "--json", clock=at(NOON))
    [daily] = [n["at"] for n in json.loads(out)["next"] if n["kind"] == "daily"]
    assert daily == "2026-03-03T18:00:00+00:00"  # today's is done: tomorrow's is next
    code, out, _ = cli("remind", "status", clock=at(NOON))
    assert "Next daily: Tue 03 Mar 18:00" in out and "stretch done" in out


def test_snooze_with_nothing_sent_says_so(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    cli("remind", "set", "--daily", "18:00", "--timezone", "UTC", clock=at(NOON))
    code, out, _ = cli("remind", "snooze", clock=at(NOON))
    assert code == 0
    assert "nothing to snooze" in out and "Snoozed" not in out
    assert not (data_dir / "reminders-state.json").exists()
    # Once the reminder went out, snoozing it works, and by the injected clock.
    sent_at, snoozed_at = NOON + timedelta(hours=6, minutes=1), NOON + timedelta(hours=6, minutes=2)
    cli("remind", "run", "--once", "--no-desktop", clock=at(sent_at))
    code, out, _ = cli("remind", "snooze", clock=at(snoozed_at))
    assert code == 0 and "reminding you again at 18:12" in out
    state = json.loads((data_dir / "reminders-state.json").read_text())
    assert state["snooze_until"].startswith("2026-03-02T18:12")
