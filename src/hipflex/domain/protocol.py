"""A stretching protocol: what to do, how long, how often. Loaded from TOML (see protocols/)."""

from __future__ import annotations

import re
import string
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from hipflex.domain.form_thresholds import FormThresholds

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
TEMPLATE_FIELDS = frozenset({"side", "other", "Side", "Other", "rep", "reps", "hold_s"})


class Side(StrEnum):
    """The side being stretched: the side of the kneeling (back) leg."""

    RIGHT = "right"
    LEFT = "left"

    @property
    def other(self) -> Side:
        return Side.LEFT if self is Side.RIGHT else Side.RIGHT


class SideOrder(StrEnum):
    """All reps on one side then the other, or alternating sides every rep."""

    BLOCKED = "blocked"
    ALTERNATING = "alternating"


class Position(StrEnum):
    """The body position; the camera form check knows the kneeling one."""

    KNEELING = "kneeling"
    PRONE = "prone"
    STANDING = "standing"


_BRACE_HINT = "{{ and }} for literal braces"


def _check_template(text: str) -> str:
    """Allow only the documented placeholders, bare: no format spec or conversion, which
    could fail (``{hold_s:zz}``) or cost memory (``{hold_s:>300000000}``) when rendered."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        if "Single '}'" in str(exc):
            raise ValueError(f"a }} without its {{; write {_BRACE_HINT}") from None
        raise ValueError(f"a {{ without its }}; write {_BRACE_HINT}") from None
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        shown = (
            "{"
            + field
            + (f"!{conversion}" if conversion else "")
            + (f":{spec}" if spec else "")
            + "}"
        )
        if field not in TEMPLATE_FIELDS:
            allowed = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
            raise ValueError(f"unknown placeholder {shown}; use one of {allowed}, or {_BRACE_HINT}")
        if spec or conversion:
            raise ValueError(
                f"{shown}: a placeholder takes no format; write {{{field}}}, or {_BRACE_HINT}"
            )
    return text


def _check_step(text: str) -> str:
    if not text.strip():
        raise ValueError("a step must not be empty")
    return _check_template(text)


Step = Annotated[str, AfterValidator(_check_step)]


class Cues(BaseModel):
    """Short spoken cues. Placeholders: {side}, {other}, {Side}, {Other}, {rep}, {reps}, {hold_s}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    get_ready: str = "Get ready: {side} knee down."
    hold_start: str = "Hold."
    last_seconds: str = ""
    hold_end: str = "Relax."
    rest: str = "Rest."
    switch_side: str = "Switch sides: {side} knee down."
    done: str = "Done. Well stretched."

    @field_validator("*")
    @classmethod
    def _templates(cls, value: str) -> str:
        return _check_template(value)


class Protocol(BaseModel):
    """A validated protocol. Durations are whole seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=1, max_length=120)
    summary: str = ""
    position: Position = Position.KNEELING
    when_to_choose: str = ""
    note: str = ""
    steps: tuple[Step, ...] = Field(min_length=1)
    hold_s: int = Field(ge=5, le=600)
    reps: int = Field(ge=1, le=20)
    sides: tuple[Side, ...] = Field(default=(Side.RIGHT, Side.LEFT), min_length=1, max_length=2)
    order: SideOrder = SideOrder.BLOCKED
    get_ready_s: int = Field(default=10, ge=0, le=120)
    # The first get-ready (getting down to the floor) can be longer than a side switch; None:
    # get_ready_s. The person's setting (UserSettings.first_get_ready_s) fills it in.
    first_get_ready_s: int | None = Field(default=None, ge=0, le=120)
    rest_s: int = Field(default=15, ge=0, le=600)
    days_per_week: int = Field(default=7, ge=1, le=7)
    frequency: str = "daily"
    max_hold_factor: float = Field(default=3.0, ge=1.0, le=10.0)
    cues: Cues = Cues()
    form: FormThresholds = FormThresholds()

    @field_validator("sides")
    @classmethod
    def _distinct_sides(cls, sides: tuple[Side, ...]) -> tuple[Side, ...]:
        if len(set(sides)) != len(sides):
            raise ValueError("each side may appear once")
        return sides

    def weekly_dose_s(self) -> int:
        """Planned hold seconds per side per week."""
        return self.hold_s * self.reps * self.days_per_week

    def session_dose_s(self) -> int:
        """Planned hold seconds per side in one session."""
        return self.hold_s * self.reps

    def render(self, text: str, side: Side, rep: int = 1) -> str:
        """Fill a step or cue template for ``side``."""
        return text.format(
            side=side.value,
            other=side.other.value,
            Side=side.value.capitalize(),
            Other=side.other.value.capitalize(),
            rep=rep,
            reps=self.reps,
            hold_s=self.hold_s,
        )

    def steps_for(self, side: Side) -> list[str]:
        """The steps as the person should read them for ``side``."""
        return [self.render(step, side) for step in self.steps]


def slugify(text: str) -> str:
    """A protocol name from free text (``"Physio 3 x 45"`` → ``"physio-3-x-45"``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63]
