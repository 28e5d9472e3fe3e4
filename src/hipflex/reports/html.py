"""The report as one self-contained HTML page (inline CSS, charts as inline SVG with text
alternatives; no scripts, no network), for e-mail or printing from a browser."""

from __future__ import annotations

import html
import io
from datetime import datetime
from typing import TYPE_CHECKING

from hipflex.insights.summary import Insights
from hipflex.reports.charts import (
    CHART_TITLES,
    chart_alt_text,
    chart_figures,
    missing_data_lines,
    report_style,
)
from hipflex.reports.text import patient_line, protocol_line, window_line

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def html_text(insights: Insights, generated_at: datetime, patient: str | None = None) -> str:
    """The report as one self-contained HTML page."""
    charts = []
    missing = missing_data_lines(insights)
    with report_style():
        figures = chart_figures(insights)
        for key in CHART_TITLES:
            if key in missing:
                charts.append(f"<p>{html.escape(missing[key])}</p>")
                continue
            alt = html.escape(chart_alt_text(insights, key))
            charts.append(
                f'<figure role="img" aria-label="{alt}">{_svg(figures[key])}'
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
.patient {{ font-size: 1.1rem; margin: .2rem 0; }}
@media print {{ body {{ margin: 0; }} figure {{ break-inside: avoid; }} }}
</style></head><body>
<h1>hipflex report</h1>
<p class="patient">{html.escape(patient_line(patient))}</p>
<p class="meta">{html.escape(window_line(insights))} · generated {generated_at:%d %b %Y %H:%M}</p>
<h2>Protocol</h2><p>{html.escape(protocol_line(insights))}</p>
<h2>Summary</h2><ul>{summary}</ul>
<h2>Charts</h2>{"".join(charts)}
<h2>Notes</h2>{f"<ul>{notes}</ul>" if notes else "<p>No notes in this period.</p>"}
</body></html>
"""


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
