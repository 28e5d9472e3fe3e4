"""History and Today on degenerate histories (a figure shown to a person must make sense with
none, one day, one side, and only a demo): no "0 of the last 0 days", no "dose 0 s", no
demo's pain as the person's last pain."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hipflex.domain.clock import FakeClock
from hipflex.domain.protocol import Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.synthetic import synthetic_session
from hipflex.settings import ReminderSettings, UserSettings, save_settings
from hipflex.storage.db import open_database
from hipflex.web import create_app

# The pages' wall clock is pinned (a Wednesday afternoon), so the figures never depend on the
# hour the suite runs (a run crossing midnight once put "today's" session on yesterday).
NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
START = NOW - timedelta(hours=2)


def pages(data_dir: Path, sessions: Sequence[SessionRecord]) -> tuple[str, str]:
    """The Today and History pages' visible text (charts' markup kept)."""
    save_settings(data_dir, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    with open_database(data_dir) as database:
        database.repository.import_sessions(list(sessions))
    app = create_app(data_dir, speed=100, clock=FakeClock(NOW))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        return c.get("/").text, c.get("/history").text


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


BAD = ("0 of the last 0", "dose 0 s", "of the last day", "Only 0 sessions", "0 weeks")


def assert_no_absurd_figures(*html: str) -> None:
    for page in html:
        for phrase in BAD:
            assert phrase not in page, phrase


def test_no_history(data_dir: Path) -> None:
    today, history = pages(data_dir, [])
    assert_no_absurd_figures(today, history)
    assert "No sessions counted yet." in words(history)
    assert "Nothing to count yet: the weeks start with your first session." in words(history)
    assert 'class="week-row"' not in history
    assert "no pain rating yet" in today


def test_only_a_demo(data_dir: Path) -> None:
    demo = replace(synthetic_session(START, pain_before=7, pain_after=6), demo=True)
    today, history = pages(data_dir, [demo])
    assert_no_absurd_figures(today, history)
    text = words(history)
    assert "No sessions counted yet: demos are listed below but left out of every figure." in text
    assert "1 demo session is left out of these figures" in text
    assert "No sessions in the last 4 weeks yet" not in text  # the demo is right there
    assert "demo, not counted" in text
    assert "(demos are not counted)" in text
    assert 'class="week-row"' not in history
    # Today: neither done nor the demo's pain
    assert "Not yet" in today and "6/10" not in today and "7/10" not in today
    assert "no pain rating yet" in today


def test_one_day(data_dir: Path) -> None:
    today, history = pages(data_dir, [synthetic_session(START, pain_before=5, pain_after=3)])
    assert_no_absurd_figures(today, history)
    text = words(history)
    assert "stretched on 1 of 1 day since your first session." in text
    assert len(re.findall(r'<tr class="week-row">', history)) == 1  # this week only
    assert "dashed: dose 120 s" in history  # today's dose, prorated to one day
    assert "Only 1 session has pain rated both before and after" in text
    assert "3/10" in today and "last pain (after" in today


def test_one_side_only(data_dir: Path) -> None:
    sessions = [
        synthetic_session(
            START - timedelta(days=back), sides=(Side.RIGHT,), extension_deg={Side.RIGHT: 10}
        )
        for back in range(9)
    ]
    _, history = pages(data_dir, sessions)
    assert_no_absurd_figures(history)
    assert "stretched on 7 of the last 7 days." in words(history)
    charts = re.findall(r'chart-wide">(<svg.*?</svg>)', history, flags=re.S)
    weekly, hip = charts[0], charts[1]
    assert "right side" in weekly and "left side" not in weekly  # legend: sides with data
    assert "right side" in hip and "left side" not in hip
    assert len(re.findall(r'<tr class="week-row">', history)) == 2


@pytest.mark.parametrize("pairs", [0, 1])
def test_pain_pairs_wording(data_dir: Path, pairs: int) -> None:
    sessions = [
        synthetic_session(START, pain_before=4, pain_after=3 if pairs else None),
    ]
    _, history = pages(data_dir, sessions)
    text = words(history)
    if pairs:
        assert "Only 1 session has pain rated both before and after" in text
    else:
        assert "No session has pain rated both before and after yet" in text
