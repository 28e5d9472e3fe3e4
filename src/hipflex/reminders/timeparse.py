"""Reading the times people type: "7:30", "07:30", "7pm", "7:30 pm", "19.30", "9-17", "mon-fri"."""

from __future__ import annotations

import re
from datetime import time

from hipflex.errors import HipflexError

TIME_EXAMPLES = "7:30, 07:30, 7pm, 7:30 pm or 19.30"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>[ap])?(?:\.?m\.?)?$",
    re.IGNORECASE,
)


class ReminderSettingsError(HipflexError):
    """A reminder time, working-hours range or weekday list cannot be understood."""


def parse_clock_time(text: str) -> time:
    """A wall-clock time of day from the common ways of writing one.

    Accepts 24-hour ("7:30", "07:30", "19.30", "7") and 12-hour ("7pm", "7:30 pm", "12am")
    forms. Raises :class:`ReminderSettingsError` with an example of what works otherwise.
    """
    cleaned = text.strip()
    match = _TIME.match(cleaned)
    # "7m" would match with no am/pm letter; only a bare "m" after a/p makes sense.
    if match is None or (match.group("half") is None and cleaned.lower().endswith("m")):
        raise ReminderSettingsError(f"not a time: {text!r}; write it like {TIME_EXAMPLES}")
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    half = (match.group("half") or "").lower()
    if minute > 59:
        raise ReminderSettingsError(f"{text!r}: minute {minute} is out of range (0–59)")
    if half:
        if not 1 <= hour <= 12:
            raise ReminderSettingsError(f"{text!r}: with am/pm the hour must be 1–12, not {hour}")
        hour = hour % 12 + (12 if half == "p" else 0)
    elif hour > 23:
        raise ReminderSettingsError(f"{text!r}: hour {hour} is out of range (0–23)")
    return time(hour, minute)


def format_clock_time(value: time) -> str:
    """The stored form, "HH:MM" (what the settings file and the web settings page use)."""
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_work_hours(text: str) -> tuple[time, time]:
    """A working-hours range such as "9-17", "9:00-17:30" or "9am-5pm" (same day only)."""
    parts = re.split(r"\s*(?:-|–|—|\bto\b)\s*", text.strip(), maxsplit=1)
    if len(parts) != 2 or not all(parts):
        raise ReminderSettingsError(
            f"not a working-hours range: {text!r}; write it like 9-17 or 9:00-17:30"
        )
    start, end = parse_clock_time(parts[0]), parse_clock_time(parts[1])
    if end <= start:
        raise ReminderSettingsError(
            f"{text!r}: working hours must end after they start on the same day"
        )
    return start, end


def parse_weekdays(text: str) -> list[int]:
    """Working days from "mon-fri", "mon,wed,fri" or "0-4" (Monday = 0), sorted."""
    days: set[int] = set()
    for item in filter(None, (part.strip().lower() for part in text.split(","))):
        bounds = [_weekday(part, text) for part in re.split(r"\s*-\s*", item, maxsplit=1)]
        if len(bounds) == 1:
            days.add(bounds[0])
        else:
            first, last = bounds
            span = (last - first) % 7
            days.update((first + step) % 7 for step in range(span + 1))
    if not days:
        raise ReminderSettingsError(f"no working days in {text!r}; write them like mon-fri")
    return sorted(days)


def format_weekdays(days: list[int]) -> str:
    """ "mon, tue, wed" for display."""
    return ", ".join(WEEKDAY_NAMES[day] for day in sorted(days))


def _weekday(word: str, text: str) -> int:
    if word.isdigit() and 0 <= int(word) <= 6:
        return int(word)
    for index, name in enumerate(WEEKDAY_NAMES):
        if len(word) >= 2 and name.startswith(word[:3]):
            return index
    raise ReminderSettingsError(
        f"{text!r}: {word!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun"
    )
