"""The report's charts, drawn with matplotlib for black-and-white printing.

Sides and moments differ by marker, line style and hatching, not only by colour. Every x axis
is a date axis over the report's window, so a day without a session is a gap, not a missing
column. A chart without data is not drawn at all: :func:`missing_data_lines` gives the line
the report prints instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from hipflex.domain.protocol import Side
from hipflex.insights.summary import Insights
from hipflex.insights.wording import plural

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIDE_STYLE = {  # black-and-white friendly: marker and line style carry the side
    Side.RIGHT: {"marker": "o", "linestyle": "-", "color": "black", "hatch": ""},
    Side.LEFT: {"marker": "s", "linestyle": "--", "color": "0.45", "hatch": "///"},
}
CHART_TITLES = {
    "adherence": "Days stretched",
    "dose": "Hold time per side per week",
    "extension": "Hip extension per side (camera sessions)",
    "pain": "Pain (0–10) by date",
}
MIN_EXTENSION_SPAN_DEG = 10.0  # the y axis shows at least this range (twice the camera's error)
CHART_HEIGHT_IN = {"adherence": 2.4, "dose": 3.0, "extension": 3.0, "pain": 3.0}


def has_data(insights: Insights, key: str) -> bool:
    """Whether chart ``key`` has anything to draw."""
    if key == "extension":
        return insights.range_of_motion.measured
    if key == "pain":
        return bool(insights.pain_points)
    if key == "dose":
        return any(w.counted_s(s) > 0 for w in insights.week_doses for s in w.sides)
    return True


def missing_data_lines(insights: Insights) -> dict[str, str]:
    """For each chart without data, the one line printed in its place."""
    lines = {
        "dose": "Hold time: nothing held in this period yet.",
        "extension": (
            "Hip extension: no camera sessions yet (measured when stretching in front of the "
            "camera, or from an analysed video)."
        ),
        "pain": "Pain: no ratings in this period yet.",
    }
    return {key: line for key, line in lines.items() if not has_data(insights, key)}


def chart_figures(insights: Insights) -> dict[str, Figure]:
    """Each chart that has data on its own figure (the HTML report; tests inspect them)."""
    from matplotlib.figure import Figure

    figures: dict[str, Figure] = {}
    for key, draw in DRAWERS.items():
        if not has_data(insights, key):
            continue
        figure = Figure(figsize=(7.5, CHART_HEIGHT_IN[key]))
        draw(figure.add_subplot(), insights)
        figure.tight_layout()
        figures[key] = figure
    return figures


def chart_alt_text(insights: Insights, key: str) -> str:
    """A sentence that says what a chart shows, for screen readers and the HTML caption."""
    if key == "adherence":
        return f"{insights.days_done} of {plural(insights.active_days, 'day')} with a completed session."
    if key == "dose":
        parts = [
            f"{side.value} {insights.mean_weekly_s(side):.0f} s" for side in insights.protocol.sides
        ]
        return (
            f"Mean per week: {', '.join(parts)}; dose {insights.protocol.weekly_dose_s()} s "
            "per side."
        )
    if key == "extension":
        trends = [t for t in insights.range_of_motion.trends.values() if t.points]
        parts = [
            f"{t.side.value}: {plural(t.sessions, 'session')} on {plural(t.days, 'day')}"
            for t in trends
        ]
        return "Camera sessions per side: " + ", ".join(parts) + "."
    pain = insights.pain
    pairs = len(pain.before_after.pairs)
    return (
        f"{plural(pain.rated_sessions, 'session')} with a pain rating ({pairs} with both), "
        f"{plural(pain.checkins, 'check-in')}."
    )


def draw_adherence(ax: Axes, insights: Insights) -> None:
    """A calendar: one row per week (ending today), one square per day; black = done,
    crossed = started only, dotted = before the first session."""
    from matplotlib.patches import Rectangle

    first = insights.first_day
    for status in insights.days:
        row, column = divmod((status.day - first).days, 7)
        face = "black" if status.done else ("0.93" if status.before_start else "white")
        hatch = "xxx" if status.started and not status.done else ""
        ax.add_patch(
            Rectangle(
                (column, -row),
                0.9,
                0.9,
                facecolor=face,
                edgecolor="0.6" if status.before_start else "black",
                linestyle=":" if status.before_start else "-",
                hatch=hatch,
            )
        )
    rows = max(1, len(insights.week_list))
    ax.set_xlim(-0.1, 7)
    ax.set_ylim(-rows + 0.9, 1.0)
    ax.set_xticks([c + 0.45 for c in range(7)])
    ax.set_xticklabels([f"{first + timedelta(days=c):%a}" for c in range(7)])
    ax.set_yticks([-r + 0.45 for r in range(rows)])
    ax.set_yticklabels([week.label() for week in insights.week_list])
    ax.set_aspect("equal")
    legend = "black = done, crossed = started"
    if any(day.before_start for day in insights.days):
        legend += ", dotted = before your first session"
    tally = (
        f"{insights.days_done} of {insights.active_days}" if insights.active_days else "none yet"
    )
    ax.set_title(f"{CHART_TITLES['adherence']}: {tally}\n({legend})")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)


def draw_dose(ax: Axes, insights: Insights) -> None:
    """Counted seconds per side per week (a day counts at most one session's dose), with each
    week's dose as a dotted mark and the value written on each bar."""
    sides = [s for s in insights.protocol.sides if any(w.counted_s(s) for w in insights.week_doses)]
    sides = sides or list(insights.protocol.sides)
    width = 0.8 / len(sides)
    positions = range(len(insights.week_doses))
    for index, side in enumerate(sides):
        style = SIDE_STYLE[side]
        values = [w.counted_s(side) for w in insights.week_doses]
        bars = ax.bar(
            [p + (index - (len(sides) - 1) / 2) * width for p in positions],
            values,
            width=width,
            facecolor="white" if style["hatch"] else "0.2",
            edgecolor="black",
            hatch=style["hatch"],
            label=side.value,
        )
        labels = [
            f"{v:.0f}" if w.active_days else ""
            for v, w in zip(values, insights.week_doses, strict=True)
        ]
        ax.bar_label(bars, labels=labels, fontsize=7, padding=1)
    doses = [max((d.dose_s for d in w.sides.values()), default=0) for w in insights.week_doses]
    for position, dose in zip(positions, doses, strict=True):
        ax.hlines(dose, position - 0.45, position + 0.45, colors="black", linestyles=":", lw=1.4)
    ax.plot([], [], color="black", linestyle=":", label="dose for the week")
    ax.set_xticks(list(positions))
    ax.set_xticklabels([w.week.label() for w in insights.week_doses])
    ax.set_xlabel("week (seven days; the last ends today)")
    ax.set_ylabel("counted hold time (s)")
    top = max([*doses, *(w.counted_s(s) for w in insights.week_doses for s in sides), 1.0])
    ax.set_ylim(0, top * 1.25)
    ax.set_title(CHART_TITLES["dose"])
    ax.legend(loc="upper left", fontsize=8, ncols=3)


def draw_extension(ax: Axes, insights: Insights) -> None:
    """Hip extension per session per side (sides with data only), with the trend line when
    the trend rule is met."""
    import matplotlib.dates as mdates

    for side, trend in insights.range_of_motion.trends.items():
        if not trend.points:
            continue
        style = SIDE_STYLE[side]
        ax.plot(
            mdates.date2num([_local(p.at, insights) for p in trend.points]),  # type: ignore[no-untyped-call]
            [p.hip_extension_deg for p in trend.points],
            marker=style["marker"],
            linestyle="none",
            color=style["color"],
            markerfacecolor="white" if side is Side.LEFT else style["color"],
            label=f"{side.value} (sessions)",
        )
        daily = trend.trend
        if daily.enough and daily.slope is not None:
            ends = [_noon(daily.values[0][0]), _noon(daily.values[-1][0])]
            ax.plot(
                mdates.date2num(ends),  # type: ignore[no-untyped-call]
                [daily.first_value or 0.0, daily.last_value or 0.0],
                linestyle=style["linestyle"],
                color=style["color"],
                label=f"{side.value} trend {daily.slope.estimate:+.1f}°/week",
            )
    values = [
        p.hip_extension_deg for t in insights.range_of_motion.trends.values() for p in t.points
    ]
    if values and max(values) - min(values) < MIN_EXTENSION_SPAN_DEG:
        # A few close values would fill the axis and look like a big change.
        middle = (max(values) + min(values)) / 2
        ax.set_ylim(middle - MIN_EXTENSION_SPAN_DEG / 2, middle + MIN_EXTENSION_SPAN_DEG / 2)
    ax.set_title(CHART_TITLES["extension"])
    ax.set_ylabel("hip extension (°)")
    _date_axis(ax, insights)
    _legend_below(ax)


def draw_pain(ax: Axes, insights: Insights) -> None:
    """Pain by date: before (open circles) and after (filled triangles) each session, check-ins
    (diamonds), and each week's mean daily pain (a dashed step)."""
    import matplotlib.dates as mdates

    ax.set_title(CHART_TITLES["pain"])
    ax.set_ylabel("pain (0–10)")
    ax.set_ylim(-0.5, 10.5)
    series: list[tuple[str, str, str, float, Callable[..., int | None]]] = [
        ("before a session", "o", "white", -0.18, lambda p: p.before),
        ("after a session", "^", "black", 0.18, lambda p: p.after),
        ("check-in", "D", "0.6", 0.0, lambda p: p.checkin),
    ]
    for label, marker, face, offset, value_of in series:
        points = [
            (p.day, value) for p in insights.pain_points if (value := value_of(p)) is not None
        ]
        if not points:
            continue
        ax.plot(
            [mdates.date2num(_noon(day)) + offset for day, _ in points],  # type: ignore[no-untyped-call]
            [value for _, value in points],
            marker=marker,
            linestyle="none",
            color="black",
            markerfacecolor=face,
            label=label,
        )
    weekly = [(w.week.first_day, w.mean) for w in insights.pain.weekly if w.mean is not None]
    for index, (first_day, mean) in enumerate(weekly):
        start = mdates.date2num(datetime.combine(first_day, time()))  # type: ignore[no-untyped-call]
        ax.hlines(
            mean,
            start,
            start + 7,
            colors="0.35",
            linestyles="--",
            lw=1.2,
            label="mean of the week" if index == 0 else "_nolegend_",
        )
    _date_axis(ax, insights)
    _legend_below(ax)


DRAWERS: dict[str, Callable[[Axes, Insights], None]] = {
    "adherence": draw_adherence,
    "dose": draw_dose,
    "extension": draw_extension,
    "pain": draw_pain,
}


@contextmanager
def report_style() -> Iterator[None]:
    """Fonts and line widths for the report (TrueType in PDF, text kept as text in SVG)."""
    import matplotlib

    # Type 42 (TrueType) fonts keep the PDF's text extractable and searchable; SVG text stays
    # text. Black on white, no colour needed.
    with matplotlib.rc_context(
        {
            "pdf.fonttype": 42,
            "svg.fonttype": "none",
            "font.size": 9,
            "hatch.linewidth": 0.6,
        }
    ):
        yield


def _date_axis(ax: Axes, insights: Insights) -> None:
    """An x axis of dates spanning the whole window, ticks at most about weekly."""
    import matplotlib.dates as mdates

    start = datetime.combine(insights.first_day, time())
    end = datetime.combine(insights.today + timedelta(days=1), time())
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))  # type: ignore[no-untyped-call]
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    ax.grid(True, color="0.85")


def _legend_below(ax: Axes) -> None:
    """The legend under the date axis, where it never hides a point."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=4, fontsize=8, frameon=False)


def _local(moment: datetime, insights: Insights) -> datetime:
    """A stored (UTC) time as the person's wall-clock time, on the same axis as their days."""
    return moment.astimezone(insights.tz).replace(tzinfo=None)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12))
