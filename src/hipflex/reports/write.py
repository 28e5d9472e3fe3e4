"""Write the report to a file: PDF or HTML, chosen by the suffix. The only file access."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hipflex.errors import HipflexError
from hipflex.insights.summary import Insights

SUFFIXES = (".pdf", ".html", ".htm")


class ReportError(HipflexError):
    """The report cannot be written (unknown format, unwritable path)."""


def write_report(
    insights: Insights, path: Path, generated_at: datetime, patient: str | None = None
) -> None:
    """Write a PDF or HTML report, chosen by the file's suffix; ``patient`` is the name
    printed at the top (a blank line to fill in by hand when None)."""
    from hipflex.reports.html import html_text
    from hipflex.reports.pdf import pdf_bytes

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        content = pdf_bytes(insights, generated_at, patient)
    elif suffix in (".html", ".htm"):
        content = html_text(insights, generated_at, patient).encode("utf-8")
    else:
        raise ReportError(
            f"{path}: unknown report format {suffix or '(none)'!r}; use a .pdf or .html file"
        )
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise ReportError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="choose a path in a folder you can write to",
        ) from None
