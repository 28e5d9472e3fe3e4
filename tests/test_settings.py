"""Data dir resolution and the person's settings (shared by the CLI, web and reminders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflex.errors import DataDirError
from hipflex.protocols.loader import load_protocol
from hipflex.settings import UserSettings, load_settings, resolve_data_dir, save_settings


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
    assert UserSettings().personalise(protocol) is protocol
    mine = UserSettings(rest_s=40).personalise(protocol)
    assert mine.rest_s == 40 and mine.hold_s == protocol.hold_s
