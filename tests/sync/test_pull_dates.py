"""The pulled prescription's dates, without a server: the note says them, and one whose end date
has passed is marked "(ended ...)" and never becomes the default protocol (the clinic's own
player no longer runs it either)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from hipflex.errors import HipflexError
from hipflex.protocols.loader import load_protocol, parse_protocol
from hipflex.settings import ReminderSettings, UserSettings, load_settings, save_settings
from hipflex.storage.db import Database
from hipflex.storage.outbox import Outbox
from hipflex.sync.pull import PRESCRIBED_NAME, has_ended, prescribed_path, prescribed_protocol, pull

# 31 Jan 2026 23:30 in UTC is already 1 Feb in Tokyo.
NOW = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)


def body(end: str | None, *, start: str = "2026-01-05", rx_id: str = "rx-1") -> dict[str, Any]:
    protocol = load_protocol("kneeling-hip-flexor").model_dump(mode="json", exclude_none=True)
    return {
        "id": rx_id,
        "protocol": protocol,
        "start_date": start,
        "end_date": end,
        "note": "Gently.",
        "created_by": "Dr A",
    }


class FakeClinic:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    def prescription(self) -> dict[str, Any]:
        return self.answer


def test_the_end_date_is_the_last_day() -> None:
    assert not has_ended(body("2026-01-31"), date(2026, 1, 31))
    assert has_ended(body("2026-01-31"), date(2026, 2, 1))
    assert not has_ended(body(None), date(2030, 1, 1))


def test_the_note_gives_the_dates_and_an_ended_title_says_so() -> None:
    running = prescribed_protocol(body("2026-01-31"), "Physio North", date(2026, 1, 20))
    assert running.title.endswith("— prescribed by Dr A, Physio North")
    assert "Prescribed from 05 Jan 2026 to 31 Jan 2026." in running.note
    assert running.note.startswith("Gently.")
    ended = prescribed_protocol(body("2026-01-31"), "Physio North", date(2026, 2, 1))
    assert ended.title.endswith("— prescribed by Dr A, Physio North (ended 31 Jan 2026)")
    open_ended = prescribed_protocol(body(None), "", date(2026, 2, 1))
    assert "Prescribed from 05 Jan 2026." in open_ended.note
    assert "ended" not in open_ended.title


def test_a_date_that_is_not_one_is_a_clear_error() -> None:
    with pytest.raises(HipflexError, match="end_date '31/01/2026' is not a date"):
        prescribed_protocol(body("31/01/2026"), "", date(2026, 2, 1))


@pytest.mark.parametrize(("timezone", "becomes_default"), [("UTC", True), ("Asia/Tokyo", False)])
def test_an_ended_prescription_is_written_but_never_made_the_default(
    home: Database, tmp_path: Path, timezone: str, becomes_default: bool
) -> None:
    """The person's own day decides: at 23:30 UTC on the end date it is still running in
    London and already over in Tokyo."""
    save_settings(tmp_path, UserSettings(reminders=ReminderSettings(timezone=timezone)))
    outbox = Outbox(home.engine)
    outbox.set_link("https://clinic.example.org", "Physio North", "Pat", NOW)
    result = pull(outbox, FakeClinic(body("2026-01-31")), tmp_path, NOW)  # type: ignore[arg-type]
    assert result.new and result.path == prescribed_path(tmp_path)
    assert result.ended is not becomes_default
    written = parse_protocol(result.path.read_text(encoding="utf-8"), str(result.path))
    assert written.title.endswith("(ended 31 Jan 2026)") is not becomes_default
    assert (load_settings(tmp_path).default_protocol == PRESCRIBED_NAME) is becomes_default
