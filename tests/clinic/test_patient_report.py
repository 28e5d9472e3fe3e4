"""The patient page's PDF report: the home app's two-page report over the clinic's data, with the
patient's name, for the patient's own clinician only, and in the audit log."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from pypdf import PdfReader
from tests.clinic.conftest import T0, ClinicWorld, session_body


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    world = world_factory("pdf")
    response = world.clinician.post_json(
        f"/api/v1/patients/{world.patient.id}/prescriptions",
        {"protocol_name": "kneeling-hip-flexor", "hold_s": 30, "reps": 1,
         "sides": ["right", "left"], "start_date": (T0.date() - timedelta(days=6)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    for days_ago in (1, 2, 4):
        body = session_body(str(uuid.uuid4()), T0 - timedelta(days=days_ago), pain_after=1)
        body["note"] = f"note from {days_ago} days ago"
        assert world.patient.post_json("/api/v1/sessions", body).status_code == 201
    return world


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def test_clinician_gets_the_report_with_the_patients_name(world: ClinicWorld) -> None:
    page = world.clinician.client.get(f"/patients/{world.patient.id}")
    link = f"/patients/{world.patient.id}/report.pdf"
    assert f'href="{link}"' in page.text  # the patient page links to it
    response = world.clinician.client.get(link)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert "hipflex-report-pat-pdf-2026-03-02.pdf" in response.headers["content-disposition"]
    pages, text = pdf_text(response.content)
    assert pages == 2
    assert "hipflex report" in text
    assert "Pat pdf" in text
    assert "Half-kneeling hip flexor stretch" in text
    assert "note from 4 days ago" in text and "note from 1 days ago" in text
    # The window, the sessions in it and the prescribed dose, as the home report says them.
    assert "03 Feb 2026 – 02 Mar 2026 (4 weeks" in text and "3 sessions" in text
    assert "Days stretched: 3 of 7" in text
    assert "Dose: 210 s per side per week" in text
    assert "right hip extension was 18°" in text


def test_weeks_choose_the_window_and_are_bounded(world: ClinicWorld) -> None:
    url = f"/patients/{world.patient.id}/report.pdf"
    one_week = world.clinician.client.get(f"{url}?weeks=1")
    assert one_week.status_code == 200
    _, text = pdf_text(one_week.content)
    assert "24 Feb 2026 – 02 Mar 2026 (1 week of seven days" in text
    assert world.clinician.client.get(f"{url}?weeks=0").status_code == 422
    assert world.clinician.client.get(f"{url}?weeks=53").status_code == 422


def test_a_patient_without_sessions_gets_a_short_report(world: ClinicWorld) -> None:
    response = world.other_clinician.client.get(f"/patients/{world.other_patient.id}/report.pdf")
    assert response.status_code == 200
    pages, text = pdf_text(response.content)
    assert pages == 2 and "Quinn pdf" in text


def test_only_the_patients_clinician(
    world: ClinicWorld, world_factory: Callable[[str], ClinicWorld]
) -> None:
    url = f"/patients/{world.patient.id}/report.pdf"
    assert world.other_clinician.client.get(url).status_code == 404
    assert world_factory("pdfelse").clinician.client.get(url).status_code == 404
    assert world.admin.client.get(url).status_code == 403
    assert world.patient.client.get(url).status_code == 403


def test_the_report_is_in_the_audit_log(world: ClinicWorld) -> None:
    world.clinician.client.get(f"/patients/{world.patient.id}/report.pdf")
    rows = world.admin.client.get("/admin/audit").text.split("<tr>")
    reports = [r for r in rows if "<td>PDF report</td>" in r]
    assert any("<td>Dr A pdf</td>" in r and "<td>Pat pdf</td>" in r for r in reports)
