from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from hipflex.domain.clock import FakeClock
from hipflex.reminders.schedule import (
    DayActivity,
    Reminder,
    ReminderKind,
    ReminderPlan,
    ReminderState,
    evaluate,
    local_slot,
    skip_today,
    snooze,
    upcoming,
)
from hipflex.reminders.timeparse import ReminderSettingsError
from hipflex.settings import ReminderSettings

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
TICK_S = 30.0


def plan(**changes: object) -> ReminderPlan:
    values: dict[str, object] = {"daily_enabled": True, "daily_time": "08:00"}
    values.update(changes)
    return ReminderPlan.from_settings(ReminderSettings.model_validate(values))


class Simulation:
    """Drives :func:`evaluate` like the runner does, with a fake clock, every ``TICK_S``."""

    def __init__(self, start: datetime, reminder_plan: ReminderPlan) -> None:
        self.clock = FakeClock(start)
        self.plan = reminder_plan
        self.state = ReminderState()
        self.sent: list[tuple[datetime, Reminder]] = []
        self.activity = DayActivity()

    def run_until(self, end: datetime, tz: tzinfo | Callable[[datetime], tzinfo]) -> None:
        while self.clock.now() < end:
            self.tick(tz)
            self.clock.advance(TICK_S)

    def tick(self, tz: tzinfo | Callable[[datetime], tzinfo]) -> list[Reminder]:
        now = self.clock.now()
        zone = tz(now) if callable(tz) else tz
        decision = evaluate(self.plan, zone, self.state, now, self.activity)
        self.state = decision.state
        self.sent.extend((now, reminder) for reminder in decision.send)
        return list(decision.send)

    def sleep(self, seconds: float) -> None:
        """The process (or the laptop) sleeps: no ticks for ``seconds``."""
        self.clock.advance(seconds)

    def sent_at(self, kind: ReminderKind) -> list[datetime]:
        return [at for at, reminder in self.sent if reminder.kind is kind]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_daily_reminder_is_sent_once_a_day_at_its_local_time() -> None:
    sim = Simulation(utc(2026, 6, 1, 0, 0), plan())
    sim.run_until(utc(2026, 6, 4, 0, 0), BERLIN)
    # 08:00 summer time in Berlin is 06:00 UTC.
    assert sim.sent_at(ReminderKind.DAILY) == [utc(2026, 6, d, 6, 0) for d in (1, 2, 3)]


def test_spring_forward_time_that_does_not_exist_fires_after_the_change() -> None:
    # New York skips 02:00–03:00 on 8 March 2026; a 02:30 reminder fires at 03:30 that day.
    sim = Simulation(utc(2026, 3, 7, 5, 0), plan(daily_time="2:30"))  # midnight EST
    sim.run_until(utc(2026, 3, 10, 0, 0), NEW_YORK)
    assert sim.sent_at(ReminderKind.DAILY) == [
        utc(2026, 3, 7, 7, 30),  # 02:30 EST
        utc(2026, 3, 8, 7, 30),  # 03:30 EDT, just after the change
        utc(2026, 3, 9, 6, 30),  # 02:30 EDT
    ]
    local = [at.astimezone(NEW_YORK).strftime("%H:%M") for at in sim.sent_at(ReminderKind.DAILY)]
    assert local == ["02:30", "03:30", "02:30"]


def test_fall_back_time_that_occurs_twice_fires_once() -> None:
    # New York repeats 01:00–02:00 on 1 November 2026.
    sim = Simulation(utc(2026, 10, 31, 4, 0), plan(daily_time="1:30"))  # midnight EDT
    sim.run_until(utc(2026, 11, 3, 0, 0), NEW_YORK)
    assert sim.sent_at(ReminderKind.DAILY) == [
        utc(2026, 10, 31, 5, 30),  # 01:30 EDT
        utc(2026, 11, 1, 5, 30),  # the first 01:30 (EDT); not again at 06:30 UTC (EST)
        utc(2026, 11, 2, 6, 30),  # 01:30 EST
    ]


def test_daylight_saving_change_keeps_the_local_wall_clock_time() -> None:
    # Berlin moves to summer time on 29 March 2026.
    sim = Simulation(utc(2026, 3, 28, 0, 0), plan(daily_time="7:30"))
    sim.run_until(utc(2026, 3, 31, 0, 0), BERLIN)
    local = [at.astimezone(BERLIN).strftime("%d %H:%M") for at in sim.sent_at(ReminderKind.DAILY)]
    assert local == ["28 07:30", "29 07:30", "30 07:30"]


def test_flying_west_does_not_repeat_todays_daily_reminder() -> None:
    sim = Simulation(utc(2026, 3, 10, 0, 0), plan())

    # Berlin until 10:00 UTC (after its 08:00 reminder), New York from then on.
    def zone(now: datetime) -> tzinfo:
        return BERLIN if now < utc(2026, 3, 10, 10) else NEW_YORK

    sim.run_until(utc(2026, 3, 12, 0, 0), zone)
    assert sim.sent_at(ReminderKind.DAILY) == [
        utc(2026, 3, 10, 7, 0),  # 08:00 in Berlin
        # 08:00 in New York on 10 March (12:00 UTC) is the same date: not sent again.
        utc(2026, 3, 11, 12, 0),  # 08:00 EDT the next day
    ]


