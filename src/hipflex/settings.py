"""Where hipflex keeps its data, and the person's settings (shared by CLI, web and reminders)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hipflex.domain.protocol import Protocol
from hipflex.errors import DataDirError
from hipflex.files import write_atomically

ENV_DATA_DIR = "HIPFLEX_DATA_DIR"
ENV_DATABASE_URL = "HIPFLEX_DATABASE_URL"
SETTINGS_FILE = "settings.json"
# `hipflex serve` listens here; reminders open the session page on this port.
DEFAULT_WEB_PORT = 8765


def default_data_dir() -> Path:
    """``$HIPFLEX_DATA_DIR`` or the platform's user data dir (``~/.local/share/hipflex``...)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("hipflex", appauthor=False))


def resolve_data_dir(explicit: Path | None = None, *, create: bool = True) -> Path:
    """The data dir to use, created if needed and checked to be writable."""
    path = (explicit.expanduser() if explicit else default_data_dir()).absolute()
    if path.exists() and not path.is_dir():
        raise DataDirError(f"data dir {path} exists but is not a directory")
    if not path.exists():
        if not create:
            raise DataDirError(f"data dir {path} does not exist")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataDirError(
                f"cannot create data dir {path}: {exc.strerror or exc}",
                hint=f"choose another with --data-dir or ${ENV_DATA_DIR}",
            ) from None
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise DataDirError(
            f"data dir {path} is not writable: {exc.strerror or exc}",
            hint=f"fix its permissions or choose another with --data-dir or ${ENV_DATA_DIR}",
        ) from None
    return path


def user_protocols_dir(data_dir: Path) -> Path:
    """Where a person (or their physiotherapist) puts their own protocol files."""
    return data_dir / "protocols"


class ReminderSettings(BaseModel):
    """When to remind (see docs/reminders.md). Times are "HH:MM" wall-clock in ``timezone``
    (an IANA name such as "Europe/Berlin"; None means the computer's own time zone)."""

    model_config = ConfigDict(extra="ignore")

    daily_enabled: bool = False
    daily_time: str = "08:00"
    breaks_enabled: bool = False
    break_every_min: int = Field(60, ge=15, le=480)
    work_start: str = "09:00"
    work_end: str = "17:00"
    work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    timezone: str | None = None
    snooze_min: int = Field(10, ge=1, le=240)


class UserSettings(BaseModel):
    """A person's choices; stored as JSON in the data dir."""

    model_config = ConfigDict(extra="ignore")

    default_protocol: str = "kneeling-hip-flexor"
    voice: bool = True
    sound: bool = True
    camera_index: int = Field(0, ge=0, le=16)
    rest_s: int | None = Field(None, ge=0, le=600)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)

    def personalise(self, protocol: Protocol) -> Protocol:
        """``protocol`` with the person's own choices applied (their rest length)."""
        if self.rest_s is None:
            return protocol
        return protocol.model_copy(update={"rest_s": self.rest_s})


def load_settings(data_dir: Path) -> UserSettings:
    """Read settings; a missing file gives defaults, a broken one a clear error."""
    path = data_dir / SETTINGS_FILE
    if not path.exists():
        return UserSettings()
    try:
        return UserSettings.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise DataDirError(f"{path}: settings file is not valid: {exc}") from None


def save_settings(data_dir: Path, settings: UserSettings) -> None:
    """Write settings atomically (all or nothing); ``CannotWriteError`` when it fails."""
    write_atomically(data_dir / SETTINGS_FILE, settings.model_dump_json(indent=2))
