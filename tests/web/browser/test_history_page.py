"""The History page in a real Chromium, at desktop and phone size: dates on the axes, labels
inside the charts, legends only for sides with data, demos marked; with a few weeks of data
and with none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hipflex.domain.protocol import Side
from hipflex.insights.synthetic import synthetic_session
from hipflex.settings import ReminderSettings, UserSettings, save_settings
from hipflex.storage.db import open_database

from .conftest import RunningServer, watch_errors

pytestmark = pytest.mark.browser

# Every <text> of every chart: does its box stay inside the chart's viewBox?
CLIPPED_LABELS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.viewBox.baseVal;
    for (const text of svg.querySelectorAll('text:not([transform])')) {  // not the rotated axis title
      const b = text.getBBox();
      if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) out.push(text.textContent);
    }
  }
  return out;
}"""


def seed_weeks(data_dir: Path) -> None:
    save_settings(data_dir, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    today = datetime.now(UTC).replace(hour=0, minute=30, second=0, microsecond=0)
    sessions = [
        synthetic_session(
            today - timedelta(days=back),
            extension_deg={Side.RIGHT: 8 + (30 - back) / 5} if back % 3 == 0 else None,
            pain_before=6 - (30 - back) // 10,
            pain_after=4 - (30 - back) // 12,
            note="Tight after a long drive." if back == 9 else None,
        )
        for back in range(30, -1, -1)
        if back % 7 != 4
    ]
    sessions.append(replace(synthetic_session(today + timedelta(hours=1)), demo=True))
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions)
        for back in (4, 11, 18):
            day = (today - timedelta(days=back)).date()
            database.repository.record_pain_checkin(day, 5, today - timedelta(days=back))


@pytest.mark.parametrize("history", ["weeks", "empty"])
def test_history_page_at_desktop_and_phone_size(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
    history: str,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if history == "weeks":
        seed_weeks(data_dir)
    server = start_server(data_dir=data_dir)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = watch_errors(page)
    for width, height, name in ((1280, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server.url}/history")
        page.screenshot(path=artifacts / f"history-{history}-{name}.png", full_page=True)
        assert page.evaluate(CLIPPED_LABELS) == []
        assert page.locator("table.calendar tbody tr").count() == 7
        last_cell = page.locator("table.calendar tbody tr").nth(6).locator("td").last
        assert f"{date.today():%a %d %b}"[:3] in (last_cell.get_attribute("title") or "")
    body = page.inner_text("main")
    if history == "weeks":
        hip = page.locator("svg.chart").nth(1).inner_html()
        assert "right side" in hip and "left side" not in hip  # only the measured side
        assert "demo, not counted" in body
        assert "1 demo session left out of these figures" in body
        assert page.locator("svg.chart .dot.pain-checkin").count() >= 3
    else:
        assert "No sessions in the last 4 weeks yet" in body
        assert "No camera sessions yet" in body
    assert errors == []
    page.close()
