"""What reminder is due now: pure, so every rule is testable with a fake clock.

The runner calls :func:`evaluate` every few seconds with the current instant, the time zone,
what the history says about today, and the state it kept from the previous call; it sends what
comes back and stores the new state. Rules:

* **Daily stretch** at ``daily_time`` local wall-clock time, skipped when today's session is
  done. Sent at most once per local date. If the process was asleep (suspended laptop, logged
  out) at that time it catches up once, later the same day; a missed day is not caught up the
  next morning.
* **Sitting breaks** every ``break_every_min`` minutes after ``work_start``, strictly before
  ``work_end``, on ``work_days``. Slots are counted in elapsed time from the start of work. After
  sleeping through several slots only the latest one is sent (one catch-up), and only within one
  interval of its time. No break reminder when a stretch session ended within the interval
  before its slot (or since), nor less than one interval after the previous break reminder (a time-zone change can shift
  the grid).
* **Snooze** sends the last reminder again after ``snooze_min`` minutes (same day only).
* **Not today** silences everything until the next local date.

Local times that do not exist (the hour skipped when clocks go forward) fire at the
corresponding time after the change (02:30 becomes 03:30); times that occur twice (clocks go
back) fire at the first occurrence. "Never twice" is checked against stored UTC instants and
local dates, so it survives daylight-saving changes and travel across time zones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from hipflex.reminders.timeparse import ReminderSettingsError, parse_clock_time
from hipflex.settings import ReminderSettings

DAILY_TITLE = "Time for your hip flexor stretch"
DAILY_MESSAGE = "Half-kneeling stretch: 4 × 30 s on each side. Click to start."
BREAK_TITLE = "Stand up and stretch"
BREAK_MESSAGE = "You have been sitting a while: stand up and stretch your hip flexors."


class ReminderKind(StrEnum):
    DAILY = "daily"
    BREAK = "break"


@dataclass(frozen=True)
class ReminderPlan:
    """Reminder settings, parsed and checked."""

    daily_enabled: bool
    daily_time: time
    breaks_enabled: bool
    break_every: timedelta
    work_start: time
    work_end: time
    work_days: frozenset[int]
    snooze: timedelta

    @classmethod
    def from_settings(cls, settings: ReminderSettings) -> ReminderPlan:
        """Parse the stored strings; a bad value raises ``ReminderSettingsError``."""
        work_start = parse_clock_time(settings.work_start)
        work_end = parse_clock_time(settings.work_end)
        if settings.breaks_enabled and work_end <= work_start:
            raise ReminderSettingsError(
                f"working hours {settings.work_start}-{settings.work_end} end before they start"
            )
        return cls(
            daily_enabled=settings.daily_enabled,
            daily_time=parse_clock_time(settings.daily_time),
            breaks_enabled=settings.breaks_enabled,
            break_every=timedelta(minutes=settings.break_every_min),
            work_start=work_start,
            work_end=work_end,
            work_days=frozenset(day for day in settings.work_days if 0 <= day <= 6),
            snooze=timedelta(minutes=settings.snooze_min),
        )


@dataclass(frozen=True)
class Reminder:
    """One reminder to send. ``slot`` is the UTC instant it was planned for."""

    kind: ReminderKind
    slot: datetime
    late_by_s: float = 0.0  # > 0 when caught up after the process slept through ``slot``
    snoozed: bool = False

    @property
    def title(self) -> str:
        return DAILY_TITLE if self.kind is ReminderKind.DAILY else BREAK_TITLE

    @property
    def message(self) -> str:
        return DAILY_MESSAGE if self.kind is ReminderKind.DAILY else BREAK_MESSAGE


@dataclass(frozen=True)
class ReminderState:
    """What the runner remembers between evaluations (stored as JSON in the data dir)."""

    daily_last_slot: datetime | None = None
    daily_last_date: date | None = None  # local date the daily reminder was last sent for
    break_last_slot: datetime | None = None
    last_sent_kind: ReminderKind | None = None
    snooze_kind: ReminderKind | None = None
    snooze_until: datetime | None = None
    not_today: date | None = None


@dataclass(frozen=True)
class DayActivity:
    """What the history says: is today's session done, when did the last one end."""

    session_done_today: bool = False
    last_session_ended_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """The reminders to send now and the state to keep once they are sent."""

    send: tuple[Reminder, ...]
    state: ReminderState


