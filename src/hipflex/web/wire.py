"""The WebSocket protocol of a live session: what the page may send, what it receives.

Text messages are JSON objects with a ``type``. Binary messages are camera frames: a 4-byte
big-endian sequence number, then the JPEG. See docs/web.md for the whole protocol.
"""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from hipflex.domain.events import (
    CueRequested,
    Event,
    HoldCompleted,
    Paused,
    PhaseStarted,
    Resumed,
    SecondTicked,
    SessionFinished,
    SideSwitched,
)
from hipflex.domain.protocol import NAME_PATTERN
from hipflex.domain.records import PAIN_MAX, PAIN_MIN
from hipflex.domain.session import SessionView

MAX_TEXT_MESSAGE_BYTES = 4096
FRAME_HEADER = struct.Struct(">I")


class WireError(ValueError):
    """A message the server cannot use; the text is safe to send back to the page."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StartCommand(_Message):
    """``pose`` says where the camera's pose is measured: ``server`` (the page sends JPEG
    frames) or ``browser`` (the page runs the model and sends landmark messages)."""

    type: Literal["start"]
    protocol: str | None = Field(None, pattern=NAME_PATTERN)
    # strict: pydantic would otherwise read "yes", "on" or 1 as true (issue 10.9).
    camera: bool = Field(False, strict=True)
    pose: Literal["server", "browser"] = "server"
    pain_before: int | None = Field(None, ge=PAIN_MIN, le=PAIN_MAX, strict=True)
    take_over: bool = Field(False, strict=True)


class ControlCommand(_Message):
    type: Literal["pause", "resume", "toggle_pause", "skip", "quit"]


class CameraCommand(_Message):
    """The page's camera stopped (or came back): hold time follows the timer meanwhile."""

    type: Literal["camera"]
    enabled: bool = Field(strict=True)


Command = Annotated[StartCommand | ControlCommand | CameraCommand, Field(discriminator="type")]
_COMMAND = TypeAdapter(Command)


def parse_command(text: str) -> StartCommand | ControlCommand | CameraCommand:
    """Validate a text message; :class:`WireError` with a short reason otherwise."""
    if len(text.encode("utf-8", errors="replace")) > MAX_TEXT_MESSAGE_BYTES:
        raise WireError(f"message too long (limit {MAX_TEXT_MESSAGE_BYTES} bytes)")
    try:
        data = json.loads(text)
    except ValueError:
        raise WireError("message is not JSON") from None
    if not isinstance(data, dict) or "type" not in data:
        raise WireError("message must be a JSON object with a type")
    try:
        return _COMMAND.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "message"
        raise WireError(f"{where}: {first.get('msg', 'invalid')}") from None


def parse_frame(data: bytes) -> tuple[int, bytes]:
    """Split a binary frame message into its sequence number and JPEG bytes."""
    if len(data) <= FRAME_HEADER.size:
        raise WireError("frame message too short")
    (seq,) = FRAME_HEADER.unpack_from(data)
    return int(seq), data[FRAME_HEADER.size :]


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_EVENT_NAMES: dict[type[Any], str] = {
    PhaseStarted: "phase_started",
    SecondTicked: "second_ticked",
    HoldCompleted: "hold_completed",
    SideSwitched: "side_switched",
    Paused: "paused",
    Resumed: "resumed",
    CueRequested: "cue",
    SessionFinished: "session_finished",
}


def event_message(event: Event) -> dict[str, Any]:
    """A domain event as ``{"type": "event", "event": name, ...fields}``."""
    assert is_dataclass(event)
    fields = {key: _plain(value) for key, value in asdict(event).items()}
    return {"type": "event", "event": _EVENT_NAMES[type(event)], **fields}


def state_message(view: SessionView, *, camera: bool, speed: float) -> dict[str, Any]:
    """Everything the player shows right now (sent a few times a second)."""
    return {
        "type": "state",
        "phase": view.phase.value,
        "side": view.side.value,
        "rep": view.rep,
        "reps": view.reps,
        "remaining_s": round(view.remaining_s, 2),
        "phase_duration_s": view.phase_duration_s,
        "counted_s": round(view.counted_s, 2),
        "target_s": view.target_s,
        "paused": view.paused,
        "instruction": view.instruction,
        "next_up": view.next_up,
        "steps": view.steps,
        "reps_done": {side.value: count for side, count in view.reps_done.items()},
        "holds_done": view.holds_done,
        "holds_planned": view.holds_planned,
        "form_ok": view.form_ok,
        "status": view.status.value,
        "camera": camera,
        "speed": speed,
    }


def error_message(text: str) -> dict[str, Any]:
    return {"type": "error", "message": text}
