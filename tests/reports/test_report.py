from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from pypdf import PdfReader

from hipflex.domain.protocol import Side
from hipflex.insights.summary import Insights, build_insights
from hipflex.insights.synthetic import synthetic_session
from hipflex.protocols.loader import load_protocol
from hipflex.reports.charts import chart_figures
from hipflex.reports.write import ReportError, write_report

TODAY = date(2026, 3, 29)
FIRST = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
GENERATED = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def history() -> Insights:
    sessions = []
    for day in range(28):
        if day % 7 == 3:
            continue
        week = day / 7
        extension = {Side.RIGHT: 6 + 2 * week, Side.LEFT: 8 + 0.5 * week} if day % 7 == 0 else None
        sessions.append(
            synthetic_session(
                FIRST + timedelta(days=day),
                extension_deg=extension,
                pain_before=4 + day % 2,
                pain_after=3,
                note="Tight after a long drive." if day == 9 else None,
            )
        )
    return build_insights(sessions, load_protocol("kneeling-hip-flexor"), TODAY, UTC)


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext (poppler-utils) is not installed: run scripts/ensure-system-packages"
        )
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_pdf_has_two_pages_with_the_expected_text(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report(history(), path, GENERATED, patient="Jane  Example")
    assert len(PdfReader(path).pages) == 2
    text = pdf_text(path)
    pages = text.split("\f")
    assert "hipflex report" in pages[0]
    assert "Patient: Jane Example" in pages[0]
    assert "Half-kneeling hip flexor stretch (kneeling-hip-flexor): hold 30 s × 4" in pages[0]
    assert "you stretched on 24 of 28 days" in pages[0]
    assert "Days stretched: 24 of 28" in pages[0]
    assert "counted hold time (s)" in pages[0]  # dose chart's axis label
    assert "720" in pages[0]  # each week's hold time is written on its bar
    assert "Hip extension per side" in pages[1] and "hip extension (°)" in pages[1]
    assert "right trend +2.0°/week" in pages[1]
    assert "pain (0–10)" in pages[1]
    assert "Tight after a long drive." in pages[1]
    assert "page 2 of 2" in pages[1]


def test_charts_are_not_empty() -> None:
    figures = chart_figures(history())
    extension = figures["extension"].axes[0]
    assert len(extension.lines) == 4  # points and trend for each side
    assert [len(line.get_xdata()) for line in extension.lines] == [4, 2, 4, 2]
    dose = figures["dose"].axes[0]
    assert len([p for p in dose.patches if p.get_height()]) == 8  # 4 weeks × 2 sides
    assert all(bar.get_height() == 720 for bar in dose.patches)
    pain = figures["pain"].axes[0]
    assert [len(line.get_xdata()) for line in pain.lines] == [24, 24]
    assert len(figures["adherence"].axes[0].patches) == 28


def test_the_pain_axis_is_per_date() -> None:
    pain = chart_figures(history()).get("pain")
    assert pain is not None
    ax = pain.axes[0]
    low, high = ax.get_xlim()
    assert high - low == 28  # the whole window, one unit per day
    before = ax.lines[0].get_xdata()
    # One day a week was skipped: each gap shows as two days on the axis.
    assert sorted(round(b - a) for a, b in pairwise(before)).count(2) == 4


def test_empty_history_still_gives_a_readable_report(tmp_path: Path) -> None:
    empty = build_insights([], load_protocol("kneeling-hip-flexor"), TODAY, UTC)
    path = tmp_path / "empty.pdf"
    write_report(empty, path, GENERATED)
    text = pdf_text(path)
    assert "No sessions in the last 4 weeks yet" in text
    assert "Hip extension: no camera sessions yet" in text
    assert "Pain: no ratings in this period yet." in text
    assert "Patient: ______" in text  # a line to write the name on


def degenerate_histories() -> dict[str, Insights]:
    protocol = load_protocol("kneeling-hip-flexor")
    morning = datetime(2026, 3, 29, 7, tzinfo=UTC)
    cases = {
        "none": [],
        "same day": [
            synthetic_session(
                morning + timedelta(minutes=m), extension_deg={Side.RIGHT: 41.0}, pain_before=5
            )
            for m in (0, 6, 12)
        ],
        "two days": [
            synthetic_session(morning - timedelta(days=d), extension_deg={Side.LEFT: 12.0})
            for d in (0, 3)
        ],
        "one side": [
            synthetic_session(
                morning - timedelta(days=d), sides=(Side.RIGHT,), extension_deg={Side.RIGHT: 9.0}
            )
            for d in (0, 5, 10)
        ],
        "no camera": [synthetic_session(morning - timedelta(days=d)) for d in range(12)],
    }
    return {name: build_insights(s, protocol, TODAY, UTC) for name, s in cases.items()}


@pytest.mark.parametrize("name", ["none", "same day", "two days", "one side", "no camera"])
def test_degenerate_histories_make_a_sensible_pdf(tmp_path: Path, name: str) -> None:
    insights = degenerate_histories()[name]
    path = tmp_path / "report.pdf"
    write_report(insights, path, GENERATED)
    text = pdf_text(path)
    assert "°/week" not in text and "° a week" not in text  # never a trend from this little
    figures = chart_figures(insights)
    camera = insights.range_of_motion.measured
    assert ("extension" in figures) is camera
    if not camera:  # one line instead of half a page of empty chart
        assert "hip extension (°)" not in text
        assert "Hip extension: no camera sessions yet" in text
    else:
        legend = figures["extension"].axes[0].get_legend()
        labels = [t.get_text() for t in legend.get_texts()]
        measured = [s for s, t in insights.range_of_motion.trends.items() if t.points]
        assert labels == [f"{side.value} (sessions)" for side in measured]
    assert_no_text_leaves_the_page(path)


def assert_no_text_leaves_the_page(path: Path) -> None:
    """Every word's box lies inside its page (the window line once ran off the edge)."""
    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext (poppler-utils) is not installed: run scripts/ensure-system-packages"
        )
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for page in re.findall(r'<page width="([\d.]+)".*?</page>', boxes, flags=re.S):
        assert float(page) > 500
    pages = re.split(r"<page ", boxes)[1:]
    for page in pages:
        width = float(re.search(r'width="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
        for x_max, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)<', page):
            assert float(x_max) <= width - 10, f"{word!r} runs off the page"


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_report(history(), path, GENERATED)
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 4
    assert "Patient: ____" in page
    assert "you stretched on 24 of 28 days" in page
    assert "Tight after a long drive." in page
    assert 'aria-label="24 of 28 days with a completed session."' in page
    for external in ('src="http', 'href="http', "<script", "<link"):
        assert external not in page


def test_unwritable_or_unknown_output_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot write"):
        write_report(history(), tmp_path / "missing" / "r.pdf", GENERATED)
    with pytest.raises(ReportError, match=r"use a \.pdf or \.html"):
        write_report(history(), tmp_path / "r.docx", GENERATED)
