from __future__ import annotations

from datetime import time

import pytest

from hipflex.reminders.timeparse import (
    ReminderSettingsError,
    format_clock_time,
    parse_clock_time,
    parse_weekdays,
    parse_work_hours,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", time(7, 30)),
        ("07:30", time(7, 30)),
        ("7pm", time(19, 0)),
        ("7:30 pm", time(19, 30)),
        ("7:30PM", time(19, 30)),
        ("7 p.m.", time(19, 0)),
        ("19.30", time(19, 30)),
        ("7", time(7, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15 am", time(0, 15)),
        (" 8:05 ", time(8, 5)),
    ],
)
def test_common_time_forms_are_understood(text: str, expected: time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", "hour 25 is out of range"),
        ("7xm", "not a time: '7xm'; write it like 7:30"),
        ("7m", "not a time"),
        ("13pm", "must be 1–12"),
        ("0am", "must be 1–12"),
        ("7:60", "minute 60 is out of range"),
        ("7:5", "not a time"),
        ("", "not a time"),
        ("noon", "not a time"),
        ("7:30:00", "not a time"),
    ],
)
def test_other_forms_are_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ReminderSettingsError) as caught:
        parse_clock_time(text)
    assert message in caught.value.message


def test_stored_form_is_hh_mm() -> None:
    assert format_clock_time(parse_clock_time("7pm")) == "19:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9-17", (time(9), time(17))),
        ("9:00-17:30", (time(9), time(17, 30))),
        ("9am-5pm", (time(9), time(17))),
        ("08:30 – 16:00", (time(8, 30), time(16))),
        ("9 to 5pm", (time(9), time(17))),
    ],
)
def test_working_hours(text: str, expected: tuple[time, time]) -> None:
    assert parse_work_hours(text) == expected


@pytest.mark.parametrize("text", ["17-9", "9", "9-", "9-25"])
def test_bad_working_hours(text: str) -> None:
    with pytest.raises(ReminderSettingsError):
        parse_work_hours(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", [0, 1, 2, 3, 4]),
        ("Mon,Wed,Fri", [0, 2, 4]),
        ("sat-mon", [0, 5, 6]),
        ("0-4", [0, 1, 2, 3, 4]),
        ("tuesday", [1]),
    ],
)
def test_weekdays(text: str, expected: list[int]) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["", "funday", "7"])
def test_bad_weekdays(text: str) -> None:
    with pytest.raises(ReminderSettingsError):
        parse_weekdays(text)
