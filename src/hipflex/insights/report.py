"""The report for a physiotherapist: a two-page PDF (matplotlib's PDF backend) or one HTML file.

Page 1: protocol, plain-language summary, adherence calendar, dose per side per week.
Page 2: hip extension per side with its trend, pain before/after, notes.
Charts are drawn for black-and-white printing: sides and moments differ by marker, line style
and hatching, not only by colour. The HTML file is self-contained (inline CSS and SVG charts).
Only the ``write_*`` functions touch the file system.
"""

from __future__ import annotations

import html
import io
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hipflex.domain.protocol import Side
from hipflex.errors import HipflexError
from hipflex.files import write_atomically
from hipflex.insights.summary import Insights

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

A4_PORTRAIT_IN = (8.27, 11.69)
SIDE_STYLE = {  # black-and-white friendly: marker and line style carry the side
    Side.RIGHT: {"marker": "o", "linestyle": "-", "color": "black", "hatch": ""},
    Side.LEFT: {"marker": "s", "linestyle": "--", "color": "0.45", "hatch": "///"},
}
CHART_TITLES = {
    "adherence": "Days stretched",
    "dose": "Hold time per side per week",
    "extension": "Hip extension per side (camera sessions)",
    "pain": "Pain before and after each session",
}


class ReportError(HipflexError):
    """The report cannot be written (unknown format, unwritable path)."""


def write_report(insights: Insights, path: Path, generated_at: datetime) -> None:
    """Write a PDF or HTML report, chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        content = pdf_bytes(insights, generated_at)
    elif suffix in (".html", ".htm"):
        content = html_text(insights, generated_at).encode("utf-8")
    else:
        raise ReportError(
            f"{path}: unknown report format {suffix or '(none)'!r}; use a .pdf or .html file"
        )
    write_atomically(path, content, hint="choose a path in a folder you can write to")


def pdf_bytes(insights: Insights, generated_at: datetime) -> bytes:
    """The two-page PDF."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with _style(), PdfPages(buffer, metadata=_metadata(insights, generated_at)) as pdf:
        pdf.savefig(_first_page(insights, generated_at))
        pdf.savefig(_second_page(insights))
    return buffer.getvalue()


def html_text(insights: Insights, generated_at: datetime) -> str:
    """The report as one self-contained HTML page."""
    charts = []
    with _style():
        for key, figure in chart_figures(insights).items():
            svg = _svg(figure)
            alt = html.escape(chart_alt_text(insights, key))
            charts.append(
                f'<figure role="img" aria-label="{alt}">{svg}'
                f"<figcaption>{html.escape(CHART_TITLES[key])}: {alt}</figcaption></figure>"
            )
    summary = "".join(f"<li>{html.escape(s)}</li>" for s in insights.sentences)
    notes = "".join(f"<li><b>{n.day:%d %b}</b> {html.escape(n.text)}</li>" for n in insights.notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>hipflex report {insights.first_day} – {insights.today}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #000;
       line-height: 1.45; padding: 0 1rem; }}
