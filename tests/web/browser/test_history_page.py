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


# The smallest rendered height of any visible chart text, in CSS px (the wide chart scaled
# down to a phone showed 7 px); 99 when no chart is shown.
SMALLEST_CHART_TEXT_PX = """() => Math.min(99, ...[...document.querySelectorAll('svg.chart text')]
  .map(t => t.getBoundingClientRect().height).filter(h => h > 0))"""


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


def seed_demo_only(data_dir: Path) -> None:
    save_settings(data_dir, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    demo = replace(synthetic_session(start, pain_before=7, pain_after=6), demo=True)
    with open_database(data_dir) as database:
        database.repository.import_sessions([demo])


@pytest.mark.parametrize("history", ["weeks", "empty", "demo-only"])
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
    elif history == "demo-only":
        seed_demo_only(data_dir)
    server = start_server(data_dir=data_dir)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = watch_errors(page)
    for width, height, name in ((1280, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server.url}/history")
        page.screenshot(path=artifacts / f"history-{history}-{name}.png", full_page=True)
        assert page.evaluate(CLIPPED_LABELS) == []
        assert page.evaluate(SMALLEST_CHART_TEXT_PX) >= 11  # legible at either size
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator("table.calendar tbody tr").count() == 7
        last_cell = page.locator("table.calendar tbody tr").nth(6).locator("td").last
        assert f"{date.today():%a %d %b}"[:3] in (last_cell.get_attribute("title") or "")
    body = page.inner_text("main")
    if history == "weeks":
        hip = page.locator("section:has(#hip-title) .chart-wide svg.chart").inner_html()
        assert "right side" in hip and "left side" not in hip  # only the measured side
        assert "demo, not counted" in body
        assert "1 demo session left out of these figures" in body
        assert page.locator("svg.chart .dot.pain-checkin").count() >= 3
    elif history == "demo-only":
        assert "No sessions counted yet: demos are listed below" in body
        assert "1 demo session is left out of these figures" in body
        assert "demo, not counted" in body
        assert "0 of the last 0" not in body and "dose 0 s" not in page.content()
        page.goto(server.url)
        assert "7/10" not in page.inner_text("ul.facts")  # the demo's pain is not "last pain"
    else:
        assert "No sessions in the last 4 weeks yet" in body
        assert "No camera sessions yet" in body
        assert "No sessions counted yet." in body
    assert errors == []
    page.close()


def test_paging_through_sessions_at_desktop_and_phone_size(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
) -> None:
    """45 sessions: the list shows 20, "Older →" and "← Newer" move between pages, and a long
    imported note (cut with "…") never makes the page wider than the screen."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    long_note = "unbrokenword" * 400 + " and more words " * 200
    sessions = [
        synthetic_session(
            now - timedelta(days=back, hours=2), note=long_note if back == 0 else None
        )
        for back in range(45)
    ]
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions)
    server = start_server(data_dir=data_dir)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = watch_errors(page)
    for width, height, name in ((1280, 800, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server.url}/history")
        assert "1–20 of 45" in page.inner_text("#sessions-range")
        assert page.locator("li.session-item").count() == 20
        assert page.locator("p.note").first.inner_text().endswith("…")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click("a.pager-older")
        page.wait_for_url("**/history?page=2#recent-title")
        assert "21–40 of 45" in page.inner_text("#sessions-range")
        page.locator("nav.pager").screenshot(path=artifacts / f"history-pager-{name}.png")
        page.screenshot(path=artifacts / f"history-page2-{name}.png", full_page=True)
        page.click("a.pager-older")
        page.wait_for_url("**/history?page=3#recent-title")
        assert page.locator("li.session-item").count() == 5
        assert page.locator("a.pager-older").count() == 0
        page.click("a.pager-newer")
        page.wait_for_url("**/history?page=2#recent-title")
        assert "21–40 of 45" in page.inner_text("#sessions-range")
        box = page.locator("a.pager-newer").bounding_box()
        assert box is not None and box["height"] >= 44  # a finger-sized target
    assert errors == []
    page.close()
