"""The plain-language summary: what a person (and their physiotherapist) reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import PainCheckInRecord, SessionRecord
from hipflex.insights.sentences import CAVEAT
from hipflex.insights.summary import build_insights
from hipflex.insights.synthetic import synthetic_session
from hipflex.protocols.loader import load_protocol

TODAY = date(2026, 3, 29)  # the 4-week window is 2 March – 29 March
FIRST = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("kneeling-hip-flexor")


def text_of(sessions: list[SessionRecord], protocol: Protocol, **kwargs: object) -> str:
    return " ".join(build_insights(sessions, protocol, TODAY, UTC, **kwargs).sentences)  # type: ignore[arg-type]


def test_zero_sessions_is_a_friendly_empty_state(protocol: Protocol) -> None:
    insights = build_insights([], protocol, TODAY, UTC)
    assert insights.empty
    assert insights.days_done == 0 and insights.days_planned == 0
    assert (
        len(insights.sentences) == 1
        and "No sessions in the last 4 weeks yet" in insights.sentences[0]
    )
    assert insights.to_json()["sessions"] == 0


def example_history() -> list[SessionRecord]:
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
    return sessions


def test_example_history_reads_like_the_issue(protocol: Protocol) -> None:
    insights = build_insights(example_history(), protocol, TODAY, UTC)
    text = " ".join(insights.sentences)
    assert insights.days_done == 24
    assert "Over the last 4 weeks you stretched on 24 of 28 days." in text
    # 6 sessions a week × 4 × 30 s = 720 s per side of 840 s.
    assert "720 s on your right side (86%) and 720 s on your left side (86%) a week" in text
    assert (
        "Your right hip extension went from about 6° to 12° between 02 Mar and 23 Mar "
        "(4 days with camera sessions; +2.0° a week, 95% interval +2.0 to +2.0)." in text
    )
    # changes alternate −1 … −2 … : mean −1.5 over 24 sessions
    assert "Your pain after stretching is on average 1.5 points lower than before" in text
    assert "Every day with a pain rating also had a completed session" in text
    assert CAVEAT in text
    data = insights.to_json()
    right = data["hip_extension"]["sides"]["right"]
    assert right["slope_deg_per_week"]["estimate"] == pytest.approx(2.0)
    assert right["verdict"] == "enough" and right["days"] == 4
    assert data["adherence"] == {"days_done": 24, "days_planned": 28, "active_days": 28}


def test_sessions_minutes_apart_give_no_trend_anywhere(protocol: Protocol) -> None:
    # The issue: "went from 41° to 41° over 3 camera sessions (+2280.5° a week, ...)".
    sessions = [
        synthetic_session(
            datetime(2026, 3, 28, 7, m, tzinfo=UTC), extension_deg={Side.RIGHT: value}
        )
        for m, value in ((0, 40.0), (6, 42.0), (12, 41.0))
    ]
    insights = build_insights(sessions, protocol, TODAY, UTC)
    text = " ".join(insights.sentences)
    assert (
        "Your right hip extension was 41° on 28 Mar (3 camera sessions); not enough data for a "
        "trend yet (only 1 day so far; it needs camera sessions on at least 4 days spread over "
        "14 days or more)." in text
    )
    assert "a week" not in text.split("right hip extension")[1].split(".")[0]
    assert insights.to_json()["hip_extension"]["sides"]["right"]["slope_deg_per_week"] is None


@pytest.mark.parametrize(
    ("days", "words"),
    [
        ([27, 28], "was 10° on 27 Mar and 10° on 28 Mar (2 camera sessions)"),
        ([20, 22, 24, 26, 28], "measured in 5 camera sessions on 5 days (latest 10°); not enough"),
    ],
)
def test_two_days_or_a_short_span_give_no_trend(
    protocol: Protocol, days: list[int], words: str
) -> None:
    sessions = [
        synthetic_session(datetime(2026, 3, d, 7, tzinfo=UTC), extension_deg={Side.RIGHT: 10})
        for d in days
    ]
    text = text_of(sessions, protocol)
    assert words in text and "° a week" not in text


def test_one_session(protocol: Protocol) -> None:
    one = synthetic_session(
        datetime(2026, 3, 28, 7, tzinfo=UTC),
        extension_deg={Side.RIGHT: 9},
        pain_before=5,
        pain_after=4,
    )
    text = text_of([one], protocol)
    assert "Since your first session on 28 Mar you stretched on 1 of 2 days." in text
    assert "Your right hip extension was 9° on 28 Mar (1 camera session)" in text
    assert "Your left side has no camera measurements yet." in text
    assert "Only 1 session has pain rated both before and after: too few" in text
    assert CAVEAT not in text


def test_a_new_user_is_measured_from_the_first_session(protocol: Protocol) -> None:
    sessions = [synthetic_session(datetime(2026, 3, d, 7, tzinfo=UTC)) for d in (26, 27, 29)]
    insights = build_insights(sessions, protocol, TODAY, UTC)
    assert insights.active_days == 4 and insights.days_planned == 4
    text = " ".join(insights.sentences)
    assert "Since your first session on 26 Mar you stretched on 3 of 4 days." in text
    assert "In your first 4 days you held the stretch 360 s on your right side (75%)" in text
    # The same sessions for someone who started long ago: the whole window counts.
    older = build_insights(
        sessions, protocol, TODAY, UTC, first_use=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert "Over the last 4 weeks you stretched on 3 of 28 days." in " ".join(older.sentences)


def test_extra_sessions_on_one_day_do_not_inflate_the_dose(protocol: Protocol) -> None:
    # The issue: "114 %" at 22 of 28 days. Three sessions a day on 22 days.
    sessions = [
        synthetic_session(FIRST + timedelta(days=d, hours=h))
        for d in range(28)
        if d % 9 not in (3, 4)
        for h in (0, 5, 10)
    ]
    insights = build_insights(sessions, protocol, TODAY, UTC)
    assert insights.days_done == 22
    fraction = insights.dose_fraction(Side.RIGHT)
    assert fraction == pytest.approx(22 / 28)
    assert "(79%)" in " ".join(insights.sentences)


def test_all_pain_missing_and_no_camera(protocol: Protocol) -> None:
    sessions = [synthetic_session(FIRST + timedelta(days=d)) for d in range(5)]
    text = text_of(sessions, protocol)
    assert "You have not rated your pain yet" in text
    assert "No camera sessions yet" in text


def test_asymmetry_is_flagged_in_words(protocol: Protocol) -> None:
    sessions = [
        synthetic_session(
            FIRST + timedelta(days=7 * w), extension_deg={Side.RIGHT: 12, Side.LEFT: 5}
        )
        for w in range(3)
    ]
    text = text_of(sessions, protocol)
    assert "Your right hip reaches 7° more extension than the other" in text
    assert "more than the 5° the camera can tell apart" in text


def test_window_excludes_older_sessions_and_counts_partial_days(protocol: Protocol) -> None:
    old = synthetic_session(datetime(2026, 2, 1, 7, tzinfo=UTC))
    partial = synthetic_session(FIRST, status=SessionStatus.PARTIAL, reps=2)
    insights = build_insights([old, partial], protocol, TODAY, UTC, weeks=4)
    assert insights.sessions == 1
    assert insights.days_done == 0
    assert "started but did not finish on 1 more" in insights.sentences[0]
    assert insights.week_doses[0].counted_s(Side.RIGHT) == 60.0


def test_local_days_follow_the_time_zone(protocol: Protocol) -> None:
    from zoneinfo import ZoneInfo

    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: inside the window there.
    late = synthetic_session(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    assert build_insights([late], protocol, TODAY, ZoneInfo("Europe/Berlin")).days_done == 1
    assert build_insights([late], protocol, TODAY, UTC).days_done == 0


def test_demos_are_left_out_and_said_so(protocol: Protocol) -> None:
    real = example_history()
    demo = replace(synthetic_session(datetime(2026, 3, 29, 9, tzinfo=UTC)), id="demo", demo=True)
    insights = build_insights([*real, demo], protocol, TODAY, UTC)
    assert insights.sessions == len(real) and insights.demo_sessions == 1
    assert "1 demo session left out of these figures" in " ".join(insights.sentences)
    counted = build_insights([*real, demo], protocol, TODAY, UTC, include_demo=True)
    assert counted.sessions == len(real) + 1 and counted.demo_sessions == 0


def test_checkins_alone_make_a_summary(protocol: Protocol) -> None:
    checkins = [
        PainCheckInRecord(f"c{d}", date(2026, 3, d), 5, datetime(2026, 3, d, 20, tzinfo=UTC))
        for d in (27, 28)
    ]
    insights = build_insights([], protocol, TODAY, UTC, checkins=checkins)
    assert not insights.empty
    text = " ".join(insights.sentences)
    assert "No sessions in the last 4 weeks yet" in text
    assert "Whether your pain is falling over the weeks: not enough data" in text