def test_flying_east_sends_the_next_days_reminder_at_the_new_local_time() -> None:
    sim = Simulation(utc(2026, 3, 10, 5, 0), plan())  # 01:00 in New York

    def zone(now: datetime) -> tzinfo:
        return NEW_YORK if now < utc(2026, 3, 10, 13) else TOKYO

    sim.run_until(utc(2026, 3, 12, 0, 0), zone)
    assert sim.sent_at(ReminderKind.DAILY) == [
        utc(2026, 3, 10, 12, 0),  # 08:00 in New York
        utc(2026, 3, 10, 23, 0),  # 08:00 on 11 March in Tokyo
        utc(2026, 3, 11, 23, 0),  # 08:00 on 12 March in Tokyo
    ]


def test_sleeping_through_the_daily_time_catches_up_once_the_same_day() -> None:
    sim = Simulation(utc(2026, 6, 1, 5, 0), plan())  # 07:00 in Berlin
    sim.tick(BERLIN)
    sim.sleep(5 * 3600)  # laptop suspended over 08:00
    sent = sim.tick(BERLIN)
    assert [(r.kind, r.slot, r.late_by_s) for r in sent] == [
        (ReminderKind.DAILY, utc(2026, 6, 1, 6, 0), 4 * 3600.0)
    ]
    sim.run_until(utc(2026, 6, 1, 22, 0), BERLIN)
    assert len(sim.sent_at(ReminderKind.DAILY)) == 1


def test_a_day_slept_through_entirely_is_not_caught_up_the_next_morning() -> None:
    sim = Simulation(utc(2026, 6, 1, 5, 0), plan())
    sim.tick(BERLIN)
    sim.sleep(24 * 3600)  # wakes at 07:00 the next day, before that day's 08:00
    assert sim.tick(BERLIN) == []
    sim.run_until(utc(2026, 6, 2, 12, 0), BERLIN)
    assert sim.sent_at(ReminderKind.DAILY) == [utc(2026, 6, 2, 6, 0)]


def test_daily_reminder_is_skipped_when_todays_session_is_done() -> None:
    sim = Simulation(utc(2026, 6, 1, 4, 0), plan())
    sim.activity = DayActivity(session_done_today=True)
    sim.run_until(utc(2026, 6, 1, 20, 0), BERLIN)
    assert sim.sent == []


def test_break_reminders_every_hour_within_working_hours_and_days() -> None:
    # Friday 5 and Saturday 6 June 2026, breaks every 60 min from 9 to 17 in Berlin.
    sim = Simulation(
        utc(2026, 6, 5, 0, 0), plan(daily_enabled=False, breaks_enabled=True, break_every_min=60)
    )
    sim.run_until(utc(2026, 6, 7, 0, 0), BERLIN)
    local = [at.astimezone(BERLIN).strftime("%a %H:%M") for at in sim.sent_at(ReminderKind.BREAK)]
    assert local == [f"Fri {hour}:00" for hour in range(10, 17)]


def test_sleeping_through_break_slots_catches_up_once() -> None:
    sim = Simulation(
        utc(2026, 6, 1, 7, 55), plan(daily_enabled=False, breaks_enabled=True)
    )  # Monday 09:55 Berlin
    sim.tick(BERLIN)
    sim.sleep(2 * 3600 + 25 * 60)  # wakes at 12:20, having missed 10:00, 11:00 and 12:00
    sent = sim.tick(BERLIN)
    assert [(r.kind, r.slot.astimezone(BERLIN).hour) for r in sent] == [(ReminderKind.BREAK, 12)]
    sim.run_until(utc(2026, 6, 1, 11, 30), BERLIN)  # until 13:30
    local = [at.astimezone(BERLIN).strftime("%H:%M") for at in sim.sent_at(ReminderKind.BREAK)]
    assert local == ["12:20", "13:00"]


def test_no_break_reminder_after_work_even_when_waking_late() -> None:
    sim = Simulation(utc(2026, 6, 1, 13, 30), plan(daily_enabled=False, breaks_enabled=True))
    sim.tick(BERLIN)  # 15:30 Berlin
    sim.sleep(3 * 3600)  # wakes at 18:30, the 16:00 slot is long gone
    assert sim.tick(BERLIN) == []


