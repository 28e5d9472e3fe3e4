"""The PDF report from the History page, with the patient's name (issue 9.10)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .test_pages import csrf, seed_session


def pdf_text(content: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext (poppler-utils) is not installed: run scripts/ensure-system-packages"
        )
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_report_downloads_with_the_patients_name(
    client: TestClient, data_dir: Path, tmp_path: Path
) -> None:
    seed_session(data_dir, pain=(5, 3))
    assert 'action="/report.pdf"' in client.get("/history").text
    answer = client.post(
        "/report.pdf", data={"csrf_token": csrf(client), "patient_name": "  Ada   Lovelace "}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith('attachment; filename="hipflex-report-')
    assert answer.content.startswith(b"%PDF")
    text = pdf_text(answer.content, tmp_path)
    assert "Ada Lovelace" in text
    # no camera sessions: one line in place of an empty hip extension chart
    assert "Hip extension: no camera sessions yet" in text


def test_report_without_a_name_leaves_a_line_and_needs_the_token(
    client: TestClient, data_dir: Path, tmp_path: Path
) -> None:
    seed_session(data_dir)
    assert client.post("/report.pdf", data={"patient_name": "x"}).status_code == 403
    answer = client.post("/report.pdf", data={"csrf_token": csrf(client)})
    assert answer.status_code == 200
    text = pdf_text(answer.content, tmp_path)
    assert "Patient: ____" in text and "Ada" not in text
