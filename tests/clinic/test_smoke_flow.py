"""The account flow in-process: init invite → admin → clinician → patient, cookies and CSRF."""

from __future__ import annotations

from collections.abc import Callable

from tests.clinic.conftest import ClinicWorld


def test_world_builds_and_roles_land_on_their_home(
    world_factory: Callable[[str], ClinicWorld],
) -> None:
    world = world_factory("smoke")
    assert world.admin.client.get("/").headers["location"] == "/admin"
    assert world.clinician.client.get("/").headers["location"] == "/dashboard"
    assert world.patient.client.get("/").headers["location"] == "/me"
    page = world.clinician.client.get("/dashboard")
    assert page.status_code == 200
    assert "Pat smoke" in page.text
    assert "Quinn smoke" not in page.text
