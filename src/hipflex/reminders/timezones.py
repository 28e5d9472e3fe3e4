"""Which time zone reminders follow: the one in the settings, or the computer's own."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hipflex.reminders.timeparse import ReminderSettingsError


def zone_from_name(name: str) -> ZoneInfo:
    """An IANA zone ("Europe/Berlin"); an unknown name raises ``ReminderSettingsError``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReminderSettingsError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin"
        ) from None


def system_timezone() -> tzinfo:
    """The computer's zone, with its daylight-saving rules where they can be found.

    ``$TZ``, then the ``/etc/localtime`` link (Linux, macOS), then ``/etc/timezone`` (Debian);
    otherwise the current fixed UTC offset. The runner asks again every tick, so even the fixed
    offset follows a daylight-saving change or a new zone within one tick.
    """
    candidates: list[str] = []
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        candidates.append(env)
    localtime = Path("/etc/localtime")
    try:
        if localtime.is_symlink():
            target = str(localtime.resolve())
            if "zoneinfo/" in target:
                candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def resolve_timezone(name: str | None) -> tzinfo:
    """The zone named in the settings, or the computer's own when ``name`` is None."""
    return zone_from_name(name) if name else system_timezone()
