"""Charts as server-side SVG: no JavaScript library, nothing downloaded, readable offline.

Each function returns markup for an ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` that say in words what the chart shows; the page adds a data table as well.
Colours come from CSS classes (see ``static/css/app.css``) so contrast lives in one place.
The hip extension and pain charts have a date axis (a day without a session is a gap); every
axis label is anchored so it stays inside the chart; legends list only series with data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

from hipflex.domain.protocol import Side
from hipflex.insights.history_view import PainPoint, SidePoint, WeekSeconds
from hipflex.insights.wording import plural

WIDTH = 640
HEIGHT = 260
LEFT = 48
RIGHT = 16
TOP = 28  # room for the legend above the plot
BOTTOM = 40
MIN_SPAN_DAYS = 14  # a date axis covers at least two weeks, so one day is not a wide smear
MAX_DATE_TICKS = 6
MIN_WEEK_SLOTS = 4  # the weekly bars keep a week's width even in a user's first weeks


@dataclass(frozen=True)
class ChartSize:
    """A chart's drawing width in SVG units, and what fits along it."""

    width: int
    date_ticks: int  # at most this many dates on a date axis
    label_every: int  # on the weekly chart, label every n-th week (always the latest)
    short_legend: bool  # "right" for "right side", "before" for "before a session"


