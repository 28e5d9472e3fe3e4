"""The two-page PDF (A4, matplotlib's PDF backend).

Page 1: who and what (patient, window, protocol), the summary, the adherence calendar and the
hold time per week. Page 2: hip extension and pain charts, each replaced by one line when there
is nothing to draw (so no half page goes to an empty chart), then the notes.
"""

from __future__ import annotations

import io
import textwrap
from datetime import datetime
from typing import TYPE_CHECKING

from hipflex.insights.summary import Insights
from hipflex.reports.charts import (
    draw_adherence,
    draw_dose,
    draw_extension,
    draw_pain,
    has_data,
    missing_data_lines,
    report_style,
)
from hipflex.reports.text import metadata, patient_line, protocol_line, window_line

if TYPE_CHECKING:
    from matplotlib.figure import Figure

A4_PORTRAIT_IN = (8.27, 11.69)
LEFT_MARGIN = 0.07
WRAP_CHARS = 108  # 8.5 pt text across the page's width
LINE_STEP = 8.5 * 1.35 * 1.2 / (11.69 * 72)  # one line of 8.5 pt text, as a page fraction
NOTES_SHOWN = 12
CHART_HEIGHT = 0.28  # of the page, for a chart on page 2


def pdf_bytes(insights: Insights, generated_at: datetime, patient: str | None = None) -> bytes:
    """The two-page PDF."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with report_style(), PdfPages(buffer, metadata=metadata(insights, generated_at)) as pdf:
        pdf.savefig(_first_page(insights, generated_at, patient))
        pdf.savefig(_second_page(insights))
    return buffer.getvalue()


def _first_page(insights: Insights, generated_at: datetime, patient: str | None) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4_PORTRAIT_IN)
    figure.text(LEFT_MARGIN, 0.955, "hipflex report", fontsize=18, weight="bold")
    figure.text(LEFT_MARGIN, 0.932, patient_line(patient), fontsize=11)
    top = _block(figure, 0.915, [window_line(insights), f"generated {generated_at:%d %b %Y %H:%M}"])
    top = _heading(figure, top - 0.012, "Protocol")
    top = _block(figure, top, [protocol_line(insights)])
    top = _heading(figure, top - 0.012, "Summary")
    top = _block(figure, top, [f"• {s}" for s in insights.sentences], indent="   ")
    # The calendar takes what the summary leaves above the dose chart (it keeps its aspect).
    calendar_top = min(0.56, top - 0.045)
    draw_adherence(figure.add_axes((0.2, 0.3, 0.6, max(calendar_top - 0.3, 0.12))), insights)
    if has_data(insights, "dose"):
        draw_dose(figure.add_axes((0.1, 0.07, 0.82, 0.17)), insights)
    else:
        figure.text(LEFT_MARGIN, 0.2, missing_data_lines(insights)["dose"], fontsize=10)
    figure.text(0.93, 0.015, "page 1 of 2", fontsize=8, ha="right")
    return figure


def _heading(figure: Figure, top: float, text: str) -> float:
    figure.text(LEFT_MARGIN, top, text, fontsize=12, weight="bold", va="top")
    return top - 0.022


def _block(figure: Figure, top: float, paragraphs: list[str], indent: str = "") -> float:
    """Wrapped paragraphs from ``top`` down; returns where the next block can start."""
    lines = [line for p in paragraphs for line in _wrap(p, WRAP_CHARS, indent).splitlines()]
    figure.text(LEFT_MARGIN, top, "\n".join(lines), fontsize=8.5, va="top", linespacing=1.35)
    return top - LINE_STEP * len(lines)


def _second_page(insights: Insights) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4_PORTRAIT_IN)
    missing = missing_data_lines(insights)
    top = 0.95
    for key, draw in (("extension", draw_extension), ("pain", draw_pain)):
        if key in missing:
            top = _block(figure, top, [missing[key]]) - 0.03
            continue
        draw(figure.add_axes((0.1, top - CHART_HEIGHT, 0.82, CHART_HEIGHT - 0.01)), insights)
        top -= CHART_HEIGHT + 0.08
    figure.text(LEFT_MARGIN, top - 0.02, "Notes", fontsize=12, weight="bold")
    if insights.notes:
        notes = "\n".join(
            _wrap(f"{n.day:%d %b}: {n.text}", 100, indent="   ")
            for n in insights.notes[-NOTES_SHOWN:]
        )
        if len(insights.notes) > NOTES_SHOWN:
            notes = f"(the last {NOTES_SHOWN} of {len(insights.notes)} notes)\n" + notes
    else:
        notes = "No notes in this period."
    figure.text(LEFT_MARGIN, top - 0.035, notes, fontsize=9, va="top", linespacing=1.4)
    figure.text(0.93, 0.015, "page 2 of 2", fontsize=8, ha="right")
    return figure


def _wrap(text: str, width: int, indent: str = "") -> str:
    return textwrap.fill(text, width=width, subsequent_indent=indent)
