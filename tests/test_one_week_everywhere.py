"""One week definition, one dose rule, one adherence window: every consumer shows the same
figure for the same history (``stats``, ``insights``, the History page, the PDF report).

The history: a first session five days ago (so six days of this week count), three sessions on
that day (one day's dose counts once), a partly counted session, a full one, and a demo today
(left out). The last 7 days hold 120 + 90 + 120 = 330 s per side against 840 × 6 / 7 = 720 s.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hipflex.cli.app import main
from hipflex.insights.synthetic import synthetic_session
from hipflex.settings import ReminderSettings, UserSettings, save_settings
from hipflex.storage.db import open_database
from hipflex.web import create_app

RIGHT_S = 330
DOSE_S = 720
DAYS_DONE, ACTIVE_DAYS = 3, 6


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HIPFLEX_DATABASE_URL", raising=False)
    directory = tmp_path / "data"
    directory.mkdir()
    monkeypatch.setenv("HIPFLEX_DATA_DIR", str(directory))
    save_settings(directory, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    today = datetime.now(UTC).replace(hour=0, minute=20, second=0, microsecond=0)
    sessions = [
        *(synthetic_session(today - timedelta(days=5, hours=-h)) for h in (0, 3, 6)),
        synthetic_session(today - timedelta(days=3), counted_s=22.5),  # 90 s per side
        synthetic_session(today - timedelta(days=1)),
        replace(synthetic_session(today), demo=True),
    ]
    with open_database(directory) as database:
        database.repository.import_sessions(sessions)
    return directory


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["hipflex", *args])
    try:
        main()
    except SystemExit as exit_:
        assert not exit_.code
    out: str = capsys.readouterr().out
    return out


def test_stats_insights_history_page_and_pdf_agree(
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stats = json.loads(run(monkeypatch, capsys, "stats", "--json"))
    assert stats["week"]["right"]["counted_s"] == RIGHT_S
    assert stats["week"]["right"]["dose_s"] == DOSE_S
    assert (stats["adherence"]["days_done_7"], stats["adherence"]["days_7"]) == (
        DAYS_DONE,
        ACTIVE_DAYS,
    )

    insights = json.loads(run(monkeypatch, capsys, "insights", "--json"))
    last_week = insights["dose"]["weeks"][-1]
    assert last_week["first_day"] == stats["week_start"]
    assert last_week["counted_s"]["right"] == RIGHT_S
    assert last_week["dose_s"]["right"] == DOSE_S
    assert insights["adherence"]["days_done"] == DAYS_DONE
    assert insights["adherence"]["active_days"] == ACTIVE_DAYS
    assert insights["demo_sessions_left_out"] == 1

    with TestClient(create_app(data_dir), base_url="http://127.0.0.1:8765") as client:
        page = client.get("/history").text
    rows = re.findall(r'<tr class="week-row">(.*?)</tr>', page, flags=re.S)
    cells = re.findall(r'<td class="num">(\d+)</td>', rows[-1])
    assert cells == [str(RIGHT_S), str(RIGHT_S), str(DOSE_S)]
    assert f"stretched on {DAYS_DONE} of {ACTIVE_DAYS} days since your first session" in page

    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext (poppler-utils) is not installed: run scripts/ensure-system-packages"
        )
    pdf = tmp_path / "report.pdf"
    run(monkeypatch, capsys, "report", "--out", str(pdf))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[0]
    assert f"Days stretched: {DAYS_DONE} of {ACTIVE_DAYS}" in text
    assert re.search(rf"\b{RIGHT_S}\s+{RIGHT_S}\b", text)  # the last week's two bars
    assert "1 demo session left out" in text
