"""The Settings form goes through the settings' one validator: bad input is a form error."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.test_pages import csrf

from hipflex.settings import UserSettings, load_settings

VALID = {
    "default_protocol": "kneeling-hip-flexor",
    "rest_s": "",
    "camera_index": "0",
    "daily_time": "08:00",
    "break_every_min": "60",
    "work_start": "09:00",
    "work_end": "17:00",
}


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("break_every_min", "²", "Sitting breaks must be a whole number of minutes from 15 to 480"),
        ("break_every_min", "٣٠", "Sitting breaks must be a whole number of minutes"),
        ("break_every_min", "481", "from 15 to 480"),
        ("camera_index", "²", "Camera must be a whole number from 0 to 16"),
        ("camera_index", "-1", "Camera must be a whole number from 0 to 16"),
        ("rest_s", "¹⁰", "Rest must be a whole number of seconds from 0 to 600, or empty"),
        ("rest_s", "601", "Rest must be a whole number of seconds from 0 to 600"),
        ("daily_time", "25:00", "Daily reminder time: &#39;25:00&#39;: hour 25 is out of range"),
        ("work_end", "08:00", "Working hours must end after they start."),
    ],
)
def test_a_bad_number_is_a_form_error_not_a_crash(
    client: TestClient, data_dir: Path, field: str, value: str, words: str
) -> None:
    before = (data_dir / "settings.json").exists()
    response = client.post("/settings", data={"csrf_token": csrf(client), **VALID, field: value})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text
    assert 'role="alert"' in response.text  # shown on the page, above the form
    assert (data_dir / "settings.json").exists() == before  # nothing was saved
    assert load_settings(data_dir) == UserSettings()


def test_the_inputs_limits_come_from_the_settings_fields(client: TestClient) -> None:
    page = client.get("/settings").text
    assert 'name="break_every_min" min="15" max="480"' in page
    assert 'name="camera_index" min="0" max="16"' in page
    assert 'name="rest_s" min="0" max="600"' in page


def test_an_emptied_rest_means_the_protocols_own(client: TestClient, data_dir: Path) -> None:
    client.post("/settings", data={"csrf_token": csrf(client), **VALID, "rest_s": "40"})
    assert load_settings(data_dir).rest_s == 40
    response = client.post(
        "/settings", data={"csrf_token": csrf(client), **VALID}, follow_redirects=False
    )
    assert response.status_code == 303
    assert load_settings(data_dir).rest_s is None
