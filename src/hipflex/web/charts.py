"""Charts as server-side SVG: no JavaScript library, nothing downloaded, readable offline.

Each function returns markup for an ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` that say in words what the chart shows; the page adds a data table as well.
Colours come from CSS classes (see ``static/css/app.css``) so contrast lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from hipflex.domain.protocol import Side
from hipflex.insights.history_view import PainPoint, SidePoint, WeekSeconds

WIDTH = 640
HEIGHT = 260
LEFT = 48
RIGHT = 16
TOP = 16
BOTTOM = 40


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (x index, value); ``css`` names its colour class."""

    label: str
    css: str
    points: Sequence[tuple[int, float]]


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000):
        if value <= step * 5:
            return float(step * 5)
    return float(value)


def _frame(title: str, desc: str, body: list[str], y_max: float, y_label: str) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    for i in range(6):
        value = y_max * i / 5
        y = TOP + plot_h - plot_h * i / 5
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
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


def _empty(title: str, message: str) -> Markup:
    return Markup(
        f'<svg class="chart chart-empty" viewBox="0 0 {WIDTH} 80" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<text class="empty" x="{WIDTH / 2}" y="45" text-anchor="middle">{escape(message)}'
        "</text></svg>"
    )


def weekly_dose_chart(weeks: Sequence[WeekSeconds], sides: Sequence[Side]) -> Markup:
    """Grouped bars: counted seconds per side per week, with the weekly dose as a line."""
    title = "Counted hold seconds per side per week, against the weekly dose"
    if not weeks:
        return _empty(title, "No weeks yet")
    dose = max(w.dose_s for w in weeks)
    top = max([dose, *(v for w in weeks for v in w.counted_s.values())])
    y_max = _nice_max(top * 1.05 if top else 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    group_w = plot_w / len(weeks)
    bar_w = group_w * 0.7 / max(len(sides), 1)
    body: list[str] = []
    for index, week in enumerate(weeks):
        x0 = LEFT + index * group_w + group_w * 0.15
        for position, side in enumerate(sides):
            value = week.counted_s.get(side, 0.0)
            height = plot_h * value / y_max
            x = x0 + position * bar_w
            y = TOP + plot_h - height
            body.append(
                f'<rect class="bar side-{side.value}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w - 2:.1f}" height="{height:.1f}">'
                f"<title>{escape(side.value)} side, week of {week.week_start:%d %b}: "
                f"{value:.0f} s of {week.dose_s} s</title></rect>"
            )
        body.append(
            f'<text class="tick" x="{x0 + group_w * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{week.week_start:%d %b}</text>'
        )
    y_dose = TOP + plot_h - plot_h * dose / y_max
    body.append(
        f'<line class="dose" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y_dose:.1f}" '
        f'y2="{y_dose:.1f}"/><text class="dose-label" x="{WIDTH - RIGHT}" '
        f'y="{y_dose - 5:.1f}" text-anchor="end">dose {dose} s</text>'
    )
    latest = weeks[-1]
    desc = f"{len(weeks)} weeks. This week: " + ", ".join(
        f"{side.value} {latest.counted_s.get(side, 0.0):.0f} s" for side in sides
    )
    desc += f" of a weekly dose of {dose} s per side."
    return _frame(title, desc, body, y_max, "seconds")


def line_chart(
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    y_max: float,
    y_label: str,
) -> Markup:
    """Lines over sessions (x = index into ``labels``), with a dot per value."""
    if not labels or not any(s.points for s in series):
        return _empty(title, "Nothing recorded yet")
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        x = LEFT + (index * step if len(labels) > 1 else plot_w / 2)
        y = TOP + plot_h - plot_h * max(0.0, min(value, y_max)) / y_max
        return x, y

    body: list[str] = []
    every = max(1, len(labels) // 8)
    for index, label in enumerate(labels):
        if index % every == 0:
            x, _ = xy(index, 0)
            body.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for line in series:
        coords = [xy(i, v) for i, v in line.points]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline class="line {escape(line.css)}" points="{path}"/>')
        for (i, value), (x, y) in zip(line.points, coords, strict=True):
            body.append(
                f'<circle class="dot {escape(line.css)}" cx="{x:.1f}" cy="{y:.1f}" r="4">'
                f"<title>{escape(line.label)}, {escape(labels[i])}: {value:g}</title></circle>"
            )
    legend_x = LEFT + 8
    for line in series:
        body.append(
            f'<circle class="dot {escape(line.css)}" cx="{legend_x}" cy="{TOP + 6}" r="5"/>'
            f'<text class="legend" x="{legend_x + 10}" y="{TOP + 10}">{escape(line.label)}</text>'
        )
        legend_x += 16 + 9 * len(line.label)
    return _frame(title, desc, body, y_max, y_label)


def hip_extension_chart(points: Sequence[SidePoint], sides: Sequence[Side]) -> Markup:
    """Hip extension reached per side per camera session, degrees."""
    title = "Hip extension reached per side (camera sessions), degrees"
    moments = sorted({p.at for p in points})
    day_of = {p.at: p.day for p in points}
    labels = [f"{day_of[m]:%d %b}" for m in moments]
    index = {m: i for i, m in enumerate(moments)}
    series = [
        Series(
            f"{side.value} side",
            f"side-{side.value}",
            [(index[p.at], round(p.hip_extension_max_deg, 1)) for p in points if p.side is side],
        )
        for side in sides
    ]
    top = max((p.hip_extension_max_deg for p in points), default=0.0)
    last = {side: next((p for p in reversed(points) if p.side is side), None) for side in sides}
    desc = f"{len(moments)} camera sessions. Latest: " + ", ".join(
        f"{side.value} {point.hip_extension_max_deg:.0f}°" if point else f"{side.value} none"
        for side, point in last.items()
    )
    return line_chart(title, desc, labels, series, _nice_max(max(top * 1.1, 20)), "degrees")


def pain_chart(points: Sequence[PainPoint]) -> Markup:
    """Pain before and after each rated session, 0-10."""
    title = "Pain before and after sessions (0 = none, 10 = worst)"
    labels = [f"{p.day:%d %b}" for p in points]
    before = Series(
        "before",
        "pain-before",
        [(i, p.before) for i, p in enumerate(points) if p.before is not None],
    )
    after = Series(
        "after", "pain-after", [(i, p.after) for i, p in enumerate(points) if p.after is not None]
    )
    desc = f"{len(points)} rated sessions."
    if points:
        latest = points[-1]
        desc += f" Latest: before {latest.before if latest.before is not None else '-'}, "
        desc += f"after {latest.after if latest.after is not None else '-'}."
    return line_chart(title, desc, labels, [before, after], 10.0, "pain")