WIDE = ChartSize(WIDTH, MAX_DATE_TICKS, 1, False)
# A phone's width: the page draws this one below 560 px, so 13 px text stays about 12 px
# on a 390 px screen (the wide one scaled down shows it at about 7 px).
NARROW = ChartSize(360, 4, 2, True)


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (x in days from the axis start, value); ``css`` is its class."""

    label: str
    css: str
    points: Sequence[tuple[float, float]]
    tips: Sequence[str] = ()  # a tooltip per point
    short_label: str = ""  # the legend's word on a narrow chart

    def legend(self, size: ChartSize) -> str:
        return self.short_label if size.short_legend and self.short_label else self.label


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000):
        if value <= step * 5:
            return float(step * 5)
    return float(value)


def _tick(x: float, label: str, width: int = WIDTH) -> str:
    """An x-axis label kept inside the chart: start-anchored at the left edge, end-anchored
    at the right, centred between."""
    half_width = 4 * len(label)  # about 8 px per character at 13 px
    anchor, shift = "middle", 0.0
    if x - half_width < 0:
        anchor, shift = "start", -min(x - LEFT, 0)
    elif x + half_width > width:
        anchor = "end"
        shift = width - 2 - x
    return (
        f'<text class="tick" x="{x + shift:.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="{anchor}">{escape(label)}</text>'
    )


def _frame(
    title: str, desc: str, body: list[str], y_max: float, y_label: str, width: int = WIDTH
) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    for i in range(6):
        value = y_max * i / 5
        y = TOP + plot_h - plot_h * i / 5
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{value:g}</text>"
        )
    parts.append(
        f'<text class="axis-label" x="12" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2:.0f})">{escape(y_label)}</text>'
    )
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))


def _empty(title: str, message: str, width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg class="chart chart-empty" viewBox="0 0 {width} 80" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<text class="empty" x="{width / 2}" y="45" text-anchor="middle">{escape(message)}'
        "</text></svg>"
    )


def _legend(entries: Sequence[tuple[str, str]]) -> list[str]:
    """Legend above the plot: (label, css class) for each series that has data."""
    body: list[str] = []
    x = LEFT + 8
    for label, css in entries:
        body.append(
            f'<circle class="dot {escape(css)}" cx="{x}" cy="{TOP - 14}" r="5"/>'
            f'<text class="legend" x="{x + 10}" y="{TOP - 10}">{escape(label)}</text>'
        )
        x += 24 + 8 * len(label)
    return body


def weeks_since_first_use(weeks: Sequence[WeekSeconds]) -> list[WeekSeconds]:
    """The weeks from the first with a dose (the one of the first counted session) on: the
    weeks before it have nothing to show, not a dose of 0 s."""
    for index, week in enumerate(weeks):
        if week.dose_s or any(week.counted_s.values()):
            return list(weeks[index:])
    return []


def weekly_dose_chart(
    weeks: Sequence[WeekSeconds], sides: Sequence[Side], size: ChartSize = WIDE
) -> Markup:
    """Grouped bars: counted seconds per side per week (seven days, the last ending today),
    with each week's dose as a dashed mark."""
    title = "Counted hold seconds per side per week, against the weekly dose"
    if not weeks:
        return _empty(title, "No sessions counted yet", size.width)
    shown = [s for s in sides if any(w.counted_s.get(s, 0.0) for w in weeks)] or list(sides)
    top = max([*(w.dose_s for w in weeks), *(v for w in weeks for v in w.counted_s.values())])
    y_max = _nice_max(top * 1.05 if top else 1)
    plot_w = size.width - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(len(weeks), MIN_WEEK_SLOTS)  # one week is not a wall of colour
    bar_w = group_w * 0.7 / max(len(shown), 1)
    suffix = "" if size.short_legend else " side"
    body = _legend([(f"{side.value}{suffix}", f"side-{side.value}") for side in shown])
    for index, week in enumerate(weeks):
        x0 = LEFT + index * group_w + group_w * 0.15
        for position, side in enumerate(shown):
            value = week.counted_s.get(side, 0.0)
            height = plot_h * value / y_max
            x = x0 + position * bar_w
            y = TOP + plot_h - height
            body.append(
                f'<rect class="bar side-{side.value}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w - 2:.1f}" height="{height:.1f}">'
                f"<title>{escape(side.value)} side, {week.week.label()}: "
                f"{value:.0f} s of {week.dose_s} s</title></rect>"
            )
        if week.dose_s:
            y_dose = TOP + plot_h - plot_h * week.dose_s / y_max
            body.append(
                f'<line class="dose" x1="{x0 - 4:.1f}" x2="{x0 + group_w * 0.7 + 4:.1f}" '
                f'y1="{y_dose:.1f}" y2="{y_dose:.1f}"><title>dose for {week.week.label()}: '
                f"{week.dose_s} s</title></line>"
            )
        if (len(weeks) - 1 - index) % size.label_every == 0:
            body.append(_tick(x0 + group_w * 0.35, f"{week.week.last_day:%d %b}", size.width))
    latest = weeks[-1]
    body.append(
        f'<text class="dose-label" x="{size.width - RIGHT}" y="{TOP - 10}" text-anchor="end">'
        f"{'' if size.short_legend else 'dashed: '}dose {latest.dose_s} s</text>"
    )
    desc = f"{plural(len(weeks), 'week')} of seven days, each labelled by its last day. "
    desc += "Last 7 days: "
    desc += ", ".join(f"{side.value} {latest.counted_s.get(side, 0.0):.0f} s" for side in sides)
    desc += f" of a dose of {latest.dose_s} s per side."
    return _frame(title, desc, body, y_max, "seconds", size.width)