h1 {{ font-size: 1.5rem; margin-bottom: .2rem; }} h2 {{ font-size: 1.1rem; margin-top: 1.6rem; }}
figure {{ margin: 1rem 0; }} figure svg {{ max-width: 100%; height: auto; }}
figcaption {{ font-size: .85rem; color: #333; }} .meta {{ color: #333; }}
@media print {{ body {{ margin: 0; }} figure {{ break-inside: avoid; }} }}
</style></head><body>
<h1>hipflex report</h1>
<p class="meta">{_window_line(insights)} · generated {generated_at:%d %b %Y %H:%M}</p>
<h2>Protocol</h2><p>{html.escape(_protocol_line(insights))}</p>
<h2>Summary</h2><ul>{summary}</ul>
<h2>Charts</h2>{"".join(charts)}
<h2>Notes</h2>{f"<ul>{notes}</ul>" if notes else "<p>No notes in this period.</p>"}
</body></html>
"""


def chart_figures(insights: Insights) -> dict[str, Figure]:
    """Each chart on its own figure (the HTML report; tests inspect them)."""
    from matplotlib.figure import Figure

    figures: dict[str, Figure] = {}
    for key, draw in (
        ("adherence", draw_adherence),
        ("dose", draw_dose),
        ("extension", draw_extension),
        ("pain", draw_pain),
    ):
        figure = Figure(figsize=(7.5, 3.0 if key != "adherence" else 2.4))
        draw(figure.add_subplot(), insights)
        figure.tight_layout()
        figures[key] = figure
    return figures


def chart_alt_text(insights: Insights, key: str) -> str:
    """A sentence that says what a chart shows, for screen readers and the HTML caption."""
    if key == "adherence":
        return f"{insights.days_done} of {len(insights.days)} days with a completed session."
    if key == "dose":
        parts = [
            f"{side.value} {insights.mean_weekly_s(side):.0f} s" for side in insights.protocol.sides
        ]
        return (
            f"Mean per week: {', '.join(parts)}; dose {insights.protocol.weekly_dose_s()} s "
            "per side."
        )
    if key == "extension":
        trends = insights.range_of_motion.trends.values()
        parts = [f"{t.side.value}: {t.sessions} sessions" for t in trends]
        return "Camera sessions per side: " + ", ".join(parts) + "."
    pairs = len(insights.pain.before_after.pairs)
    return f"{insights.pain.rated_sessions} sessions with a pain rating, {pairs} with both."


def draw_adherence(ax: Axes, insights: Insights) -> None:
    """A calendar strip: one square per day, filled when done, hatched when only started."""
    from matplotlib.patches import Rectangle

    first = insights.first_day
    for status in insights.days:
        offset = (status.day - first).days
        row, column = divmod(offset, 7)
        face = "black" if status.done else "white"
        hatch = "xxx" if status.started and not status.done else ""
        ax.add_patch(
            Rectangle((column, -row), 0.9, 0.9, facecolor=face, edgecolor="black", hatch=hatch)
        )
    rows = max(1, (len(insights.days) + 6) // 7)
    ax.set_xlim(-0.1, 7)
    ax.set_ylim(-rows + 0.9, 1.0)
    ax.set_xticks([c + 0.45 for c in range(7)])
    ax.set_xticklabels([f"{first + timedelta(days=c):%a}" for c in range(7)])
    ax.set_yticks([-r + 0.45 for r in range(rows)])
    ax.set_yticklabels([f"{first + timedelta(days=7 * r):%d %b}" for r in range(rows)])
    ax.set_aspect("equal")
    ax.set_title(
        f"{CHART_TITLES['adherence']}: {insights.days_done} of {len(insights.days)} "
        "(black = done, crossed = started)"
    )
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)


def draw_dose(ax: Axes, insights: Insights) -> None:
    """Counted seconds per side per 7-day block, against the weekly dose (dashed line)."""
    sides = insights.protocol.sides
    width = 0.8 / len(sides)
    positions = range(len(insights.week_doses))
    for index, side in enumerate(sides):
        style = SIDE_STYLE[side]
        ax.bar(
            [p + (index - (len(sides) - 1) / 2) * width for p in positions],
            [w.counted_s.get(side, 0.0) for w in insights.week_doses],
            width=width,
            facecolor="white" if style["hatch"] else "0.2",
            edgecolor="black",
            hatch=style["hatch"],
            label=side.value,
        )
    dose = insights.protocol.weekly_dose_s()
    ax.axhline(dose, color="black", linestyle=":", linewidth=1.2, label=f"dose {dose} s")
    ax.set_xticks(list(positions))
    ax.set_xticklabels([f"{w.first_day:%d %b}" for w in insights.week_doses])
    ax.set_xlabel("7 days from")
    ax.set_ylabel("counted hold time (s)")
    ax.set_ylim(
        0,
        max(
            [
                dose * 1.15,
                *(max(w.counted_s.values(), default=0) * 1.1 for w in insights.week_doses),
            ]
        ),
    )
    ax.set_title(CHART_TITLES["dose"])
    ax.legend(loc="upper left", fontsize=8, ncols=3)


def draw_extension(ax: Axes, insights: Insights) -> None:
    """Hip extension per session per side, with the fitted trend line."""
    import matplotlib.dates as mdates

    rom = insights.range_of_motion
    drawn = False
    for side, trend in rom.trends.items():
        if not trend.points:
            continue
        style = SIDE_STYLE[side]
        times = mdates.date2num([p.at for p in trend.points])  # type: ignore[no-untyped-call]
        values = [p.hip_extension_deg for p in trend.points]
        ax.plot(
            times,
            values,
            marker=style["marker"],
            linestyle="none",
            color=style["color"],
            markerfacecolor="white" if side is Side.LEFT else style["color"],
            label=f"{side.value} (sessions)",
        )
        if trend.slope is not None and trend.first_deg is not None and trend.last_deg is not None:
            ax.plot(
                [times[0], times[-1]],
                [trend.first_deg, trend.last_deg],
                linestyle=style["linestyle"],
                color=style["color"],
                label=f"{side.value} trend {trend.slope.estimate:+.1f}°/week",
            )
        drawn = True
    ax.set_title(CHART_TITLES["extension"])
    ax.set_ylabel("hip extension (°)")
    ax.set_xlabel("date")
    if not drawn:
        _empty(ax, "No camera sessions in this period")
        return
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    ax.legend(loc="best", fontsize=8)
    ax.grid(True, color="0.85")


def draw_pain(ax: Axes, insights: Insights) -> None:
    """Pain before (open circles) and after (filled triangles) per session, 0–10."""
    import matplotlib.dates as mdates

    ax.set_title(CHART_TITLES["pain"])
    ax.set_ylabel("pain (0–10)")
    ax.set_xlabel("date")
    ax.set_ylim(-0.5, 10.5)
    before = [(p.at, p.before) for p in insights.pain_points if p.before is not None]
    after = [(p.at, p.after) for p in insights.pain_points if p.after is not None]
    if not before and not after:
        _empty(ax, "No pain ratings in this period")
        return
    for points, marker, face, label in (
        (before, "o", "white", "before"),
        (after, "^", "black", "after"),
    ):
        if points:
            times = mdates.date2num([at for at, _ in points])  # type: ignore[no-untyped-call]
            ax.plot(
                times,
                [value for _, value in points],
                marker=marker,
                linestyle="none",
                color="black",
                markerfacecolor=face,
                label=label,
            )
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(True, color="0.85")


def _first_page(insights: Insights, generated_at: datetime) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4_PORTRAIT_IN)
    figure.text(0.07, 0.955, "hipflex report", fontsize=18, weight="bold")
    figure.text(
        0.07, 0.935, f"{_window_line(insights)} · generated {generated_at:%d %b %Y %H:%M}",
        fontsize=9,
    )  # fmt: skip
    figure.text(0.07, 0.905, "Protocol", fontsize=12, weight="bold")
    figure.text(0.07, 0.888, _wrap(_protocol_line(insights), 100), fontsize=9, va="top")
    figure.text(0.07, 0.845, "Summary", fontsize=12, weight="bold")
    lines = "\n".join(_wrap(f"• {s}", 100, indent="   ") for s in insights.sentences)
    figure.text(0.07, 0.828, lines, fontsize=9, va="top", linespacing=1.4)
    calendar_ax = figure.add_axes((0.2, 0.30, 0.6, 0.28))
    draw_adherence(calendar_ax, insights)
    dose_ax = figure.add_axes((0.1, 0.05, 0.82, 0.2))
    draw_dose(dose_ax, insights)
    figure.text(0.93, 0.015, "page 1 of 2", fontsize=8, ha="right")
    return figure


def _second_page(insights: Insights) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4_PORTRAIT_IN)
    draw_extension(figure.add_axes((0.1, 0.66, 0.82, 0.28)), insights)
    draw_pain(figure.add_axes((0.1, 0.30, 0.82, 0.28)), insights)
    figure.text(0.07, 0.23, "Notes", fontsize=12, weight="bold")
    if insights.notes:
        notes = "\n".join(
            _wrap(f"{n.day:%d %b}: {n.text}", 100, indent="   ") for n in insights.notes[-12:]
        )
        if len(insights.notes) > 12:
            notes = f"(the last 12 of {len(insights.notes)} notes)\n" + notes
    else:
        notes = "No notes in this period."
    figure.text(0.07, 0.215, notes, fontsize=9, va="top", linespacing=1.4)
    figure.text(0.93, 0.015, "page 2 of 2", fontsize=8, ha="right")
    return figure


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=10)
    ax.set_xticks([])


def _protocol_line(insights: Insights) -> str:
    p = insights.protocol
    sides = " and ".join(s.value for s in p.sides)
    return (
        f"{p.title} ({p.name}): hold {p.hold_s} s × {p.reps} on the {sides} side, "
        f"rest {p.rest_s} s, {p.frequency} ({p.days_per_week} days a week). "
        f"Dose: {p.weekly_dose_s()} s per side per week."
    )


def _window_line(insights: Insights) -> str:
    return (
        f"{insights.first_day:%d %b %Y} – {insights.today:%d %b %Y} "
        f"({insights.weeks} week{'s' if insights.weeks != 1 else ''}, "
        f"{insights.sessions} session{'s' if insights.sessions != 1 else ''})"
    )


def _wrap(text: str, width: int, indent: str = "") -> str:
    return textwrap.fill(text, width=width, subsequent_indent=indent)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _metadata(insights: Insights, generated_at: datetime) -> dict[str, object]:
    return {
        "Title": f"hipflex report {insights.first_day} to {insights.today}",
        "Creator": "hipflex",
        "CreationDate": generated_at,
    }


@contextmanager
def _style() -> Iterator[None]:
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
