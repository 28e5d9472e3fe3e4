"""Correcting the record in a real Chromium, at desktop and phone size: edit a session's pain
and note, delete it (the confirmation page, then the undo), and the Today page's pain
check-in on a day without a session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hipflex.insights.synthetic import synthetic_session
from hipflex.settings import ReminderSettings, UserSettings, save_settings
from hipflex.storage.db import open_database

from .conftest import RunningServer, watch_errors

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def seed(data_dir: Path) -> list[str]:
    """Two sessions: yesterday's (pain 6 → 4) and the day before's (a demo)."""
    save_settings(data_dir, UserSettings(reminders=ReminderSettings(timezone="UTC")))
    now = datetime.now(UTC).replace(microsecond=0)
    sessions = [
        synthetic_session(now - timedelta(days=1, hours=1), pain_before=6, pain_after=4),
        synthetic_session(now - timedelta(days=2, hours=1), note="tried it out"),
    ]
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions)
    return [s.id for s in sessions]


def fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_edit_delete_and_undo_a_session(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
    viewport: str,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    newer, older = seed(data_dir)
    server = start_server(data_dir=data_dir)
    size = VIEWPORTS[viewport]
    page = browser.new_page(viewport=size)
    errors = watch_errors(page)
    page.goto(f"{server.url}/history")
    item = page.locator(f'li[data-session-id="{newer}"]')
    assert "Pain 6 → 4" in item.inner_text()
    item.get_by_role("link", name="Edit").click()
    page.wait_for_url("**/edit")
    fits(page, size["width"])
    assert page.locator("#pain_before").input_value() == "6"
    page.select_option("#pain_before", "7")
    page.select_option("#pain_after", "")
    page.fill("#note", "The 6 was a typo")
    page.screenshot(path=artifacts / f"correction-edit-{viewport}.png", full_page=True)
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/history?saved=*")
    assert "Changes saved." in page.inner_text("#notice")
    item = page.locator(f'li[data-session-id="{newer}"]')
    assert "Pain 7 → –" in item.inner_text()
    assert "The 6 was a typo" in item.inner_text()
    assert "session-changed" in (item.get_attribute("class") or "")

    page.locator(f'li[data-session-id="{older}"]').get_by_role("link", name="Delete").click()
    page.wait_for_url("**/delete")
    assert "tried it out" in page.inner_text("main")
    fits(page, size["width"])
    page.screenshot(path=artifacts / f"correction-delete-confirm-{viewport}.png", full_page=True)
    page.get_by_role("button", name="Delete this session").click()
    page.wait_for_url("**/history?deleted=1*")
    assert page.locator(f'li[data-session-id="{older}"]').count() == 0
    assert "Session deleted." in page.inner_text("#notice")
    undo = page.locator("#undo-delete")
    box = undo.bounding_box()
    assert box is not None and box["y"] + box["height"] <= size["height"]  # no scrolling
    page.screenshot(path=artifacts / f"correction-deleted-{viewport}.png")
    undo.click()
    page.wait_for_url("**/history?restored=*")
    assert "Session restored." in page.inner_text("#notice")
    assert page.locator(f'li[data-session-id="{older}"]').count() == 1
    with open_database(data_dir) as database:
        restored = database.repository.get_session(older)
        edited = database.repository.get_session(newer)
    assert restored is not None and [n.text for n in restored.notes] == ["tried it out"]
    assert edited is not None and (edited.pain_before, edited.pain_after) == (7, None)
    assert errors == []
    page.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_pain_check_in_on_the_today_page(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
    viewport: str,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    seed(data_dir)  # nothing today
    server = start_server(data_dir=data_dir)
    size = VIEWPORTS[viewport]
    page = browser.new_page(viewport=size)
    errors = watch_errors(page)
    page.goto(server.url)
    assert "No stretch today? How is your hip?" in page.inner_text("#checkin")
    page.get_by_role("button", name="Save today's pain").click()  # nothing chosen yet
    page.wait_for_url("**/?checkin=missing*")
    assert "Choose a number from 0 (no pain) to 10" in page.inner_text("#checkin")
    page.locator("label.pain-option", has_text="3").first.click()
    page.fill("#checkin-note", "Long day at the desk")
    fits(page, size["width"])
    page.screenshot(path=artifacts / f"today-checkin-{viewport}.png", full_page=True)
    page.get_by_role("button", name="Save today's pain").click()
    page.wait_for_url("**/?checkin=saved*")
    assert "Your pain today: 3/10" in page.inner_text("#checkin")
    facts = page.inner_text("ul.facts")
    assert "3/10" in facts and "check-in" in facts
    assert page.locator("label.pain-option input[value='3']").is_checked()
    page.screenshot(path=artifacts / f"today-checked-in-{viewport}.png", full_page=True)
    with open_database(data_dir) as database:
        (checkin,) = database.repository.pain_checkins_between()
    assert (checkin.value, checkin.note) == (3, "Long day at the desk")
    page.goto(f"{server.url}/history")
    pain_rows = page.locator("#pain-title ~ figure table.data-table tbody tr")
    assert pain_rows.count() == 2  # yesterday's session and today's check-in
    assert pain_rows.last.locator("td").nth(2).text_content() == "3"
    assert errors == []
    page.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_report_download_with_a_name(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
    viewport: str,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    seed(data_dir)
    server = start_server(data_dir=data_dir)
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, accept_downloads=True)
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(f"{server.url}/history")
    page.fill("#patient_name", "Ada Lovelace")
    form = page.locator("form.report-form")
    form.screenshot(path=artifacts / f"report-form-{viewport}.png")
    fits(page, size["width"])
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("hipflex-report-")
    saved = tmp_path / "report.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF") and saved.stat().st_size > 10_000
    assert _pdf_has(saved, "Ada Lovelace")
    assert errors == []
    context.close()


def _pdf_has(path: Path, text: str) -> bool:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return text in out.stdout
