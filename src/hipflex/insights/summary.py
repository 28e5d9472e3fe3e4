"""Everything ``hipflex insights`` and the report show, and the plain-language summary.

Pure: records, the protocol, today's date and the time zone go in. The window is the last
``weeks`` × 7 local days ending today; dose is counted in 7-day blocks of that window (so every
block is a whole week, the last one ending today).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord
from hipflex.insights.intervals import Interval
from hipflex.insights.pain import MIN_DAYS_PER_GROUP, MIN_PAIRS, PainAnalysis, analyse_pain
from hipflex.insights.stats import local_day
from hipflex.insights.trends import (
    DEFAULT_MARGIN_DEG,
    MIN_SESSIONS_FOR_SLOPE,
    RangeOfMotion,
    SideTrend,
    range_of_motion,
)

CAVEAT = (
    "These are your own numbers, not a clinical trial: days differ in many ways besides "
    "stretching, so read them as a hint to discuss with your physiotherapist."
)


@dataclass(frozen=True)
class DayStatus:
    day: date
    done: bool  # a completed session
    started: bool  # any session, completed or not
    counted_s: float


@dataclass(frozen=True)
class WeekDose:
    """Counted hold seconds per side in one 7-day block, against the weekly dose per side."""

    first_day: date
    counted_s: dict[Side, float]
    dose_s: int


@dataclass(frozen=True)
class PainPoint:
    """A session's pain ratings (0–10), for charts."""

    at: datetime
    before: int | None
    after: int | None


@dataclass(frozen=True)
class SessionNote:
    day: date
    text: str


@dataclass(frozen=True)
class Insights:
    protocol: Protocol
    today: date
    first_day: date
    weeks: int
    sessions: int  # sessions started in the window
    days: tuple[DayStatus, ...]
    days_planned: int
    week_doses: tuple[WeekDose, ...]
    range_of_motion: RangeOfMotion
    pain: PainAnalysis
    pain_points: tuple[PainPoint, ...]
    notes: tuple[SessionNote, ...]
    sentences: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return self.sessions == 0

    @property
    def days_done(self) -> int:
        return sum(1 for day in self.days if day.done)

    def mean_weekly_s(self, side: Side) -> float:
        if not self.week_doses:
            return 0.0
        return sum(w.counted_s.get(side, 0.0) for w in self.week_doses) / len(self.week_doses)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (degrees and points to 0.01, seconds to 0.1)."""
        rom = self.range_of_motion
        pain = self.pain
        return {
            "protocol": self.protocol.name,
            "window": {
                "first_day": self.first_day.isoformat(),
                "last_day": self.today.isoformat(),
                "weeks": self.weeks,
            },
            "sessions": self.sessions,
            "adherence": {"days_done": self.days_done, "days_planned": self.days_planned},
            "dose": {
                "weekly_dose_s": self.protocol.weekly_dose_s(),
                "mean_weekly_s": {
                    side.value: round(self.mean_weekly_s(side), 1) for side in self.protocol.sides
                },
                "weeks": [
                    {
                        "first_day": w.first_day.isoformat(),
                        "counted_s": {s.value: round(v, 1) for s, v in w.counted_s.items()},
                        "dose_s": w.dose_s,
                    }
                    for w in self.week_doses
                ],
            },
            "hip_extension": {
                "margin_deg": rom.margin_deg,
                "difference_deg": _r(rom.difference_deg),
                "asymmetric": rom.asymmetric,
                "sides": {side.value: _trend_json(trend) for side, trend in rom.trends.items()},
            },
            "pain": {
                "rated_sessions": pain.rated_sessions,
                "before_after": {
                    "pairs": len(pain.before_after.pairs),
                    "before_mean": _r(pain.before_after.before_mean),
                    "after_mean": _r(pain.before_after.after_mean),
                    "change": _interval_json(pain.before_after.change),
                    "enough": pain.before_after.enough,
                },
                "days": {
                    "with_session": len(pain.days.with_session),
                    "without_session": len(pain.days.without_session),
                    "difference": _interval_json(pain.days.difference),
                    "enough": pain.days.enough,
                },
            },
            "notes": [{"day": n.day.isoformat(), "text": n.text} for n in self.notes],
            "summary": list(self.sentences),
        }


def build_insights(
    sessions: Sequence[SessionRecord],
    protocol: Protocol,
    today: date,
    tz: tzinfo,
    *,
    weeks: int = 4,
    margin_deg: float = DEFAULT_MARGIN_DEG,
) -> Insights:
    """Insights over the ``weeks`` × 7 days ending ``today`` (sessions outside are ignored)."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    first_day = today - timedelta(days=7 * weeks - 1)
    window = sorted(
        (s for s in sessions if first_day <= local_day(s.started_at, tz) <= today),
        key=lambda s: s.started_at,
    )
    insights = Insights(
        protocol=protocol,
        today=today,
        first_day=first_day,
        weeks=weeks,
        sessions=len(window),
        days=_days(window, first_day, today, tz),
        days_planned=weeks * protocol.days_per_week,
        week_doses=_week_doses(window, protocol, first_day, weeks, tz),
        range_of_motion=range_of_motion(window, protocol.sides, margin_deg=margin_deg),
        pain=analyse_pain(window, tz),
        pain_points=tuple(
            PainPoint(s.started_at, s.pain_before, s.pain_after)
            for s in window
            if s.pain_before is not None or s.pain_after is not None
        ),
        notes=tuple(
            SessionNote(local_day(note.created_at, tz), note.text)
            for s in window
            for note in s.notes
            if note.text.strip()
        ),
        sentences=(),
    )
    return _with_sentences(insights)