def date_chart(
    title: str,
    desc: str,
    first_day: date,
    last_day: date,
    series: Sequence[Series],
    y_max: float,
    y_label: str,
    size: ChartSize = WIDE,
) -> Markup:
    """Lines over dates: x is days from ``first_day`` (fractions are times of day)."""
    if not any(s.points for s in series):
        return _empty(title, "Nothing recorded yet", size.width)
    plot_w = size.width - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    span = max((last_day - first_day).days + 1, 1)

    def xy(day_x: float, value: float) -> tuple[float, float]:
        x = LEFT + plot_w * min(max(day_x, 0.0), span) / span
        y = TOP + plot_h - plot_h * max(0.0, min(value, y_max)) / y_max
        return x, y

    body: list[str] = []
    step = max(1, -(-span // size.date_ticks))
    for offset in range(0, span, step):
        x, _ = xy(offset + 0.5, 0)
        body.append(_tick(x, f"{first_day + timedelta(days=offset):%d %b}", size.width))
    drawn = [line for line in series if line.points]
    for line in drawn:
        coords = [xy(x, v) for x, v in line.points]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline class="line {escape(line.css)}" points="{path}"/>')
        tips = list(line.tips) or [f"{v:g}" for _, v in line.points]
        for (x, y), tip in zip(coords, tips, strict=True):
            body.append(
                f'<circle class="dot {escape(line.css)}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
                f"<title>{escape(line.label)}, {escape(tip)}</title></circle>"
            )
    body += _legend([(line.legend(size), line.css) for line in drawn])
    return _frame(title, desc, body, y_max, y_label, size.width)


def _axis_days(days: Sequence[date], today: date) -> tuple[date, date]:
    """From the first day with data (at least two weeks back) to today."""
    first = min([*days, today - timedelta(days=MIN_SPAN_DAYS - 1)])
    return first, today


def hip_extension_chart(points: Sequence[SidePoint], today: date, size: ChartSize = WIDE) -> Markup:
    """Hip extension reached per side per camera session, degrees, by date."""
    title = "Hip extension reached per side (camera sessions), degrees"
    first_day, last_day = _axis_days([p.day for p in points], today)
    sides = [side for side in Side if any(p.side is side for p in points)]
    series = [
        Series(
            f"{side.value} side",
            f"side-{side.value}",
            [(_noon_x(p.day, first_day), round(p.hip_extension_max_deg, 1)) for p in own],
            [f"{p.day:%d %b}: {p.hip_extension_max_deg:.1f}°" for p in own],
            side.value,
        )
        for side in sides
        if (own := [p for p in points if p.side is side])
    ]
    top = max((p.hip_extension_max_deg for p in points), default=0.0)
    days = len({p.day for p in points})
    latest = ", ".join(
        f"{side.value} {next(p for p in reversed(points) if p.side is side).hip_extension_max_deg:.0f}°"
        for side in sides
    )
    desc = f"{plural(len(points), 'measurement')} on {plural(days, 'day')}." + (
        f" Latest: {latest}." if latest else ""
    )
    y_max = _nice_max(max(top * 1.1, 20))
    return date_chart(title, desc, first_day, last_day, series, y_max, "degrees", size)


def pain_chart(points: Sequence[PainPoint], today: date, size: ChartSize = WIDE) -> Markup:
    """Pain by date: before and after sessions, and check-ins, 0–10."""
    title = "Pain by date (0 = none, 10 = worst)"
    first_day, last_day = _axis_days([p.day for p in points], today)
    series = []
    for label, css, field in (
        ("before a session", "pain-before", "before"),
        ("after a session", "pain-after", "after"),
        ("check-in", "pain-checkin", "checkin"),
    ):
        own = [(p, value) for p in points if (value := getattr(p, field)) is not None]
        series.append(
            Series(
                label,
                css,
                [(_noon_x(p.day, first_day), float(value)) for p, value in own],
                [f"{p.day:%d %b}: {value}" for p, value in own],
                label.split()[0],
            )
        )
    days = len({p.day for p in points})
    desc = f"Pain rated on {plural(days, 'day')}."
    if points:
        latest = points[-1]
        value = next(v for v in (latest.checkin, latest.after, latest.before) if v is not None)
        desc += f" Latest: {value} on {latest.day:%d %b}."
    return date_chart(title, desc, first_day, last_day, series, 10.0, "pain", size)


def responsive(draw: Callable[..., Markup], *args: object) -> Markup:
    """The chart ``draw(*args)`` twice, wide and narrow; the stylesheet shows the one that
    fits the screen (a wide chart scaled to a phone shrinks its text to about 7 px)."""
    return Markup(
        f'<div class="chart-variant chart-wide">{draw(*args, size=WIDE)}</div>'
        f'<div class="chart-variant chart-narrow">{draw(*args, size=NARROW)}</div>'
    )


def _noon_x(day: date, first_day: date) -> float:
    """A day's position on a date axis: the middle of its column."""
    return (day - first_day).days + 0.5
