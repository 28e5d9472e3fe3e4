"""``hipflex remind``: a plain loop around the pure schedule.

Why not APScheduler: every rule that matters here (skip when done, catch up once after a
suspend, never twice, snooze, "not today", a new time zone) lives in
:func:`~hipflex.reminders.schedule.evaluate`, which must see the injected clock. APScheduler 3
reads the system clock itself, fixes a job's time zone when the job is added, and keeps its
catch-up bookkeeping (misfire grace, coalescing) in its job store rather than in our state file,
so it would add a second, untestable copy of those rules. A loop that wakes every
``tick_s`` seconds, re-reads the settings and the state file and asks ``evaluate`` is shorter,
follows settings changed by the web app within one tick, and is tested with a fake clock and a
fake sleep. The cost: a reminder may be up to ``tick_s`` late, and the process wakes twice a
minute (a few milliseconds of work).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from hipflex.domain.clock import Clock
from hipflex.domain.events import SessionStatus
from hipflex.domain.records import SessionRecord
from hipflex.reminders.schedule import (
    DayActivity,
    Reminder,
    ReminderPlan,
    ReminderState,
    evaluate,
    local_slot,
    skip_today,
    snooze,
)
from hipflex.reminders.state import load_state, save_state

logger = logging.getLogger(__name__)
TICK_S = 30.0


class Notifier(Protocol):
    def notify(self, reminder: Reminder) -> str: ...


@dataclass(frozen=True)
class PlanAndZone:
    plan: ReminderPlan
    tz: tzinfo


class ReminderRunner:
    """Evaluates the schedule every tick, sends what is due, keeps the state file.

    ``load_plan`` is called every tick (settings may change while it runs; a broken settings
    file keeps the last good plan); ``activity`` reports today's sessions from the history.
    """

    def __init__(
        self,
        *,
        load_plan: Callable[[], PlanAndZone],
        state_file: Path,
        notifier: Notifier,
        clock: Clock,
        sleep: Callable[[float], None],
        activity: Callable[[datetime, tzinfo], DayActivity],
        tick_s: float = TICK_S,
    ) -> None:
        self._load_plan = load_plan
        self._state_file = state_file
        self._notifier = notifier
        self._clock = clock
        self._sleep = sleep
        self._activity = activity
        self._tick_s = tick_s
        self._lock = threading.Lock()  # notification buttons call back from another thread
        self._current: PlanAndZone | None = None

    def current(self) -> PlanAndZone:
        """The plan in force (reloaded now); raises when there never was a good one."""
        try:
            self._current = self._load_plan()
        except Exception as exc:
            if self._current is None:
                raise
            logger.warning("keeping the previous reminder settings: %s", exc)
        return self._current

    def tick(self) -> list[Reminder]:
        """One evaluation: send what is due now. Returns what was sent."""
        with self._lock:
            current = self.current()
            now = self._clock.now()
            state = load_state(self._state_file)
            try:
                activity = self._activity(now, current.tz)
            except Exception as exc:  # a locked or missing database must not stop reminders
                logger.warning("cannot read today's sessions (%s); assuming none", exc)
                activity = DayActivity()
            decision = evaluate(current.plan, current.tz, state, now, activity)
            if decision.state != state:
                # Saved before sending: if the process dies in between, a reminder is lost
                # rather than sent twice.
                save_state(self._state_file, decision.state)
        for reminder in decision.send:
            channel = self._notifier.notify(reminder)
            logger.info(
                "sent %s reminder for %s via %s", reminder.kind.value, reminder.slot, channel
            )
        return list(decision.send)

    def run(self, *, max_ticks: int | None = None, stop: threading.Event | None = None) -> None:
        """Tick until ``stop`` is set (or ``max_ticks`` ticks, for tests)."""
        ticks = 0
        while stop is None or not stop.is_set():
            self.tick()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                return
            self._sleep(self._tick_s)

    def snooze(self) -> None:
        """The notification's Snooze button."""
        self._update(lambda plan, _tz, state, now: snooze(plan, state, now))

    def skip_today(self) -> None:
        """The notification's Not today button."""
        self._update(lambda _plan, tz, state, now: skip_today(state, now, tz))

    def _update(
        self, change: Callable[[ReminderPlan, tzinfo, ReminderState, datetime], ReminderState]
    ) -> None:
        with self._lock:
            current = self.current()
            state = load_state(self._state_file)
            save_state(self._state_file, change(current.plan, current.tz, state, self._clock.now()))


def history_activity(
    sessions_between: Callable[[datetime, datetime], Sequence[SessionRecord]],
) -> Callable[[datetime, tzinfo], DayActivity]:
    """Today's activity from ``Repository.sessions_between`` (sessions started today, local)."""

    def activity(now: datetime, tz: tzinfo) -> DayActivity:
        midnight = local_slot(now.astimezone(tz).date(), time(0), tz)
        sessions = sessions_between(midnight, now + timedelta(seconds=1))
        done = any(s.status is SessionStatus.COMPLETED for s in sessions)
        ends = [s.ended_at or max((h.ended_at for h in s.holds), default=None) for s in sessions]
        known = [end for end in ends if end is not None]
        return DayActivity(session_done_today=done, last_session_ended_at=max(known, default=None))

    return activity