def summary_sentences(insights: Insights) -> list[str]:
    """The plain-language summary, one sentence per finding."""
    weeks = "week" if insights.weeks == 1 else f"{insights.weeks} weeks"
    if insights.empty:
        return [
            f"No sessions in the last {weeks} yet. Start one with `hipflex start` (or open "
            "hipflex in the browser); this summary fills in as you go."
        ]
    sentences = [_adherence_sentence(insights, weeks), _dose_sentence(insights)]
    sentences += _range_of_motion_sentences(insights.range_of_motion)
    sentences += _pain_sentences(insights.pain)
    return sentences


def _with_sentences(insights: Insights) -> Insights:
    from dataclasses import replace

    return replace(insights, sentences=tuple(summary_sentences(insights)))


def _adherence_sentence(insights: Insights, weeks: str) -> str:
    total_days = 7 * insights.weeks
    done = insights.days_done
    if insights.protocol.days_per_week == 7:
        text = f"Over the last {weeks} you stretched on {done} of {total_days} days"
    else:
        text = (
            f"Over the last {weeks} you stretched on {done} days (planned: {insights.days_planned})"
        )
    partial = sum(1 for d in insights.days if d.started and not d.done)
    if partial:
        text += f", and started but did not finish on {partial} more"
    return text + "."


def _dose_sentence(insights: Insights) -> str:
    dose = insights.protocol.weekly_dose_s()
    parts = []
    for side in insights.protocol.sides:
        mean = insights.mean_weekly_s(side)
        parts.append(f"{mean:.0f} s on your {side.value} side ({mean / dose:.0%})")
    return (
        f"On average you held the stretch {' and '.join(parts)} a week, "
        f"against a dose of {dose} s per side."
    )


def _range_of_motion_sentences(rom: RangeOfMotion) -> list[str]:
    if not rom.measured:
        return [
            "No camera sessions yet: hip extension is measured when you stretch in front of "
            "the camera (or analyse a video)."
        ]
    sentences = [_trend_sentence(trend) for trend in rom.trends.values()]
    if rom.difference_deg is not None and rom.asymmetric:
        right = rom.trends[Side.RIGHT]
        left = rom.trends[Side.LEFT]
        wider = "right" if rom.difference_deg > 0 else "left"
        sentences.append(
            f"Your {wider} hip reaches {abs(rom.difference_deg):.0f}° more extension than the "
            f"other (recent sessions: right {_recent(right):.0f}°, left {_recent(left):.0f}°), "
            f"more than the {rom.margin_deg:.0f}° the camera can tell apart: worth showing "
            "your physiotherapist."
        )
    return sentences


def _trend_sentence(trend: SideTrend) -> str:
    side = trend.side.value
    if not trend.points:
        return f"Your {side} side has no camera measurements yet."
    if trend.slope is None:
        count = trend.sessions
        values = " and ".join(f"{p.hip_extension_deg:.0f}°" for p in trend.points)
        plural = "session" if count == 1 else "sessions"
        return (
            f"Your {side} hip extension was measured in {count} camera {plural} ({values}); "
            f"a trend needs at least {MIN_SESSIONS_FOR_SLOPE}."
        )
    slope = trend.slope
    assert trend.first_deg is not None and trend.last_deg is not None
    text = (
        f"Your {side} hip extension went from {trend.first_deg:.0f}° to {trend.last_deg:.0f}° "
        f"over {trend.sessions} camera sessions ({slope.estimate:+.1f}° a week, 95% interval "
        f"{slope.low:+.1f} to {slope.high:+.1f})"
    )
    if not slope.excludes_zero():
        text += ", not clearly different from no change"
    return text + "."


