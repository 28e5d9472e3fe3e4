"""``hipflex insights`` and ``hipflex report`` through the real entry point, in process."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from hipflex.domain.protocol import Side
from hipflex.insights.synthetic import synthetic_session
from hipflex.settings import ReminderSettings, UserSettings, save_settings
from hipflex.storage.db import open_database


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    monkeypatch.setenv("HIPFLEX_DATA_DIR", str(directory))
    save_settings(directory, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    return directory


def seed(data_dir: Path) -> None:
    """Ten days of sessions ending today, three of them with the camera, all with pain."""
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    sessions = [
        synthetic_session(
            today - timedelta(days=back),
            extension_deg={Side.RIGHT: 10.0 - back / 3, Side.LEFT: 9.0} if back % 4 == 0 else None,
            pain_before=5,
            pain_after=3,
            note="Felt looser today." if back == 0 else None,
        )
        for back in range(9, -1, -1)
    ]
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions)


def test_empty_history_is_a_friendly_state(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    code, out, err = cli("insights")
    assert code == 0, err
    assert "No sessions in the last 4 weeks yet" in out
    code, out, _ = cli("insights", "--json")
    assert code == 0 and json.loads(out)["sessions"] == 0


def test_insights_json_on_a_stored_history(
    cli: Callable[..., tuple[int, str, str]], data_dir: Path
) -> None:
    seed(data_dir)
    code, out, err = cli("insights", "--weeks", "2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["sessions"] == 10
    # The first session was 9 days ago: the 4 days before it are not counted against anyone.
    assert data["adherence"] == {"days_done": 10, "days_planned": 10, "active_days": 10}
    assert data["hip_extension"]["sides"]["right"]["sessions"] == 3
    assert data["pain"]["before_after"]["change"]["estimate"] == -2.0
    assert data["notes"][0]["text"] == "Felt looser today."
    code, out, _ = cli("insights", "--weeks", "2")
    assert "you stretched on 10 of 10 days" in out


def test_report_pdf_and_html(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path
) -> None:
    seed(data_dir)
    pdf = tmp_path / "physio.pdf"
    code, _, err = cli("report", "--out", str(pdf))
    assert code == 0, err
    assert len(PdfReader(pdf).pages) == 2
    page = tmp_path / "physio.html"
    code, _out, err = cli("report", "--weeks", "2", "--out", str(page))
    assert code == 0, err
    assert "Felt looser today." in page.read_text(encoding="utf-8")


def test_report_on_empty_history_exits_0(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path
) -> None:
    code, out, _ = cli("report", "--out", str(tmp_path / "r.pdf"))
    assert code == 0
    assert "no sessions" in out


@pytest.mark.parametrize("name", ["missing/r.pdf", "r.txt", "."])
def test_report_to_a_bad_path_exits_2(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path, name: str
) -> None:
    code, _, err = cli("report", "--out", str(tmp_path / name))
    assert code == 2
    assert "error:" in err and "Traceback" not in err


def test_report_to_a_read_only_folder_exits_2(
    cli: Callable[..., tuple[int, str, str]], tmp_path: Path, data_dir: Path
) -> None:
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        code, _, err = cli("report", "--out", str(locked / "r.pdf"))
        assert code == 2 and "cannot write" in err
    finally:
        locked.chmod(0o700)
