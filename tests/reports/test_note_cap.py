"""A note contributes at most NOTE_REPORT_CHARS characters to a report (issue 10, item 3: a
5 MB imported note made `report` take minutes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from hipflex.insights.summary import Insights, build_insights
from hipflex.insights.synthetic import synthetic_session
from hipflex.protocols.loader import load_protocol
from hipflex.reports.text import NOTE_REPORT_CHARS, note_excerpt
from hipflex.reports.write import write_report

TODAY = date(2026, 3, 29)
GENERATED = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
# Words that can be found again in the output, 5 MB of them, a marker at the very end.
HUGE_NOTE = "zyxw " * 1_000_000 + "ENDMARKER"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("x" * NOTE_REPORT_CHARS, "x" * NOTE_REPORT_CHARS),
        ("x" * (NOTE_REPORT_CHARS + 1), "x" * (NOTE_REPORT_CHARS - 1) + "…"),
        ("ab " * 200, ("ab " * 200)[: NOTE_REPORT_CHARS - 1].rstrip() + "…"),
    ],
)
def test_note_excerpt(text: str, expected: str) -> None:
    shown = note_excerpt(text)
    assert shown == expected
    assert len(shown) <= NOTE_REPORT_CHARS


def huge_note_insights() -> Insights:
    start = datetime(2026, 3, 20, 7, 0, tzinfo=UTC)
    sessions = [
        synthetic_session(start, note=HUGE_NOTE),
        synthetic_session(start + timedelta(days=1), note="Felt easier today."),
    ]
    return build_insights(sessions, load_protocol("kneeling-hip-flexor"), TODAY, UTC)


def test_a_huge_note_is_cut_in_the_html_report(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_report(huge_note_insights(), path, GENERATED)
    page = path.read_text(encoding="utf-8")
    assert "Felt easier today." in page  # short notes whole
    assert "ENDMARKER" not in page
    assert note_excerpt(HUGE_NOTE) in page
    assert page.count("zyxw") <= NOTE_REPORT_CHARS // len("zyxw ") + 1
    assert len(page) < 1_000_000  # the charts and words, not 5 MB of note


def test_a_huge_note_is_cut_in_the_pdf_report(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    write_report(huge_note_insights(), path, GENERATED)
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert len(PdfReader(path).pages) == 2
    assert "ENDMARKER" not in text
    assert "…" in text
    assert "Felt easier today." in text
    assert text.count("zyxw") <= NOTE_REPORT_CHARS // len("zyxw ") + 1
