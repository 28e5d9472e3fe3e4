"""Data dir resolution and the person's settings (shared by the CLI, web and reminders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflex.errors import DataDirError
from hipflex.protocols.loader import load_protocol
from hipflex.settings import (
    ReminderSettings,
    SettingsError,
    UserSettings,
    field_limits,
    load_settings,
    resolve_data_dir,
    save_settings,
    updated_settings,
)


def test_env_var_chooses_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPFLEX_DATA_DIR", str(tmp_path / "from-env"))
    assert resolve_data_dir() == tmp_path / "from-env"
    assert (tmp_path / "from-env").is_dir()
    assert resolve_data_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_a_file_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataDirError, match="not a directory"):
        resolve_data_dir(tmp_path / "file")
    with pytest.raises(DataDirError, match="cannot create data dir"):
        resolve_data_dir(tmp_path / "file" / "below")
    with pytest.raises(DataDirError, match="does not exist"):
        resolve_data_dir(tmp_path / "missing", create=False)


def test_settings_round_trip_and_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == UserSettings()
    settings = UserSettings(default_protocol="prone-hip-flexor", voice=False, rest_s=40)
    save_settings(tmp_path, settings)
    assert load_settings(tmp_path) == settings
    (tmp_path / "settings.json").write_text("{not json")
    with pytest.raises(DataDirError, match="settings file is not valid"):
        load_settings(tmp_path)


def test_personal_rest_length_applies_to_any_protocol() -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    default = UserSettings().personalise(protocol)
    assert default.rest_s == protocol.rest_s  # no rest of one's own: the protocol's
    assert default.model_copy(update={"first_get_ready_s": None}) == protocol
    mine = UserSettings(rest_s=40).personalise(protocol)
    assert mine.rest_s == 40 and mine.hold_s == protocol.hold_s


@pytest.mark.parametrize(("setting", "expected"), [(None, 20), (45, 45), (3, 10), (0, 10)])
def test_first_get_ready_is_a_setting_never_shorter_than_the_protocols(
    setting: int | None, expected: int
) -> None:
    """People in pain need time to get down to the floor: 20 s before the first hold by
    default; side switches keep the protocol's own get-ready (10 s for this one)."""
    protocol = load_protocol("kneeling-hip-flexor")
    settings = UserSettings() if setting is None else UserSettings(first_get_ready_s=setting)
    mine = settings.personalise(protocol)
    assert mine.first_get_ready_s == expected
    assert mine.get_ready_s == protocol.get_ready_s == 10


@pytest.mark.parametrize(
    ("changes", "reminder_changes", "field", "words"),
    [
        ({"camera_index": "²"}, {}, "camera_index", "Camera must be a whole number from 0 to 16."),
        ({"rest_s": "-3"}, {}, "rest_s", "from 0 to 600, or empty."),
        ({}, {"break_every_min": "5"}, "break_every_min", "of minutes from 15 to 480."),
        ({}, {"snooze_min": "²"}, "snooze_min", "Snooze must be a whole number of minutes"),
        ({}, {"daily_time": "7xm"}, "daily_time", "Daily reminder time: not a time: '7xm'"),
        (
            {},
            {"work_days": [7]},
            "work_days",
            "Working days: Input should be less than or equal to 6.",
        ),
        ({}, {"work_start": "18:00"}, None, "Working hours must end after they start."),
    ],
)
def test_one_validator_says_what_is_wrong_in_plain_words(
    changes: dict[str, object], reminder_changes: dict[str, object], field: str | None, words: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        updated_settings(UserSettings(), changes, reminder_changes)
    [problem] = raised.value.problems
    assert problem.field == field
    assert words in problem.text
    assert problem.detail in problem.text


def test_typed_values_are_normalised() -> None:
    updated = updated_settings(
        UserSettings(), {"rest_s": " ", "camera_index": " 2 "}, {"daily_time": "7:30 pm"}
    )
    assert (updated.rest_s, updated.camera_index, updated.reminders.daily_time) == (
        None,
        2,
        "19:30",
    )
    assert field_limits(UserSettings, "camera_index") == (0, 16)


def test_every_setting_has_a_title_and_a_description() -> None:
    for model in (UserSettings, ReminderSettings):
        for name, info in model.model_fields.items():
            if name != "reminders":
                assert info.title and info.description, name


def test_a_hand_edited_bad_time_in_the_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"reminders": {"daily_time": "25:00"}}')
    with pytest.raises(DataDirError, match=r"settings file is not valid(.|\n)*hour 25"):
        load_settings(tmp_path)