def test_no_break_reminder_right_after_a_stretch_session() -> None:
    # The runner starts at 10:41 Berlin, just after a session that ended at 10:40.
    sim = Simulation(utc(2026, 6, 1, 8, 41), plan(daily_enabled=False, breaks_enabled=True))
    sim.activity = DayActivity(last_session_ended_at=utc(2026, 6, 1, 8, 40))
    sim.run_until(utc(2026, 6, 1, 11, 30), BERLIN)  # until 13:30
    local = [at.astimezone(BERLIN).strftime("%H:%M") for at in sim.sent_at(ReminderKind.BREAK)]
    # 10:00 (not caught up: they stretched since) and 11:00 (within an hour of it) skipped.
    assert local == ["12:00", "13:00"]


def test_daily_and_break_at_the_same_moment_send_one_notification() -> None:
    sim = Simulation(
        utc(2026, 6, 1, 7, 0), plan(daily_time="10:00", breaks_enabled=True)
    )  # Monday 09:00 Berlin
    sim.run_until(utc(2026, 6, 1, 9, 30), BERLIN)  # until 11:30
    assert [(r.kind, at.astimezone(BERLIN).hour) for at, r in sim.sent] == [
        (ReminderKind.DAILY, 10),
        (ReminderKind.BREAK, 11),
    ]


def test_snooze_sends_the_reminder_again_once() -> None:
    sim = Simulation(utc(2026, 6, 1, 6, 0), plan(snooze_min=10))
    assert [r.kind for r in sim.tick(BERLIN)] == [ReminderKind.DAILY]
    sim.state = snooze(sim.plan, sim.state, sim.clock.now())
    sim.clock.advance(TICK_S)
    sim.run_until(utc(2026, 6, 1, 8, 0), BERLIN)
    assert [(at, r.snoozed) for at, r in sim.sent] == [
        (utc(2026, 6, 1, 6, 0), False),
        (utc(2026, 6, 1, 6, 10), True),
    ]


def test_snoozed_daily_reminder_is_dropped_once_the_session_is_done() -> None:
    sim = Simulation(utc(2026, 6, 1, 6, 0), plan())
    sim.tick(BERLIN)
    sim.state = snooze(sim.plan, sim.state, sim.clock.now())
    sim.activity = DayActivity(session_done_today=True, last_session_ended_at=utc(2026, 6, 1, 6, 8))
    sim.clock.advance(TICK_S)
    sim.run_until(utc(2026, 6, 1, 8, 0), BERLIN)
    assert len(sim.sent) == 1
    assert sim.state.snooze_until is None


def test_not_today_silences_until_the_next_day() -> None:
    sim = Simulation(utc(2026, 6, 1, 7, 0), plan(daily_time="12:00", breaks_enabled=True))
    sim.state = skip_today(sim.state, sim.clock.now(), BERLIN)
    sim.run_until(utc(2026, 6, 2, 10, 30), BERLIN)  # Tuesday 12:30
    local = [at.astimezone(BERLIN).strftime("%a %H:%M") for at, _ in sim.sent]
    assert local == ["Tue 10:00", "Tue 11:00", "Tue 12:00"]
    assert [r.kind for _, r in sim.sent][-1] is ReminderKind.DAILY


def test_upcoming_lists_the_next_daily_and_break() -> None:
    reminder_plan = plan(breaks_enabled=True)
    now = utc(2026, 6, 1, 8, 10)  # Monday 10:10 Berlin, the daily one went out at 08:00
    state = ReminderState(daily_last_slot=utc(2026, 6, 1, 6), daily_last_date=date(2026, 6, 1))
    found = upcoming(reminder_plan, BERLIN, state, now, DayActivity())
    assert [(r.kind, r.slot) for r in found] == [
        (ReminderKind.BREAK, utc(2026, 6, 1, 9, 0)),
        (ReminderKind.DAILY, utc(2026, 6, 2, 6, 0)),
    ]


def test_local_slot_is_utc() -> None:
    assert local_slot(date(2026, 1, 5), plan().daily_time, BERLIN) == utc(2026, 1, 5, 7, 0)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        evaluate(plan(), BERLIN, ReminderState(), datetime(2026, 1, 5, 8), DayActivity())


def test_bad_stored_time_is_a_clear_error() -> None:
    # The settings' own validator refuses it first (a hand-edited settings.json included) ...
    with pytest.raises(ValidationError, match="hour 25 is out of range"):
        plan(daily_time="25:00")
    # ... and a plan made from settings that skipped validation still does.
    unchecked = ReminderSettings.model_construct(daily_enabled=True, daily_time="25:00")
    with pytest.raises(ReminderSettingsError, match="25"):
        ReminderPlan.from_settings(unchecked)


def test_break_interval_counts_from_work_start() -> None:
    sim = Simulation(
        utc(2026, 6, 1, 6, 0),
        plan(daily_enabled=False, breaks_enabled=True, break_every_min=45, work_start="9:30"),
    )
    sim.run_until(utc(2026, 6, 1, 11, 0) + timedelta(minutes=1), BERLIN)
    local = [at.astimezone(BERLIN).strftime("%H:%M") for at in sim.sent_at(ReminderKind.BREAK)]
    assert local == ["10:15", "11:00", "11:45", "12:30"]