def local_slot(day: date, at: time, tz: tzinfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``tz``.

    ``fold=0`` gives the first of two repeated times, and for a time inside a skipped hour the
    offset before the change, which lands after the change (02:30 → 03:30 summer time).
    """
    return datetime.combine(day, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def local_date(instant: datetime, tz: tzinfo) -> date:
    """The calendar date at ``instant`` in ``tz``."""
    return instant.astimezone(tz).date()


def evaluate(
    plan: ReminderPlan,
    tz: tzinfo,
    state: ReminderState,
    now: datetime,
    activity: DayActivity,
) -> Decision:
    """The reminders due at ``now`` (aware) and the state after sending them."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = local_date(now, tz)
    if state.not_today == today:
        return Decision((), state)
    send: list[Reminder] = []
    new_state = state

    daily = _due_daily(plan, tz, state, now, today, activity)
    if daily is not None:
        send.append(daily)
        new_state = replace(new_state, daily_last_slot=daily.slot, daily_last_date=today)

    pending_break = _due_break(plan, tz, state, now, today, activity)
    if pending_break is not None:
        # Marked as handled either way; when the daily reminder goes out at the same moment it
        # already says "stretch", so a second notification would only be noise.
        new_state = replace(new_state, break_last_slot=pending_break.slot)
        if daily is None:
            send.append(pending_break)

    snoozed = _due_snooze(state, now, today, tz, activity)
    if state.snooze_until is not None and now >= state.snooze_until:
        new_state = replace(new_state, snooze_kind=None, snooze_until=None)
        if snoozed is not None and not send:
            send.append(snoozed)

    if send:
        new_state = replace(new_state, last_sent_kind=send[-1].kind)
    return Decision(tuple(send), new_state)


def snooze(plan: ReminderPlan, state: ReminderState, now: datetime) -> ReminderState:
    """Send the last reminder (the daily one if none was sent yet) again after the snooze."""
    kind = state.last_sent_kind or ReminderKind.DAILY
    return replace(state, snooze_kind=kind, snooze_until=now + plan.snooze)


def skip_today(state: ReminderState, now: datetime, tz: tzinfo) -> ReminderState:
    """No more reminders until the next local date ("not today")."""
    return replace(state, not_today=local_date(now, tz), snooze_kind=None, snooze_until=None)


def upcoming(
    plan: ReminderPlan,
    tz: tzinfo,
    state: ReminderState,
    now: datetime,
    activity: DayActivity,
    *,
    horizon_days: int = 8,
) -> list[Reminder]:
    """The next daily and the next break reminder after ``now`` (for status displays)."""
    found: list[Reminder] = []
    today = local_date(now, tz)
    days = [today + timedelta(days=offset) for offset in range(horizon_days)]
    if (
        state.snooze_until is not None
        and state.snooze_kind is not None
        and not _silenced(state, state.snooze_until, tz)
    ):
        found.append(Reminder(state.snooze_kind, state.snooze_until, snoozed=True))
    if plan.daily_enabled:
        for day in days:
            slot = local_slot(day, plan.daily_time, tz)
            if slot <= now or state.not_today == day:
                continue
            if day == today and (activity.session_done_today or state.daily_last_date == today):
                continue
            found.append(Reminder(ReminderKind.DAILY, slot))
            break
    if plan.breaks_enabled:
        for day in days:
            if day.weekday() not in plan.work_days or state.not_today == day:
                continue
            after = next((s for s in _break_slots(plan, tz, day) if s > now), None)
            if after is not None:
                found.append(Reminder(ReminderKind.BREAK, after))
                break
    return sorted(found, key=lambda reminder: reminder.slot)


def _due_daily(
    plan: ReminderPlan,
    tz: tzinfo,
    state: ReminderState,
    now: datetime,
    today: date,
    activity: DayActivity,
) -> Reminder | None:
    if not plan.daily_enabled or activity.session_done_today:
        return None
    slot = local_slot(today, plan.daily_time, tz)
    if slot > now:
        return None
    if state.daily_last_date is not None and today <= state.daily_last_date:
        return None  # already sent for this date (or for a later one, before flying west)
    if state.daily_last_slot is not None and slot <= state.daily_last_slot:
        return None
    return Reminder(ReminderKind.DAILY, slot, late_by_s=(now - slot).total_seconds())


def _due_break(
    plan: ReminderPlan,
    tz: tzinfo,
    state: ReminderState,
    now: datetime,
    today: date,
    activity: DayActivity,
) -> Reminder | None:
    if not plan.breaks_enabled or today.weekday() not in plan.work_days:
        return None
    latest = _latest_break_slot(plan, tz, today, now)
    if latest is None or now - latest >= plan.break_every:
        return None  # none yet today, or its moment has passed (after work)
    if state.break_last_slot is not None and latest - state.break_last_slot < plan.break_every:
        return None
    ended = activity.last_session_ended_at
    if ended is not None and ended > latest - plan.break_every:
        return None  # they stretched within the interval before this slot, or since it
    return Reminder(ReminderKind.BREAK, latest, late_by_s=(now - latest).total_seconds())


def _due_snooze(
    state: ReminderState, now: datetime, today: date, tz: tzinfo, activity: DayActivity
) -> Reminder | None:
    if state.snooze_until is None or state.snooze_kind is None or now < state.snooze_until:
        return None
    if local_date(state.snooze_until, tz) != today:
        return None  # a snooze from yesterday is stale
    if state.snooze_kind is ReminderKind.DAILY and activity.session_done_today:
        return None
    return Reminder(
        state.snooze_kind,
        state.snooze_until,
        late_by_s=(now - state.snooze_until).total_seconds(),
        snoozed=True,
    )


def _silenced(state: ReminderState, instant: datetime, tz: tzinfo) -> bool:
    return state.not_today == local_date(instant, tz)


def _break_slots(plan: ReminderPlan, tz: tzinfo, day: date) -> list[datetime]:
    start = local_slot(day, plan.work_start, tz)
    end = local_slot(day, plan.work_end, tz)
    slots: list[datetime] = []
    slot = start + plan.break_every
    while slot < end:
        slots.append(slot)
        slot += plan.break_every
    return slots


def _latest_break_slot(plan: ReminderPlan, tz: tzinfo, day: date, now: datetime) -> datetime | None:
    start = local_slot(day, plan.work_start, tz)
    end = local_slot(day, plan.work_end, tz)
    steps = math.floor((now - start) / plan.break_every)
    if steps < 1:
        return None
    slot = start + steps * plan.break_every
    while slot >= end:
        slot -= plan.break_every
    return slot if slot > start else None
