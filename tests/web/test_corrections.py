"""Correcting the record in the web app: edit a session's pain and note, delete it after a
confirmation, undo the delete; and the Today page's pain check-in. In-process: the routes'
rules (CSRF, bad values, unknown ids, the undo window). The browser flows are in
tests/web/browser/test_corrections_flow.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from hipflex.domain.corrections import UNDO_WINDOW
from hipflex.storage.db import open_database

from .test_pages import csrf, seed_session


def stored(data_dir: Path, session_id: str) -> object:
    with open_database(data_dir) as database:
        return database.repository.get_session(session_id)


def test_edit_pain_note_and_demo(client: TestClient, data_dir: Path) -> None:
    session_id = seed_session(data_dir, pain=(5, 3), note="first note")
    form = client.get(f"/history/sessions/{session_id}/edit")
    assert form.status_code == 200
    assert 'value="5" selected' in form.text and "first note" in form.text
    answer = client.post(
        f"/history/sessions/{session_id}/edit",
        data={
            "csrf_token": csrf(client),
            "pain_before": "6",
            "pain_after": "",
            "note": "typo fixed",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/history?saved={session_id}")
    with open_database(data_dir) as database:
        session = database.repository.get_session(session_id)
    assert session is not None
    assert (session.pain_before, session.pain_after) == (6, None)
    assert [n.text for n in session.notes] == ["typo fixed"]
    assert session.demo is False
    page = client.get(answer.headers["location"]).text
    assert "Changes saved." in page and "typo fixed" in page and "Pain 6 → –" in page


def test_marking_a_session_a_demo_leaves_it_out_of_the_figures(
    client: TestClient, data_dir: Path
) -> None:
    session_id = seed_session(data_dir, pain=(5, 3))
    assert "Done" in client.get("/").text
    client.post(
        f"/history/sessions/{session_id}/edit",
        data={"csrf_token": csrf(client), "pain_before": "5", "pain_after": "3", "demo": "on"},
    )
    today = client.get("/").text
    assert "Not yet" in today
    assert "3/10" not in today  # a demo's pain is not the person's last pain
    history = client.get("/history").text
    assert "demo, not counted" in history


def test_edit_refuses_bad_values_and_keeps_what_was_typed(
    client: TestClient, data_dir: Path
) -> None:
    session_id = seed_session(data_dir, pain=(5, 3))
    answer = client.post(
        f"/history/sessions/{session_id}/edit",
        data={"csrf_token": csrf(client), "pain_before": "11", "pain_after": "2", "note": "kept"},
    )
    assert answer.status_code == 400
    assert "Pain before: choose a number from 0 to 10" in answer.text
    assert "kept" in answer.text
    with open_database(data_dir) as database:
        session = database.repository.get_session(session_id)
    assert session is not None and (session.pain_before, session.pain_after) == (5, 3)


def test_corrections_need_the_csrf_token(client: TestClient, data_dir: Path) -> None:
    session_id = seed_session(data_dir, pain=(5, 3))
    edit = client.post(f"/history/sessions/{session_id}/edit", data={"pain_before": "1"})
    delete = client.post(f"/history/sessions/{session_id}/delete", data={"csrf_token": "x"})
    checkin = client.post("/checkin", data={"pain": "4"})
    assert (edit.status_code, delete.status_code, checkin.status_code) == (403, 403, 403)
    with open_database(data_dir) as database:
        session = database.repository.get_session(session_id)
        assert database.repository.pain_checkins_between() == []
    assert session is not None and session.pain_before == 5


def test_unknown_session_is_an_html_404(client: TestClient) -> None:
    for path in ("/history/sessions/nope/edit", "/history/sessions/a%20b/delete"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")


def test_delete_asks_first_then_undo_restores(client: TestClient, data_dir: Path) -> None:
    keep = seed_session(data_dir, days_ago=1)
    gone = seed_session(data_dir, pain=(4, 2), note="test run")
    confirm = client.get(f"/history/sessions/{gone}/delete")
    assert confirm.status_code == 200
    assert "Delete this session" in confirm.text and "test run" in confirm.text
    assert stored(data_dir, gone) is not None  # asking deletes nothing
    token = csrf(client)
    answer = client.post(
        f"/history/sessions/{gone}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert stored(data_dir, gone) is None
    page = client.get(answer.headers["location"]).text
    assert "Session deleted." in page and 'action="/history/undo"' in page
    assert f'data-session-id="{gone}"' not in page
    assert f'data-session-id="{keep}"' in page
    undone = client.post("/history/undo", data={"csrf_token": token}, follow_redirects=False)
    assert undone.headers["location"].startswith(f"/history?restored={gone}")
    assert stored(data_dir, gone) is not None
    assert "Session restored." in client.get(undone.headers["location"]).text
    again = client.post("/history/undo", data={"csrf_token": token}, follow_redirects=True)
    assert "Nothing to undo" in again.text


def test_undo_is_refused_after_the_window(client: TestClient, data_dir: Path) -> None:
    gone = seed_session(data_dir)
    with open_database(data_dir) as database:
        database.repository.delete_session(gone, datetime.now(UTC) - UNDO_WINDOW - timedelta(1))
    answer = client.post("/history/undo", data={"csrf_token": csrf(client)})
    assert "Nothing to undo: no session was deleted in the last 15 minutes" in answer.text
    assert stored(data_dir, gone) is None


def test_a_session_in_progress_cannot_be_deleted(client: TestClient, data_dir: Path) -> None:
    from hipflex.protocols.loader import load_protocol

    with open_database(data_dir) as database:
        running = database.repository.start_session(
            load_protocol("kneeling-hip-flexor"), "timer", datetime.now(UTC)
        )
    assert "/delete" not in client.get("/history").text
    answer = client.post(f"/history/sessions/{running}/delete", data={"csrf_token": csrf(client)})
    assert answer.status_code == 409
    assert "still in progress" in answer.text
    assert stored(data_dir, running) is not None


def test_today_check_in_on_a_day_without_a_session(client: TestClient, data_dir: Path) -> None:
    page = client.get("/").text
    assert "No stretch today? How is your hip?" in page
    answer = client.post(
        "/checkin",
        data={"csrf_token": csrf(client), "pain": "4", "note": "stiff after cycling"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Your pain today: 4/10" in page
    assert "stiff after cycling" in page
    assert "4/10" in page and "last pain (check-in" in page
    with open_database(data_dir) as database:
        (checkin,) = database.repository.pain_checkins_between()
    assert (checkin.value, checkin.note) == (4, "stiff after cycling")
    # a second check-in the same day replaces the first
    client.post("/checkin", data={"csrf_token": csrf(client), "pain": "2"})
    with open_database(data_dir) as database:
        assert [c.value for c in database.repository.pain_checkins_between()] == [2]


def test_check_in_without_a_value_says_so(client: TestClient, data_dir: Path) -> None:
    answer = client.post("/checkin", data={"csrf_token": csrf(client), "pain": ""})
    assert "Choose a number from 0 (no pain) to 10" in answer.text
    answer = client.post("/checkin", data={"csrf_token": csrf(client), "pain": "12"})
    assert "Choose a number from 0 (no pain) to 10" in answer.text
    with open_database(data_dir) as database:
        assert database.repository.pain_checkins_between() == []


def test_no_check_in_form_after_a_completed_session(client: TestClient, data_dir: Path) -> None:
    seed_session(data_dir, pain=(4, 2))
    page = client.get("/").text
    assert "Done" in page
    assert 'action="/checkin"' not in page
