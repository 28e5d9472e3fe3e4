"""Every page renders; settings and the default protocol change only with a CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.wallclock import earlier_today

from hipflex.domain.events import HoldCompleted, HoldOutcome, SessionStatus
from hipflex.domain.protocol import Side
from hipflex.protocols.loader import load_protocol
from hipflex.settings import load_settings
from hipflex.storage.db import open_database


def csrf(client: TestClient) -> str:
    page = client.get("/settings").text
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match
    return match.group(1)


def seed_session(
    data_dir: Path,
    *,
    days_ago: int = 0,
    note: str | None = None,
    hip_deg: float | None = None,
    pain: tuple[int, int] | None = None,
    complete: bool = True,
) -> str:
    protocol = load_protocol("kneeling-hip-flexor")
    start = earlier_today(timedelta(minutes=10), days_ago=days_ago)
    with open_database(data_dir) as db:
        repo = db.repository
        session_id = repo.start_session(protocol, "camera" if hip_deg else "timer", start)
        holds = 8 if complete else 3
        for index in range(holds):
            side = Side.RIGHT if index < 4 else Side.LEFT
            at = start + timedelta(seconds=40 * index)
            hold = HoldCompleted(
                side,
                index % 4 + 1,
                30.0,
                30.0,
                at,
                at + timedelta(seconds=30),
                HoldOutcome.COMPLETED,
            )
            extra = {"hip_extension_max_deg": hip_deg + index} if hip_deg else {}
            repo.record_hold(session_id, hold, "camera" if hip_deg else "timer", **extra)
        if pain:
            repo.record_pain(session_id, "before", pain[0], start)
            repo.record_pain(session_id, "after", pain[1], start + timedelta(minutes=6))
        if note:
            repo.add_note(session_id, note, start + timedelta(minutes=6))
        status = SessionStatus.COMPLETED if complete else SessionStatus.PARTIAL
        repo.finish_session(session_id, status, start + timedelta(minutes=6))
    return session_id


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/", "Half-kneeling hip flexor stretch"),
        ("/session", "Before you start"),
        ("/session?protocol=prone-hip-flexor", "Prone hip flexor stretch"),
        ("/history", "Days done"),
        ("/protocols", "Standing hip flexor stretch"),
        ("/settings", "Default stretch"),
        ("/api/health", "ok"),
        ("/static/js/session.js", "LiveSocket"),
        ("/static/css/app.css", "--accent"),
    ],
)
def test_every_page_renders(client: TestClient, path: str, text: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert text in response.text


def test_pages_have_the_basics_of_accessibility(client: TestClient) -> None:
    for path in ("/", "/session", "/history", "/protocols", "/settings"):
        page = client.get(path).text
        assert '<html lang="en">' in page
        assert 'class="skip-link"' in page
        assert 'aria-current="page"' in page
    session = client.get("/session").text
    assert 'aria-live="assertive"' in session  # phase changes are announced
    assert 'role="timer"' in session
    assert 'aria-keyshortcuts="Space"' in session


def test_today_without_history(client: TestClient) -> None:
    page = client.get("/").text
    assert "Not yet" in page
    assert "0 days" in page
    assert 'href="/session?protocol=kneeling-hip-flexor"' in page
    assert "See the variations" in page


def test_today_after_a_session(client: TestClient, data_dir: Path) -> None:
    seed_session(data_dir, days_ago=1, pain=(5, 3))
    seed_session(data_dir, days_ago=0, pain=(4, 2))
    page = client.get("/").text
    assert "Done" in page
    assert "2 days" in page
    assert "2/10" in page  # the latest rating, after the session


def test_session_page_shows_each_protocols_figure(client: TestClient) -> None:
    for name, figure_word in (
        ("kneeling-hip-flexor", "Half-kneeling"),
        ("prone-hip-flexor", "Prone"),
        ("standing-hip-flexor", "Standing"),
    ):
        page = client.get(f"/session?protocol={name}").text
        assert f'<title id="figure-title">{figure_word}' in page
        assert 'class="stretch"' in page


def test_unknown_or_unsafe_protocol_is_404(client: TestClient) -> None:
    assert client.get("/session?protocol=nope").status_code == 404
    assert client.get("/session?protocol=../../etc/passwd.toml").status_code == 404


def test_history_shows_sessions_charts_and_escaped_notes(
    client: TestClient, data_dir: Path
) -> None:
    seed_session(data_dir, days_ago=8, hip_deg=12.0, pain=(6, 4))
    seed_session(data_dir, days_ago=1, complete=False)
    seed_session(data_dir, days_ago=0, note="<script>alert('x')</script> felt good", pain=(5, 3))
    page = client.get("/history").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; felt good" in page
    assert page.count('class="session-item"') == 3
    assert "partial" in page
    # Charts are SVG with a title and a text description, plus a data table.
    assert page.count('<svg class="chart"') == 6  # each drawn wide and narrow (phones)
    assert "<desc>" in page
    assert "Show as a table" in page
    assert "Best hip extension" in page
    assert "19.0" in page  # 12 + 7: the best hold of the camera session


def test_settings_round_trip(client: TestClient, data_dir: Path) -> None:
    token = csrf(client)
    response = client.post(
        "/settings",
        data={
            "csrf_token": token,
            "default_protocol": "standing-hip-flexor",
            "rest_s": "20",
            "voice": "on",
            "camera_index": "1",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    settings = load_settings(data_dir)
    assert settings.default_protocol == "standing-hip-flexor"
    assert settings.rest_s == 20
    assert settings.voice is True and settings.sound is False
    assert settings.camera_index == 1
    page = client.get("/settings?saved=true").text
    assert "Saved." in page
    assert 'value="standing-hip-flexor" selected' in page
    assert "Standing hip flexor stretch" in client.get("/").text


def test_settings_rejects_bad_values(client: TestClient, data_dir: Path) -> None:
    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf(client),
            "default_protocol": "nope",
            "rest_s": "-3",
            "camera_index": "99",
        },
    )
    assert response.status_code == 400
    assert "Unknown protocol" in response.text
    assert "Rest must be" in response.text
    assert "Camera must be" in response.text
    assert load_settings(data_dir).default_protocol == "kneeling-hip-flexor"


def test_choose_default_protocol(client: TestClient, data_dir: Path) -> None:
    response = client.post(
        "/protocols/default",
        data={"csrf_token": csrf(client), "name": "prone-hip-flexor"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert load_settings(data_dir).default_protocol == "prone-hip-flexor"
    bad = client.post("/protocols/default", data={"csrf_token": csrf(client), "name": "x"})
    assert bad.status_code == 400


def test_rest_setting_applies_to_sessions(client: TestClient, data_dir: Path) -> None:
    client.post(
        "/settings",
        data={"csrf_token": csrf(client), "default_protocol": "kneeling-hip-flexor", "rest_s": "0"},
    )
    context = client.app.state.context  # type: ignore[attr-defined]
    assert context.protocol_for_session(None).rest_s == 0


def test_a_broken_user_protocol_is_shown_not_fatal(client: TestClient, data_dir: Path) -> None:
    (data_dir / "protocols").mkdir()
    (data_dir / "protocols" / "mine.toml").write_text('name = "mine"\nhold_s = "long"\n')
    page = client.get("/protocols")
    assert page.status_code == 200
    assert "cannot be used" in page.text


def test_check_in_after_the_session(client: TestClient, data_dir: Path) -> None:
    session_id = seed_session(data_dir)
    headers = {"X-CSRF-Token": csrf(client)}
    response = client.post(
        f"/api/sessions/{session_id}/checkin",
        json={"pain_after": 2, "note": "  easier <b>today</b> "},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["saved"] == ["pain_after", "note"]
    with open_database(data_dir) as db:
        record = db.repository.get_session(session_id)
    assert record is not None
    assert record.pain_after == 2
    assert record.notes[0].text == "easier <b>today</b>"
    assert client.post("/api/sessions/nope/checkin", json={}, headers=headers).status_code == 404
    for bad in ({"pain_after": 11}, {"pain_after": "3"}, {"note": "x" * 2001}, {"other": 1}):
        reply = client.post(f"/api/sessions/{session_id}/checkin", json=bad, headers=headers)
        assert reply.status_code == 422, bad


def test_history_page_says_in_plain_words_whether_it_helps(
    client: TestClient, data_dir: Path
) -> None:
    assert "No sessions in the last 4 weeks yet" in client.get("/history").text
    seed_session(data_dir, days_ago=2, pain=(6, 4))
    seed_session(data_dir, days_ago=0, pain=(5, 3))
    page = client.get("/history").text
    assert "Is it helping?" in page
    # A new user is measured from their first session, two days ago: 2 of 3 days.
    assert re.search(r"Since your first session on \d\d \w\w\w you stretched on 2 of 3 days", page)
    assert "hipflex report --out report.pdf" in page


def test_reminder_settings_are_shared_with_hipflex_remind(
    client: TestClient, data_dir: Path
) -> None:
    page = client.get("/settings").text
    assert 'name="daily_time"' in page and 'name="break_every_min"' in page
    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf(client),
            "default_protocol": "kneeling-hip-flexor",
            "camera_index": "0",
            "daily_enabled": "on",
            "daily_time": "7:30 pm",
            "breaks_enabled": "on",
            "break_every_min": "45",
            "work_start": "08:30",
            "work_end": "16:00",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    reminders = load_settings(data_dir).reminders
    assert reminders.daily_enabled and reminders.breaks_enabled
    assert (reminders.daily_time, reminders.work_start, reminders.work_end) == (
        "19:30",
        "08:30",
        "16:00",
    )
    assert reminders.break_every_min == 45
    bad = client.post(
        "/settings",
        data={
            "csrf_token": csrf(client),
            "default_protocol": "kneeling-hip-flexor",
            "camera_index": "0",
            "daily_time": "25:00",
            "break_every_min": "5",
            "work_start": "17:00",
            "work_end": "09:00",
        },
    )
    assert bad.status_code == 400
    assert "Daily reminder time" in bad.text and "Sitting breaks must be" in bad.text
    assert load_settings(data_dir).reminders.daily_time == "19:30"
