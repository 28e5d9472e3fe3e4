from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from hipflex.protocols.loader import load_protocol
from hipflex.reminders.calendar import daily_stretch_calendar, session_minutes


def build(tz: ZoneInfo | None) -> Calendar:
    data = daily_stretch_calendar(
        protocol=load_protocol("kneeling-hip-flexor"),
        daily_time=time(7, 30),
        tz=tz,
        first_day=date(2026, 6, 1),
        now=datetime(2026, 5, 31, 12, tzinfo=UTC),
    )
    return Calendar.from_ical(data)


def test_ics_has_a_daily_recurring_event_with_an_alarm() -> None:
    calendar = build(ZoneInfo("Europe/Berlin"))
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event["RRULE"]["FREQ"] == ["DAILY"]
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 6, 1, 7, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(event["UID"]) == "daily-stretch-kneeling-hip-flexor@hipflex"
    alarms = event.walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == timedelta(0)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_without_a_named_zone_the_time_floats() -> None:
    event = build(None).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == datetime(2026, 6, 1, 7, 30)  # no tzinfo: floating
    assert "TZID" not in event["DTSTART"].params


def test_event_lasts_about_one_session() -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    minutes = session_minutes(protocol)
    # 8 holds of 30 s, 7 rests of 15 s, 2 get-readies of 10 s = 365 s → 7 min.
    assert minutes == 7
    assert build(None).walk("VEVENT")[0].decoded("DURATION") == timedelta(minutes=minutes)
