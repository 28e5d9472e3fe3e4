"""The clinic's current prescription becomes the local default protocol.

It is written as a protocol file of its own, ``protocols/clinic-prescribed.toml`` in the data
dir, titled "... — prescribed by <clinician>, <clinic>", so the person's own protocol files
are never touched. A *new* prescription (another id) makes it the default protocol; if the
person then chooses another default, the next pull of the same prescription leaves that be.
Its dates are in the protocol's note; one whose end date has passed (the person's today, in
their settings' time zone) is titled "(ended <date>)" and never becomes the default, as the
clinic's own player no longer runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from hipflex.domain.protocol import Protocol
from hipflex.errors import HipflexError
from hipflex.files import write_atomically
from hipflex.protocols.loader import parse_protocol
from hipflex.reminders.timezones import resolve_timezone
from hipflex.settings import load_settings, save_settings, user_protocols_dir
from hipflex.storage.outbox import Outbox
from hipflex.sync.client import ClinicClient

PRESCRIBED_NAME = "clinic-prescribed"
MARKER = "# Written by hipflex from your clinic's prescription; the next sync replaces it.\n"


@dataclass(frozen=True)
class PullResult:
    prescribed: Protocol | None  # None: the clinic has no prescription for you
    new: bool  # a prescription not seen before (it became the default unless it has ended)
    path: Path | None
    ended: bool = False  # its end date has passed: it is kept as a file, never the default


def prescribed_path(data_dir: Path) -> Path:
    return user_protocols_dir(data_dir) / f"{PRESCRIBED_NAME}.toml"


def pull(outbox: Outbox, client: ClinicClient, data_dir: Path, now: datetime) -> PullResult:
    link = outbox.link()
    body = client.prescription()
    if body is None:
        outbox.update_link(last_pull_at=now)
        return PullResult(None, False, None)
    clinic_name = link.clinic_name if link else ""
    settings = load_settings(data_dir)
    today = now.astimezone(resolve_timezone(settings.reminders.timezone)).date()
    protocol = prescribed_protocol(body, clinic_name, today)
    path = prescribed_path(data_dir)
    write_prescribed(path, protocol)
    new = link is None or link.prescription_id != body.get("id")
    ended = has_ended(body, today)
    if new and not ended:
        save_settings(data_dir, settings.model_copy(update={"default_protocol": protocol.name}))
    outbox.update_link(last_pull_at=now, prescription_id=str(body.get("id") or ""))
    return PullResult(protocol, new, path, ended)


def _date(body: dict[str, Any], key: str) -> date | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise HipflexError(
            f"the clinic sent a prescription hipflex cannot read: {key} {value!r} is not a date"
        ) from None


def _ended_on(body: dict[str, Any], today: date) -> date | None:
    """The prescription's end date (its last day) when that is before ``today``, else None."""
    end = _date(body, "end_date")
    return end if end is not None and end < today else None


def has_ended(body: dict[str, Any], today: date) -> bool:
    """True when the prescription's last day (its end date) is before ``today``."""
    return _ended_on(body, today) is not None


def _dates_line(body: dict[str, Any]) -> str:
    start, end = _date(body, "start_date"), _date(body, "end_date")
    if start is None:
        return f"Prescribed until {end:%d %b %Y}." if end else ""
    return f"Prescribed from {start:%d %b %Y}" + (f" to {end:%d %b %Y}." if end else ".")


def prescribed_protocol(body: dict[str, Any], clinic_name: str, today: date) -> Protocol:
    """The prescription's protocol (dose applied by the clinic), renamed and marked, its dates
    in the note; "(ended <date>)" after its end date."""
    try:
        protocol = Protocol.model_validate(body["protocol"])
    except (KeyError, TypeError, ValidationError) as exc:
        raise HipflexError(f"the clinic sent a prescription hipflex cannot read: {exc}") from None
    by = ", ".join(part for part in (str(body.get("created_by") or ""), clinic_name) if part)
    suffix = f" — prescribed by {by}" if by else " — prescribed"
    ended = _ended_on(body, today)
    if ended is not None:
        suffix += f" (ended {ended:%d %b %Y})"
    title = protocol.title[: 120 - len(suffix)] + suffix
    note = str(body.get("note") or "").strip()
    return protocol.model_copy(
        update={
            "name": PRESCRIBED_NAME,
            "title": title[:120],
            "note": "\n\n".join(part for part in (note, _dates_line(body), protocol.note) if part),
        }
    )


def write_prescribed(path: Path, protocol: Protocol) -> None:
    """Write the protocol file (validated by the same loader that will read it). A file of
    that name the person wrote themself is never overwritten."""
    if path.exists():
        try:
            first = path.read_text(encoding="utf-8").splitlines(keepends=True)[:1]
        except (OSError, UnicodeDecodeError):
            first = []
        if first != [MARKER]:
            raise HipflexError(
                f"{path} is not hipflex's prescription file; it was left as it is",
                hint="rename your own protocol file, then sync again",
            )
    text = MARKER + tomli_w.dumps(protocol.model_dump(mode="json", exclude_none=True))
    parse_protocol(text, str(path))  # what we write must load
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text)
