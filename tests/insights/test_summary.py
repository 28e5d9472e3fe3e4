from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Side
from hipflex.insights.summary import CAVEAT, build_insights
from hipflex.insights.synthetic import synthetic_session
from hipflex.protocols.loader import load_protocol

TODAY = date(2026, 3, 29)  # a Sunday; the 4-week window is 2 March – 29 March
FIRST = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def protocol():  # type: ignore[no-untyped-def]
    return load_protocol("kneeling-hip-flexor")


def test_zero_sessions_is_a_friendly_empty_state(protocol) -> None:  # type: ignore[no-untyped-def]
    insights = build_insights([], protocol, TODAY, UTC)
    assert insights.empty
    assert insights.days_done == 0 and insights.days_planned == 28
    assert (
        len(insights.sentences) == 1
        and "No sessions in the last 4 weeks yet" in insights.sentences[0]
    )
    assert insights.to_json()["sessions"] == 0


def test_example_history_reads_like_the_issue(protocol) -> None:  # type: ignore[no-untyped-def]
    sessions = []
    for day in range(28):
        if day % 7 == 3:  # skip 4 days
            continue
        week = day / 7
        extension = {Side.RIGHT: 6 + 2 * week, Side.LEFT: 8 + 0.5 * week} if day % 7 == 0 else None
        sessions.append(
            synthetic_session(
                FIRST + timedelta(days=day),
                extension_deg=extension,
                pain_before=4 + day % 2,
                pain_after=3,  # changes: -1 on even days, -2 on odd days
            )
        )
    insights = build_insights(sessions, protocol, TODAY, UTC)
    text = " ".join(insights.sentences)
    assert insights.days_done == 24
    assert "Over the last 4 weeks you stretched on 24 of 28 days." in text
    # 6 sessions a week × 4 × 30 s = 720 s per side of 840 s.
    assert "720 s on your right side (86%) and 720 s on your left side (86%) a week" in text
    assert (
        "Your right hip extension went from 6° to 12° over 4 camera sessions (+2.0° a week" in text
    )
    # changes alternate −1 … −2 … : mean −1.5 over 24 sessions
    assert "Your pain after stretching is on average 1.5 points lower than before" in text
    assert "Every day with a pain rating also had a completed session" in text
    assert CAVEAT in text
    data = insights.to_json()
    assert data["hip_extension"]["sides"]["right"]["slope_deg_per_week"][
        "estimate"
    ] == pytest.approx(2.0)
    assert data["adherence"] == {"days_done": 24, "days_planned": 28}


def test_one_session(protocol) -> None:  # type: ignore[no-untyped-def]
    one = synthetic_session(
        datetime(2026, 3, 28, 7, tzinfo=UTC),
        extension_deg={Side.RIGHT: 9},
        pain_before=5,
        pain_after=4,
    )
    insights = build_insights([one], protocol, TODAY, UTC)
    text = " ".join(insights.sentences)
    assert "you stretched on 1 of 28 days" in text
    assert (
        "Your right hip extension was measured in 1 camera session (9°); a trend needs at least 3."
        in text
    )
    assert "Your left side has no camera measurements yet." in text
    assert "Only 1 session has pain rated both before and after: too few" in text
    assert CAVEAT not in text


def test_all_pain_missing_and_no_camera(protocol) -> None:  # type: ignore[no-untyped-def]
    sessions = [synthetic_session(FIRST + timedelta(days=d)) for d in range(5)]
    text = " ".join(build_insights(sessions, protocol, TODAY, UTC).sentences)
    assert "You have not rated your pain yet" in text
    assert "No camera sessions yet" in text


def test_asymmetry_is_flagged_in_words(protocol) -> None:  # type: ignore[no-untyped-def]
    sessions = [
        synthetic_session(
            FIRST + timedelta(days=7 * w), extension_deg={Side.RIGHT: 12, Side.LEFT: 5}
        )
        for w in range(3)
    ]
    text = " ".join(build_insights(sessions, protocol, TODAY, UTC).sentences)
    assert "Your right hip reaches 7° more extension than the other" in text
    assert "more than the 5° the camera can tell apart" in text


def test_window_excludes_older_sessions_and_counts_partial_days(protocol) -> None:  # type: ignore[no-untyped-def]
    old = synthetic_session(datetime(2026, 2, 1, 7, tzinfo=UTC))
    partial = synthetic_session(FIRST, status=SessionStatus.PARTIAL, reps=2)
    insights = build_insights([old, partial], protocol, TODAY, UTC, weeks=4)
    assert insights.sessions == 1
    assert insights.days_done == 0
    assert "started but did not finish on 1 more" in insights.sentences[0]
    assert insights.week_doses[0].counted_s == {Side.RIGHT: 60.0, Side.LEFT: 60.0}


def test_local_days_follow_the_time_zone(protocol) -> None:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: inside the window there.
    late = synthetic_session(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    assert build_insights([late], protocol, TODAY, ZoneInfo("Europe/Berlin")).days_done == 1
    assert build_insights([late], protocol, TODAY, UTC).days_done == 0
