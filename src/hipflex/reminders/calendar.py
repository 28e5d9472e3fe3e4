"""``hipflex calendar --out FILE.ics``: the daily stretch for a phone's calendar (icalendar).

One recurring event (RRULE FREQ=DAILY) with an alarm (VALARM, DISPLAY) at its start. Its UID
is fixed per protocol, so importing a newer file updates the event instead of adding a second.
With a named time zone the event carries it (TZID plus a VTIMEZONE); otherwise its time is
"floating": 08:00 wherever the phone happens to be.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from hipflex.domain.protocol import Protocol

PRODID = "-//hipflex//daily stretch//EN"


def session_minutes(protocol: Protocol) -> int:
    """How long a session takes, rounded up to whole minutes (at least 5)."""
    holds = len(protocol.sides) * protocol.reps
    total_s = holds * protocol.hold_s + max(holds - 1, 0) * protocol.rest_s
    total_s += len(protocol.sides) * protocol.get_ready_s
    return max(5, math.ceil(total_s / 60))


def daily_stretch_calendar(
    *,
    protocol: Protocol,
    daily_time: time,
    tz: tzinfo | None,
    first_day: date,
    now: datetime,
    session_url: str | None = None,
) -> bytes:
    """The .ics bytes: the stretch every day from ``first_day`` at ``daily_time``."""
    start = datetime.combine(first_day, daily_time)
    zoned = isinstance(tz, ZoneInfo)
    if zoned:
        start = start.replace(tzinfo=tz)
    steps = "\n".join(
        f"{number}. {step}" for number, step in enumerate(protocol.steps_for(protocol.sides[0]), 1)
    )
    description = (
        f"{protocol.title}: hold {protocol.hold_s} s × {protocol.reps} on each side.\n{steps}"
    )
    if session_url:
        description += f"\nStart it in hipflex: {session_url}"

    event = Event()
    event.add("uid", f"daily-stretch-{protocol.name}@hipflex")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", f"Stretch: {protocol.title}")
    event.add("description", description)
    event.add("dtstart", start)
    event.add("duration", timedelta(minutes=session_minutes(protocol)))
    event.add("rrule", {"FREQ": "DAILY"})
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: do not block the day

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Time for your {protocol.title.lower()}")
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "hipflex")
    calendar.add_component(event)
    if zoned:
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
