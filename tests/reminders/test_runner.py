from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from hipflex.domain.clock import FakeClock
from hipflex.domain.events import SessionStatus
from hipflex.domain.records import SessionRecord, Source
from hipflex.reminders.runner import PlanAndZone, ReminderRunner, history_activity
from hipflex.reminders.schedule import DayActivity, Reminder, ReminderKind, ReminderPlan
from hipflex.reminders.state import load_state
from hipflex.settings import ReminderSettings

BERLIN = ZoneInfo("Europe/Berlin")


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[Reminder] = []

    def notify(self, reminder: Reminder) -> str:
        self.sent.append(reminder)
        return "test"


def make_runner(
    tmp_path: Path, clock: FakeClock, notifier: RecordingNotifier, **settings: object
) -> ReminderRunner:
    values: dict[str, object] = {"daily_enabled": True, "daily_time": "08:00"}
    values.update(settings)
    plan = ReminderPlan.from_settings(ReminderSettings.model_validate(values))
    return ReminderRunner(
        load_plan=lambda: PlanAndZone(plan, BERLIN),
        state_file=tmp_path / "state.json",
        notifier=notifier,
        clock=clock,
        sleep=clock.advance,  # the fake sleep moves the fake clock
        activity=lambda _now, _tz: DayActivity(),
        tick_s=30,
    )


def test_loop_sends_each_reminder_once_over_a_day(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 4, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    runner = make_runner(tmp_path, clock, notifier, breaks_enabled=True)
    runner.run(max_ticks=2 * 60 * 20)  # 20 hours of 30 s ticks
    kinds = [r.kind for r in notifier.sent]
    assert kinds.count(ReminderKind.DAILY) == 1
    assert kinds.count(ReminderKind.BREAK) == 7  # 10:00 … 16:00 on a Monday
    assert load_state(tmp_path / "state.json").daily_last_date == datetime(2026, 6, 1).date()


def test_a_restarted_process_does_not_repeat_a_reminder(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 6, 0, 10, tzinfo=UTC))  # 08:00:10 Berlin
    first = RecordingNotifier()
    make_runner(tmp_path, clock, first).run(max_ticks=3)
    second = RecordingNotifier()
    make_runner(tmp_path, clock, second).run(max_ticks=3)  # same state file
    assert len(first.sent) == 1
    assert second.sent == []


def test_snooze_button_resends_after_the_snooze(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    runner = make_runner(tmp_path, clock, notifier, snooze_min=5)
    runner.tick()
    runner.snooze()
    runner.run(max_ticks=2 * 30)
    assert [(r.kind, r.snoozed) for r in notifier.sent] == [
        (ReminderKind.DAILY, False),
        (ReminderKind.DAILY, True),
    ]


def test_broken_settings_keep_the_last_good_plan(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    good = ReminderPlan.from_settings(ReminderSettings(daily_enabled=True))
    plans = iter([PlanAndZone(good, BERLIN)])

    def load_plan() -> PlanAndZone:
        try:
            return next(plans)
        except StopIteration:
            raise ValueError("settings file is not valid") from None

    runner = ReminderRunner(
        load_plan=load_plan,
        state_file=tmp_path / "state.json",
        notifier=notifier,
        clock=clock,
        sleep=clock.advance,
        activity=lambda _now, _tz: DayActivity(),
    )
    runner.run(max_ticks=3)
    assert len(notifier.sent) == 1


def test_unreadable_history_means_not_done(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    runner = make_runner(tmp_path, clock, notifier)

    def broken(_now: datetime, _tz: tzinfo) -> DayActivity:
        raise OSError("database is locked")

    runner._activity = broken
    runner.tick()
    assert len(notifier.sent) == 1


def session(started: datetime, status: SessionStatus, ended: datetime | None) -> SessionRecord:
    return SessionRecord(
        id=started.isoformat(),
        protocol_name="kneeling-hip-flexor",
        protocol_title="Half-kneeling hip flexor stretch",
        hold_target_s=30,
        holds_planned=8,
        started_at=started,
        ended_at=ended,
        status=status,
        source=Source.TIMER,
    )


def test_history_activity_reads_todays_local_sessions() -> None:
    calls: list[tuple[datetime, datetime]] = []
    done = session(
        datetime(2026, 6, 1, 5, 0, tzinfo=UTC),
        SessionStatus.COMPLETED,
        datetime(2026, 6, 1, 5, 7, tzinfo=UTC),
    )

    def sessions_between(start: datetime, end: datetime) -> list[SessionRecord]:
        calls.append((start, end))
        return [done]

    activity = history_activity(sessions_between)(datetime(2026, 6, 1, 9, tzinfo=UTC), BERLIN)
    assert activity == DayActivity(True, datetime(2026, 6, 1, 5, 7, tzinfo=UTC))
    assert calls[0][0] == datetime(2026, 5, 31, 22, 0, tzinfo=UTC)  # midnight in Berlin


def test_history_activity_partial_session_is_not_done() -> None:
    partial = session(datetime(2026, 6, 1, 5, 0, tzinfo=UTC), SessionStatus.PARTIAL, None)
    activity = history_activity(lambda _s, _e: [partial])(
        datetime(2026, 6, 1, 9, tzinfo=UTC), BERLIN
    )
    assert activity == DayActivity(False, None)
