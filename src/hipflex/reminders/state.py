"""The reminder state file (``reminders-state.json`` in the data dir).

The running ``hipflex remind`` and one-off commands (``remind snooze``, ``remind not-today``)
share it: each reads it, changes it and writes it back atomically.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hipflex.files import write_atomically
from hipflex.reminders.schedule import ReminderKind, ReminderState

STATE_FILE = "reminders-state.json"
logger = logging.getLogger(__name__)


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def state_to_json(state: ReminderState) -> dict[str, Any]:
    """A JSON-ready dict: instants as ISO 8601 with offset, dates as YYYY-MM-DD."""
    return {
        "daily_last_slot": _iso(state.daily_last_slot),
        "daily_last_date": _iso(state.daily_last_date),
        "break_last_slot": _iso(state.break_last_slot),
        "last_sent_kind": state.last_sent_kind.value if state.last_sent_kind else None,
        "snooze_kind": state.snooze_kind.value if state.snooze_kind else None,
        "snooze_until": _iso(state.snooze_until),
        "not_today": _iso(state.not_today),
    }


def state_from_json(data: dict[str, Any]) -> ReminderState:
    """The inverse of :func:`state_to_json`; raises ``ValueError`` on a malformed value."""
    return ReminderState(
        daily_last_slot=_instant(data.get("daily_last_slot")),
        daily_last_date=_date(data.get("daily_last_date")),
        break_last_slot=_instant(data.get("break_last_slot")),
        last_sent_kind=_kind(data.get("last_sent_kind")),
        snooze_kind=_kind(data.get("snooze_kind")),
        snooze_until=_instant(data.get("snooze_until")),
        not_today=_date(data.get("not_today")),
    )


def load_state(path: Path) -> ReminderState:
    """The stored state; a missing or unreadable file gives a fresh one (logged), because a
    reminder daemon that stops over a damaged bookkeeping file helps nobody."""
    if not path.exists():
        return ReminderState()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return state_from_json(data)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("ignoring unreadable reminder state %s: %s", path, exc)
        return ReminderState()


def save_state(path: Path, state: ReminderState) -> None:
    """Write atomically (temp file, then rename)."""
    write_atomically(path, json.dumps(state_to_json(state), indent=2))


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _instant(value: object) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"instant without a time zone: {value!r}")
    return parsed


def _date(value: object) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _kind(value: object) -> ReminderKind | None:
    return None if value is None else ReminderKind(str(value))
