"""The History page's session list in pages, the Today page in the settings' time zone, long
notes cut on the page, and cached pages that still show every change at once."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hipflex.insights.synthetic import synthetic_session
from hipflex.settings import load_settings, save_settings
from hipflex.storage.db import open_database
from hipflex.web.routes.pages import NOTE_SHOWN_CHARS


def store(data_dir: Path, sessions: list) -> None:  # type: ignore[type-arg]
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions)


def session_ids(page: str) -> list[str]:
    return re.findall(r'data-session-id="([^"]+)"', page)


def test_the_session_list_comes_in_pages_with_working_links(
    client: TestClient, data_dir: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    sessions = [synthetic_session(now - timedelta(days=back, hours=1)) for back in range(45)]
    store(data_dir, sessions)
    first = client.get("/history").text
    assert "1–20 of 45, newest first (page 1 of 3)" in first
    assert 'href="/history?page=2#recent-title"' in first
    assert "← Newer" not in first
    seen = session_ids(first)
    page = first
    for number, (range_text, count) in enumerate(
        [("21–40 of 45", 20), ("41–45 of 45", 5)], start=2
    ):
        link = re.search(r'href="(/history\?page=\d+)#recent-title" rel="next"', page)
        assert link is not None
        assert link.group(1) == f"/history?page={number}"
        response = client.get(link.group(1))
        assert response.status_code == 200
        page = response.text
        assert range_text in page
        assert len(session_ids(page)) == count
        assert f'href="/history?page={number - 1}#recent-title" rel="prev"' in page
        seen += session_ids(page)
    assert 'rel="next"' not in page  # the last page
    newest_first = sorted(sessions, key=lambda s: s.started_at, reverse=True)
    assert seen == [s.id for s in newest_first]  # each once, in order
    assert client.get("/history?page=4").status_code == 404
    assert client.get("/history?page=0").status_code == 422
    assert client.get("/history?page=two").status_code == 422


def test_one_page_of_sessions_has_no_pager(client: TestClient, data_dir: Path) -> None:
    store(data_dir, [synthetic_session(datetime.now(UTC) - timedelta(hours=2))])
    page = client.get("/history").text
    assert "1–1 of 1, newest first." in page
    assert 'class="pager"' not in page


def test_a_long_imported_note_is_cut_on_the_page(client: TestClient, data_dir: Path) -> None:
    note = "word " * 2000 + "LASTWORD"
    store(data_dir, [synthetic_session(datetime.now(UTC) - timedelta(hours=2), note=note)])
    page = client.get("/history").text
    [shown] = re.findall(r'<p class="note">([^<]*)</p>', page)
    assert "LASTWORD" not in page
    assert shown.endswith("…")
    assert len(shown) <= NOTE_SHOWN_CHARS


@pytest.fixture
def computer_in_utc() -> Iterator[None]:
    """The computer's zone set to UTC for the test, restored after."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.mark.usefixtures("computer_in_utc")
def test_today_uses_the_settings_time_zone(client: TestClient, data_dir: Path) -> None:
    """A session at 23:30 UTC is on the next day at UTC+14: the Today page says so when the
    settings name that zone, whatever the computer's zone."""
    started = datetime.combine(
        datetime.now(UTC).date() - timedelta(days=10), datetime.min.time(), UTC
    ) + timedelta(hours=23, minutes=30)
    store(data_dir, [synthetic_session(started, pain_before=4, pain_after=2)])
    assert f"last pain (after, {started:%d %b})" in client.get("/").text
    settings = load_settings(data_dir)
    save_settings(
        data_dir,
        settings.model_copy(
            update={
                "reminders": settings.reminders.model_copy(
                    update={"timezone": "Pacific/Kiritimati"}
                )
            }
        ),
    )
    next_day = started + timedelta(days=1)
    assert f"last pain (after, {next_day:%d %b})" in client.get("/").text


def test_cached_pages_show_a_change_from_another_terminal_at_once(
    app: FastAPI, client: TestClient, data_dir: Path
) -> None:
    cache = app.state.context.page_cache
    assert "Not yet" in client.get("/").text
    client.get("/history")
    computed = cache.computed
    assert "Not yet" in client.get("/").text  # nothing changed: served from the cache
    assert 'data-session-id="' not in client.get("/history").text
    assert cache.computed == computed
    # Another process (the terminal) records a session: the next load shows it.
    store(data_dir, [synthetic_session(datetime.now(UTC) - timedelta(seconds=5))])
    assert "Done" in client.get("/").text
    assert len(session_ids(client.get("/history").text)) == 1
    assert cache.computed == computed + 2
