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
NOTES_SHOWN = 12
CHART_HEIGHT = 0.28  # of the page, for a chart on page 2
LINE_HEIGHT = 0.035  # of the page, for the line that replaces an empty chart


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
    figure.text(0.07, 0.955, "hipflex report", fontsize=18, weight="bold")
    figure.text(0.07, 0.932, patient_line(patient), fontsize=11)
    figure.text(
        0.07, 0.913, f"{window_line(insights)} · generated {generated_at:%d %b %Y %H:%M}",
        fontsize=9,
    )  # fmt: skip
    figure.text(0.07, 0.885, "Protocol", fontsize=12, weight="bold")
    figure.text(0.07, 0.868, _wrap(protocol_line(insights), 100), fontsize=9, va="top")
    figure.text(0.07, 0.825, "Summary", fontsize=12, weight="bold")
    lines = "\n".join(_wrap(f"• {s}", 100, indent="   ") for s in insights.sentences)
    figure.text(0.07, 0.808, lines, fontsize=8.5, va="top", linespacing=1.35)
    draw_adherence(figure.add_axes((0.2, 0.29, 0.6, 0.25)), insights)
    if has_data(insights, "dose"):
        draw_dose(figure.add_axes((0.1, 0.05, 0.82, 0.19)), insights)
    else:
        figure.text(0.07, 0.2, missing_data_lines(insights)["dose"], fontsize=10)
    figure.text(0.93, 0.015, "page 1 of 2", fontsize=8, ha="right")
    return figure


def _second_page(insights: Insights) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=A4_PORTRAIT_IN)
    missing = missing_data_lines(insights)
    top = 0.95
    for key, draw in (("extension", draw_extension), ("pain", draw_pain)):
        if key in missing:
            figure.text(0.07, top - 0.02, missing[key], fontsize=10)
            top -= LINE_HEIGHT
            continue
        draw(figure.add_axes((0.1, top - CHART_HEIGHT, 0.82, CHART_HEIGHT - 0.01)), insights)
        top -= CHART_HEIGHT + 0.08
    figure.text(0.07, top - 0.02, "Notes", fontsize=12, weight="bold")
    if insights.notes:
        notes = "\n".join(
            _wrap(f"{n.day:%d %b}: {n.text}", 100, indent="   ")
            for n in insights.notes[-NOTES_SHOWN:]
        )
        if len(insights.notes) > NOTES_SHOWN:
            notes = f"(the last {NOTES_SHOWN} of {len(insights.notes)} notes)\n" + notes
    else:
        notes = "No notes in this period."
    figure.text(0.07, top - 0.035, notes, fontsize=9, va="top", linespacing=1.4)
    figure.text(0.93, 0.015, "page 2 of 2", fontsize=8, ha="right")
    return figure


def _wrap(text: str, width: int, indent: str = "") -> str:
    return textwrap.fill(text, width=width, subsequent_indent=indent)
