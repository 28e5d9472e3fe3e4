"""Where hipflex keeps its data, and the person's settings (shared by CLI, web and reminders)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from hipflex.domain.protocol import Protocol
from hipflex.errors import DataDirError, HipflexError
from hipflex.files import write_atomically
from hipflex.reminders.timeparse import (
    ReminderSettingsError,
    format_clock_time,
    parse_clock_time,
)

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


def _clock_time(value: object) -> object:
    # "7pm", "7:30 pm", "19.30" are stored as "HH:MM"; the parser's own words on failure.
    if not isinstance(value, str):
        return value
    try:
        return format_clock_time(parse_clock_time(value))
    except ReminderSettingsError as exc:
        raise ValueError(exc.message) from None


def _blank_is_none(value: object) -> object:
    # An emptied form field means "not set".
    return None if isinstance(value, str) and not value.strip() else value


ClockTime = Annotated[str, BeforeValidator(_clock_time)]
Weekday = Annotated[int, Field(ge=0, le=6)]


class ReminderSettings(BaseModel):
    """When to remind (see docs/reminders.md). Times are "HH:MM" wall-clock in ``timezone``
    (an IANA name such as "Europe/Berlin"; None means the computer's own time zone)."""

    model_config = ConfigDict(extra="ignore")

    daily_enabled: bool = Field(False, title="Daily reminder", description="Remind every day.")
    daily_time: ClockTime = Field(
        "08:00", title="Daily reminder time", description="When, as HH:MM (7pm is kept as 19:00)."
    )
    breaks_enabled: bool = Field(
        False, title="Sitting breaks", description="Remind to stand up during working hours."
    )
    break_every_min: int = Field(
        60, ge=15, le=480, title="Sitting breaks", description="Minutes between two breaks."
    )
    work_start: ClockTime = Field(
        "09:00", title="Working hours start", description="First break reminder after this."
    )
    work_end: ClockTime = Field(
        "17:00", title="Working hours end", description="No break reminders after this."
    )
    work_days: list[Weekday] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        title="Working days",
        description="Days with break reminders, Monday = 0.",
    )
    timezone: str | None = Field(
        None, title="Time zone", description="An IANA name; none: this computer's own."
    )
    snooze_min: int = Field(
        10, ge=1, le=240, title="Snooze", description="Minutes until a snoozed reminder."
    )

    @model_validator(mode="after")
    def _working_hours_in_order(self) -> ReminderSettings:
        if self.work_start >= self.work_end:  # "HH:MM" strings sort as times do
            raise ValueError("Working hours must end after they start.")
        return self


# People in pain need time to get down to the floor (issue 9): the first get-ready is twice
# the shipped protocols' 8–12 s; later side switches keep the protocol's own.
FIRST_GET_READY_S = 20


class UserSettings(BaseModel):
    """A person's choices; stored as JSON in the data dir. Each field's title and description
    are what the Settings page and error messages call it."""

    model_config = ConfigDict(extra="ignore")

    default_protocol: str = Field(
        "kneeling-hip-flexor", title="Default stretch", description="The protocol Start runs."
    )
    voice: bool = Field(True, title="Voice cues", description="Speak the cues.")
    sound: bool = Field(True, title="Beeps", description="Beep at the start and end of a hold.")
    camera_index: int = Field(
        0, ge=0, le=16, title="Camera", description="Which camera `hipflex start --camera` uses."
    )
    rest_s: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(
        None,
        ge=0,
        le=600,
        title="Rest",
        description="Seconds of rest between holds; empty: the protocol's own.",
    )
    first_get_ready_s: int = Field(
        FIRST_GET_READY_S,
        ge=0,
        le=120,
        title="First get-ready",
        description="Seconds to get into position before the first hold.",
    )
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)

    def personalise(self, protocol: Protocol) -> Protocol:
        """``protocol`` with the person's own choices applied: their rest length, and their
        first get-ready (never shorter than the protocol's own get-ready)."""
        update: dict[str, object] = {
            "first_get_ready_s": max(self.first_get_ready_s, protocol.get_ready_s)
        }
        if self.rest_s is not None:
            update["rest_s"] = self.rest_s
        return protocol.model_copy(update=update)


class SettingsError(HipflexError):
    """Settings that do not validate; ``problems`` says each one in plain words."""

    def __init__(self, problems: list[SettingsProblem]) -> None:
        super().__init__(" ".join(problem.text for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class SettingsProblem:
    """One invalid setting: its field name (None for a rule across fields), the words for a
    form (``text``) and the same without the field's title (``detail``, for an edge that
    names the field its own way, such as a command-line option)."""

    field: str | None
    text: str
    detail: str


def updated_settings(
    current: UserSettings,
    changes: Mapping[str, object] | None = None,
    reminder_changes: Mapping[str, object] | None = None,
) -> UserSettings:
    """``current`` with ``changes`` applied, validated by the fields themselves.

    Values may be the text a person typed ("45", "7pm", ""): the one validator for the
    Settings page and ``hipflex remind set``. :class:`SettingsError` lists every problem.
    """
    data = current.model_dump()
    data.update(changes or {})
    data["reminders"] = {**data["reminders"], **(reminder_changes or {})}
    try:
        return UserSettings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError([_problem(error) for error in exc.errors()]) from None


_NUMBER_ERRORS = frozenset(
    {"int_parsing", "int_type", "int_from_float", "greater_than_equal", "less_than_equal"}
)
_UNITS = {"_s": "seconds", "_min": "minutes"}


def field_limits(model: type[BaseModel], name: str) -> tuple[int, int]:
    """The (lowest, highest) value a number setting allows, for forms and help texts."""
    limits = _limits(model.model_fields[name])
    if limits is None:
        raise ValueError(f"{model.__name__}.{name} has no range")
    return limits


def _limits(info: FieldInfo) -> tuple[int, int] | None:
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
    return None if low is None or high is None else (int(low), int(high))


def _problem(error: ErrorDetails) -> SettingsProblem:
    fields = [part for part in error["loc"] if isinstance(part, str)]
    name = fields[-1] if fields else ""
    info = ReminderSettings.model_fields.get(name) or UserSettings.model_fields.get(name)
    if info is None or name == "reminders":  # a rule across fields (working hours in order)
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return SettingsProblem(None, message, message)
    title = info.title or name
    limits = _limits(info)
    if error["type"] in _NUMBER_ERRORS and limits is not None:
        unit = next((f" of {u}" for suffix, u in _UNITS.items() if name.endswith(suffix)), "")
        blank = ", or empty" if info.default is None else ""
        detail = f"must be a whole number{unit} from {limits[0]} to {limits[1]}{blank}."
        return SettingsProblem(name, f"{title} {detail}", detail)
    detail = str(error.get("ctx", {}).get("error", "")) or f"{error['msg']}."
    return SettingsProblem(name, f"{title}: {detail}", detail)


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
