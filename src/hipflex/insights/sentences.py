"""The plain-language summary of :class:`~hipflex.insights.summary.Insights`, one sentence per
finding. Every figure quoted here passed the rules of :mod:`hipflex.insights.evidence` and
:mod:`hipflex.insights.pain`; below them the sentence says what is missing instead.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from hipflex.domain.protocol import Side
from hipflex.insights.evidence import HIP_EXTENSION_TREND, PAIN_TREND, DailyTrend, Verdict
from hipflex.insights.intervals import Interval
from hipflex.insights.pain import MIN_DAYS_PER_GROUP, MIN_PAIRS, PainAnalysis
from hipflex.insights.trends import RangeOfMotion, SideTrend, recent_mean
from hipflex.insights.wording import plural

if TYPE_CHECKING:
    from hipflex.insights.summary import Insights

CAVEAT = (
    "These are your own numbers, not a clinical trial: days differ in many ways besides "
    "stretching, so read them as a hint to discuss with your physiotherapist."
)
LISTED_DAYS = 3  # below a trend, up to this many days' values are quoted one by one


def summary_sentences(insights: Insights) -> list[str]:
    """The plain-language summary, one sentence per finding."""
    weeks = "week" if insights.weeks == 1 else f"{insights.weeks} weeks"
    sentences: list[str] = []
    if insights.sessions == 0:
        sentences.append(
            f"No sessions in the last {weeks} yet. Start one with `hipflex start` (or open "
            "hipflex in the browser); this summary fills in as you go."
        )
    else:
        sentences += [adherence_sentence(insights, weeks), dose_sentence(insights)]
        sentences += range_of_motion_sentences(insights.range_of_motion)
    if insights.sessions or insights.pain.any_ratings:
        sentences += pain_sentences(insights.pain)
    if insights.demo_sessions:
        sentences.append(
            f"{plural(insights.demo_sessions, 'demo session')} left out of these figures "
            "(add --include-demo to count them)."
        )
    return sentences


def adherence_sentence(insights: Insights, weeks: str) -> str:
    done = insights.days_done
    if insights.active_days == 1 and insights.first_use == insights.today:
        return "Your first session was today: welcome. The figures fill in from here."
    if insights.started_in_window and insights.first_use is not None:
        opening = f"Since your first session on {_day(insights.first_use)} you stretched on"
        total = insights.active_days
    else:
        opening = f"Over the last {weeks} you stretched on"
        total = len(insights.days)
    if insights.protocol.days_per_week == 7:
        text = f"{opening} {done} of {plural(total, 'day')}"
    else:
        text = f"{opening} {plural(done, 'day')} (planned: {insights.days_planned})"
    partial = sum(1 for d in insights.days if d.started and not d.done)
    if partial:
        text += f", and started but did not finish on {partial} more"
    return text + "."


def dose_sentence(insights: Insights) -> str:
    dose = insights.protocol.weekly_dose_s()
    cap = insights.protocol.session_dose_s()
    if insights.active_days == 1:
        parts = [
            f"{insights.counted_s(side):.0f} s on your {side.value} side"
            for side in insights.protocol.sides
        ]
        return (
            f"Today you held the stretch {' and '.join(parts)}, against a daily dose of {cap} s "
            "per side."
        )
    if insights.active_days < 7:
        parts = []
        for side in insights.protocol.sides:
            fraction = insights.dose_fraction(side) or 0.0
            parts.append(
                f"{insights.counted_s(side):.0f} s on your {side.value} side ({fraction:.0%})"
            )
        return (
            f"In your first {plural(insights.active_days, 'day')} you held the stretch "
            f"{' and '.join(parts)} of the {insights.dose_s(insights.protocol.sides[0])} s "
            f"planned per side for those days (at most {cap} s a day counts)."
        )
    parts = []
    for side in insights.protocol.sides:
        mean = insights.mean_weekly_s(side)
        parts.append(f"{mean:.0f} s on your {side.value} side ({mean / dose:.0%})")
    return (
        f"On average you held the stretch {' and '.join(parts)} a week, against a dose of "
        f"{dose} s per side (at most {cap} s a day counts)."
    )


def range_of_motion_sentences(rom: RangeOfMotion) -> list[str]:
    if not rom.measured:
        return [
            "No camera sessions yet: hip extension is measured when you stretch in front of "
            "the camera (or analyse a video)."
        ]
    sentences = [trend_sentence(trend) for trend in rom.trends.values()]
    if rom.difference_deg is not None and rom.asymmetric:
        right = rom.trends[Side.RIGHT]
        left = rom.trends[Side.LEFT]
        wider = "right" if rom.difference_deg > 0 else "left"
        sentences.append(
            f"Your {wider} hip reaches {abs(rom.difference_deg):.0f}° more extension than the "
            f"other (recent sessions: right {recent_mean(right):.0f}°, left "
            f"{recent_mean(left):.0f}°), more than the {rom.margin_deg:.0f}° the camera can "
            "tell apart: worth showing your physiotherapist."
        )
    return sentences


def trend_sentence(trend: SideTrend) -> str:
    side = trend.side.value
    daily = trend.trend
    if not trend.points:
        return f"Your {side} side has no camera measurements yet."
    if daily.enough and daily.slope is not None:
        slope = daily.slope
        assert daily.first_value is not None and daily.last_value is not None
        text = (
            f"Your {side} hip extension went from about {daily.first_value:.0f}° to "
            f"{daily.last_value:.0f}° between {_day(daily.values[0][0])} and "
            f"{_day(daily.values[-1][0])} ({plural(daily.days, 'day')} with camera sessions; "
            f"{slope.estimate:+.1f}° a week, 95% interval {slope.low:+.1f} to {slope.high:+.1f})"
        )
        if not slope.excludes_zero():
            text += ", not clearly different from no change"
        return text + "."
    sessions = plural(trend.sessions, "camera session")
    if daily.days <= LISTED_DAYS:
        values = " and ".join(f"{v:.0f}° on {_day(d)}" for d, v in daily.values)
        measured = f"Your {side} hip extension was {values} ({sessions})"
    else:
        measured = (
            f"Your {side} hip extension was measured in {sessions} on {plural(daily.days, 'day')}"
            f" (latest {daily.values[-1][1]:.0f}°)"
        )
    return f"{measured}; {_no_trend_yet(daily, HIP_EXTENSION_TREND.requirement('camera sessions'))}"


def pain_sentences(pain: PainAnalysis) -> list[str]:
    if not pain.any_ratings:
        return [
            "You have not rated your pain yet: rate it (0–10) before and after a session, or "
            "on any day with `hipflex pain N`, to see whether stretching helps."
        ]
    sentences = [_before_after_sentence(pain), _days_sentence(pain), _pain_trend_sentence(pain)]
    if pain.before_after.enough or pain.days.enough or pain.trend.enough:
        sentences.append(CAVEAT)
    return sentences


def _before_after_sentence(pain: PainAnalysis) -> str:
    before_after = pain.before_after
    pairs = len(before_after.pairs)
    if before_after.enough and before_after.change is not None:
        change = before_after.change
        direction = "lower" if change.estimate < 0 else "higher"
        text = (
            f"Your pain after stretching is on average {abs(change.estimate):.1f} points "
            f"{direction} than before ({_points_interval(change)}, {plural(pairs, 'session')})"
        )
        if not change.excludes_zero():
            text += ", but the interval includes no change"
        return text + "."
    if pairs >= MIN_PAIRS:
        return (
            f"Your pain before and after {plural(pairs, 'session')} varies too much to say yet "
            "whether stretching changes it."
        )
    if pairs == 0:
        return (
            "No session has pain rated both before and after yet, so whether stretching "
            "changes your pain cannot be said."
        )
    has = "session has" if pairs == 1 else "sessions have"
    return (
        f"Only {pairs} {has} pain rated both before and after: too few (under {MIN_PAIRS}) to "
        "say whether stretching changes your pain."
    )


def _days_sentence(pain: PainAnalysis) -> str:
    days = pain.days
    if days.enough and days.difference is not None:
        difference = days.difference
        direction = "lower" if difference.estimate < 0 else "higher"
        text = (
            f"On days you stretched your pain averaged {abs(difference.estimate):.1f} points "
            f"{direction} than on days you did not ({_points_interval(difference)}, bootstrap; "
            f"{len(days.with_session)} and {plural(len(days.without_session), 'day')})"
        )
        if not difference.excludes_zero():
            text += ", but the interval includes no difference"
        return text + "."
    if not days.without_session:
        return (
            "Every day with a pain rating also had a completed session, so days with and "
            "without stretching cannot be compared yet: rate your pain on other days too "
            "(`hipflex pain N`)."
        )
    return (
        f"Too few rated days to compare days with and without a session "
        f"({len(days.with_session)} and {len(days.without_session)}; "
        f"at least {MIN_DAYS_PER_GROUP} of each are needed)."
    )


def _pain_trend_sentence(pain: PainAnalysis) -> str:
    trend = pain.trend
    if trend.enough and trend.slope is not None:
        slope = trend.slope
        assert trend.first_value is not None and trend.last_value is not None
        if slope.high < 0:
            direction = "is falling"
        elif slope.low > 0:
            direction = "is rising"
        else:
            direction = "shows no clear change"
        return (
            f"Over the weeks your pain {direction}: about {trend.first_value:.1f} on "
            f"{_day(trend.values[0][0])} and {trend.last_value:.1f} on "
            f"{_day(trend.values[-1][0])} ({slope.estimate:+.1f} points a week, "
            f"95% interval {slope.low:+.1f} to {slope.high:+.1f}; "
            f"{plural(trend.days, 'rated day')})."
        )
    requirement = PAIN_TREND.requirement("pain ratings")
    return f"Whether your pain is falling over the weeks: {_no_trend_yet(trend, requirement)}"


def _no_trend_yet(trend: DailyTrend, requirement: str) -> str:
    if trend.verdict is Verdict.TOO_UNCERTAIN:
        return (
            f"not enough data for a trend yet: the values vary more than "
            f"{plural(trend.span_days, 'day')} can resolve."
        )
    return f"not enough data for a trend yet ({trend.shortfall()}; it needs {requirement})."


def _points_interval(interval: Interval) -> str:
    return f"95% interval {interval.low:+.1f} to {interval.high:+.1f} points"


def _day(day: date) -> str:
    return f"{day:%d %b}"