def _pain_sentences(pain: PainAnalysis) -> list[str]:
    if not pain.any_ratings:
        return [
            "You have not rated your pain yet: rate it (0–10) before and after a session to "
            "see whether stretching helps."
        ]
    sentences = []
    before_after = pain.before_after
    pairs = len(before_after.pairs)
    if before_after.enough and before_after.change is not None:
        change = before_after.change
        direction = "lower" if change.estimate < 0 else "higher"
        text = (
            f"Your pain after stretching is on average {abs(change.estimate):.1f} points "
            f"{direction} than before ({_points_interval(change)}, {pairs} sessions)"
        )
        if not change.excludes_zero():
            text += ", but the interval includes no change"
        sentences.append(text + ".")
    else:
        sentences.append(
            f"Only {pairs} session{'s have' if pairs != 1 else ' has'} pain rated both before "
            f"and after: too few (under {MIN_PAIRS}) to say whether stretching changes your pain."
        )
    days = pain.days
    if days.enough and days.difference is not None:
        difference = days.difference
        direction = "lower" if difference.estimate < 0 else "higher"
        text = (
            f"On days you stretched your pain averaged {abs(difference.estimate):.1f} points "
            f"{direction} than on days you did not ({_points_interval(difference)}, bootstrap; "
            f"{len(days.with_session)} and {len(days.without_session)} days)"
        )
        if not difference.excludes_zero():
            text += ", but the interval includes no difference"
        sentences.append(text + ".")
    elif not days.without_session:
        sentences.append(
            "Every day with a pain rating also had a completed session, so days with and "
            "without stretching cannot be compared yet."
        )
    else:
        sentences.append(
            f"Too few rated days to compare days with and without a session "
            f"({len(days.with_session)} and {len(days.without_session)}; "
            f"at least {MIN_DAYS_PER_GROUP} of each are needed)."
        )
    if before_after.enough or days.enough:
        sentences.append(CAVEAT)
    return sentences


def _points_interval(interval: Interval) -> str:
    return f"95% interval {interval.low:+.1f} to {interval.high:+.1f} points"


def _recent(trend: SideTrend) -> float:
    recent = trend.points[-3:]
    return sum(p.hip_extension_deg for p in recent) / len(recent)


def _days(
    sessions: Sequence[SessionRecord], first_day: date, today: date, tz: tzinfo
) -> tuple[DayStatus, ...]:
    done: set[date] = set()
    started: set[date] = set()
    counted: dict[date, float] = {}
    for session in sessions:
        day = local_day(session.started_at, tz)
        started.add(day)
        if session.status is SessionStatus.COMPLETED:
            done.add(day)
        counted[day] = counted.get(day, 0.0) + sum(h.counted_s for h in session.holds)
    span = (today - first_day).days + 1
    days = (first_day + timedelta(days=offset) for offset in range(span))
    return tuple(DayStatus(d, d in done, d in started, counted.get(d, 0.0)) for d in days)


def _week_doses(
    sessions: Sequence[SessionRecord], protocol: Protocol, first_day: date, weeks: int, tz: tzinfo
) -> tuple[WeekDose, ...]:
    blocks = []
    for index in range(weeks):
        start = first_day + timedelta(days=7 * index)
        end = start + timedelta(days=6)
        counted: dict[Side, float] = dict.fromkeys(protocol.sides, 0.0)
        for session in sessions:
            if start <= local_day(session.started_at, tz) <= end:
                for side, seconds in session.counted_s_by_side().items():
                    counted[side] = counted.get(side, 0.0) + seconds
        blocks.append(WeekDose(start, counted, protocol.weekly_dose_s()))
    return tuple(blocks)


def _trend_json(trend: SideTrend) -> dict[str, Any]:
    return {
        "sessions": trend.sessions,
        "points": [
            {"at": _iso(p.at), "session_id": p.session_id, "deg": round(p.hip_extension_deg, 2)}
            for p in trend.points
        ],
        "first_deg": _r(trend.first_deg),
        "last_deg": _r(trend.last_deg),
        "slope_deg_per_week": _interval_json(trend.slope),
    }


def _interval_json(interval: Interval | None) -> dict[str, float] | None:
    if interval is None:
        return None
    return {
        "estimate": round(interval.estimate, 3),
        "low": round(interval.low, 3),
        "high": round(interval.high, 3),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
