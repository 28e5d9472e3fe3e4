"""What a session says happened. Edges (terminal, web, storage) react to these events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hipflex.domain.protocol import Side


class Phase(StrEnum):
    GET_READY = "get_ready"
    HOLD = "hold"
    REST = "rest"
    SWITCH_SIDE = "switch_side"
    DONE = "done"


class HoldOutcome(StrEnum):
    """How a hold ended. Only ``completed`` and ``timed_out`` count as a rep done."""

    COMPLETED = "completed"
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


class SessionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIAL = "partial"


@dataclass(frozen=True)
class PhaseStarted:
    phase: Phase
    side: Side
    rep: int
    duration_s: float
    instruction: str
    next_up: str


@dataclass(frozen=True)
class SecondTicked:
    phase: Phase
    side: Side
    rep: int
    remaining_s: int
    counted_s: float


@dataclass(frozen=True)
class HoldCompleted:
    """A hold ended; ``counted_s`` is the time that counted (good form, or timer)."""

    side: Side
    rep: int
    target_s: float
    counted_s: float
    started_at: datetime
    ended_at: datetime
    outcome: HoldOutcome


@dataclass(frozen=True)
class SideSwitched:
    from_side: Side
    to_side: Side


@dataclass(frozen=True)
class Paused:
    phase: Phase


@dataclass(frozen=True)
class Resumed:
    phase: Phase


@dataclass(frozen=True)
class CueRequested:
    """A short spoken cue; edges speak it or show it."""

    text: str
    kind: str


@dataclass(frozen=True)
class SessionFinished:
    """The end; ``counted_s_by_side`` sums the holds done (completed or timed out)."""

    status: SessionStatus
    holds_done: int
    holds_planned: int
    counted_s_by_side: dict[Side, float]


Event = (
    PhaseStarted
    | SecondTicked
    | HoldCompleted
    | SideSwitched
    | Paused
    | Resumed
    | CueRequested
    | SessionFinished
)
