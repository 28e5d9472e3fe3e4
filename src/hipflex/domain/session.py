"""The session engine: a state machine over a protocol, driven by an injected clock.

get ready → hold → rest → hold … → switch side → hold … → done.

The engine never reads time or devices itself. Call :meth:`SessionEngine.update` as often as
you like (every frame, every 100 ms); it consumes the time that passed on its clock, crossing
as many phases as that time covers, and returns the events that happened. An optional *form
gate* says whether the person is in good form right now: hold time counts only while it says
yes. Without a gate, hold time counts as the timer runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hipflex.domain.clock import Clock
from hipflex.domain.events import (
    CueRequested,
    Event,
    HoldCompleted,
    HoldOutcome,
    Paused,
    Phase,
    PhaseStarted,
    Resumed,
    SecondTicked,
    SessionFinished,
    SessionStatus,
    SideSwitched,
)
from hipflex.domain.protocol import Protocol, Side, SideOrder

FormGate = Callable[[], bool]

# The last seconds of a hold get a countdown cue ("3, 2, 1") when the protocol asks for one.
LAST_SECONDS = 3


@dataclass(frozen=True)
class PlannedHold:
    side: Side
    rep: int


def plan_holds(protocol: Protocol) -> list[PlannedHold]:
    """The holds of one session, in order."""
    reps = range(1, protocol.reps + 1)
    if protocol.order is SideOrder.BLOCKED:
        return [PlannedHold(side, rep) for side in protocol.sides for rep in reps]
    return [PlannedHold(side, rep) for rep in reps for side in protocol.sides]


@dataclass(frozen=True)
class SessionView:
    """A snapshot for renderers: everything a screen needs, nothing to compute."""

    protocol_name: str
    phase: Phase
    side: Side
    rep: int
    reps: int
    remaining_s: float
    phase_duration_s: float
    counted_s: float
    target_s: float
    paused: bool
    instruction: str
    next_up: str
    steps: list[str]
    reps_done: dict[Side, int]
    holds_done: int
    holds_planned: int
    form_ok: bool | None
    status: SessionStatus


@dataclass
class _HoldProgress:
    counted_s: float = 0.0
    started_mono: float = 0.0
    last_seconds_cued: bool = False


@dataclass
class _State:
    phase: Phase = Phase.GET_READY
    index: int = 0  # index into the plan of the hold this phase leads to / is
    elapsed_s: float = 0.0  # time spent in the phase, pauses excluded
    hold: _HoldProgress = field(default_factory=_HoldProgress)
    last_tick: int | None = None


class SessionEngine:
    """Runs one session of ``protocol``. Not thread-safe: drive it from one loop."""

    def __init__(self, protocol: Protocol, clock: Clock, form_gate: FormGate | None = None) -> None:
        self.protocol = protocol
        self.plan = plan_holds(protocol)
        self._clock = clock
        self._gate = form_gate
        self._gate_ok = True if form_gate is None else bool(form_gate())
        self._state = _State()
        self._started = False
        self._paused = False
        self._status = SessionStatus.IN_PROGRESS
        self._last_mono = 0.0
        self._cursor_mono = 0.0  # the instant the engine has consumed time up to
        self._mono0 = 0.0
        self._wall0 = clock.now()
        self._outcomes: list[HoldCompleted] = []

    # -- public API ---------------------------------------------------------------------------

    @property
    def status(self) -> SessionStatus:
        return self._status

    @property
    def finished(self) -> bool:
        return self._status is not SessionStatus.IN_PROGRESS

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def holds(self) -> list[HoldCompleted]:
        """Holds that have ended so far, in order."""
        return list(self._outcomes)

    def start(self) -> list[Event]:
        """Begin the session with the get-ready phase for the first hold."""
        if self._started:
            return []
        self._started = True
        self._mono0 = self._last_mono = self._cursor_mono = self._clock.monotonic()
        self._wall0 = self._clock.now()
        events: list[Event] = []
        self._enter(Phase.GET_READY, 0, events)
        return events

    def update(self) -> list[Event]:
        """Consume the time passed since the last call; return what happened."""
        if not self._started or self.finished:
            return []
        now = self._clock.monotonic()
        dt = max(0.0, now - self._last_mono)
        self._last_mono = now
        events: list[Event] = []
        if not self._paused:
            self._consume(dt, events)
        self._cursor_mono = now
        if self._gate is not None:
            self._gate_ok = bool(self._gate())
        self._tick(events)
        return events

    def pause(self) -> list[Event]:
        if self._paused or self.finished or not self._started:
            return []
        events = self.update()
        self._paused = True
        events.append(Paused(self._state.phase))
        return events

    def resume(self) -> list[Event]:
        if not self._paused or self.finished:
            return []
        self._last_mono = self._cursor_mono = self._clock.monotonic()
        self._paused = False
        return [Resumed(self._state.phase)]

    def toggle_pause(self) -> list[Event]:
        return self.resume() if self._paused else self.pause()

    def skip(self) -> list[Event]:
        """Skip the current phase. A skipped hold is recorded with the time it counted."""
        if self.finished or not self._started:
            return []
        events = self.update() if not self._paused else []
        if self.finished:
            return events
        if self._state.phase is Phase.HOLD:
            self._end_hold(HoldOutcome.SKIPPED, events)
        else:
            self._enter(Phase.HOLD, self._state.index, events)
        self._tick(events)
        return events

    def quit(self) -> list[Event]:
        """Stop now. A hold in progress with counted time is kept as interrupted."""
        if self.finished:
            return []
        events = self.update() if self._started and not self._paused else []
        if self.finished:
            return events
        if self._state.phase is Phase.HOLD and self._state.hold.counted_s >= 1.0:
            hold = self.plan[self._state.index]
            events.append(self._record(hold, HoldOutcome.INTERRUPTED))
        self._finish(SessionStatus.PARTIAL, events)
        return events

    def snapshot(self) -> SessionView:
        state = self._state
        index = min(state.index, len(self.plan) - 1)
        hold = self.plan[index]
        duration = self._phase_duration(state.phase)
        if state.phase is Phase.HOLD:
            remaining = max(0.0, self.protocol.hold_s - state.hold.counted_s)
        elif state.phase is Phase.DONE:
            remaining = 0.0
        else:
            remaining = max(0.0, duration - state.elapsed_s)
        return SessionView(
            protocol_name=self.protocol.name,
            phase=state.phase,
            side=hold.side,
            rep=hold.rep,
            reps=self.protocol.reps,
            remaining_s=remaining,
            phase_duration_s=duration,
            counted_s=state.hold.counted_s if state.phase is Phase.HOLD else 0.0,
            target_s=float(self.protocol.hold_s),
            paused=self._paused,
            instruction=self._instruction(state.phase, hold),
            next_up=self._next_up(state.phase, index),
            steps=self.protocol.steps_for(hold.side),
            reps_done=self._reps_done(),
            holds_done=sum(1 for h in self._outcomes if _counts_as_rep(h)),
            holds_planned=len(self.plan),
            form_ok=None if self._gate is None else self._gate_ok,
            status=self._status,
        )

    # -- internals ----------------------------------------------------------------------------

    def _phase_duration(self, phase: Phase) -> float:
        if phase is Phase.HOLD:
            return float(self.protocol.hold_s)
        if phase is Phase.REST:
            return float(self.protocol.rest_s)
        if phase is Phase.GET_READY and self.protocol.first_get_ready_s is not None:
            return float(self.protocol.first_get_ready_s)
        if phase in (Phase.GET_READY, Phase.SWITCH_SIDE):
            return float(self.protocol.get_ready_s)
        return 0.0

    def _mono_to_wall(self, mono: float) -> datetime:
        return self._wall0 + timedelta(seconds=mono - self._mono0)

    def _consume(self, dt: float, events: list[Event]) -> None:
        # The clock may have jumped over several phases (a fast demo clock, a slow loop).
        while not self.finished:
            state = self._state
            if state.phase is Phase.HOLD:
                limit = self.protocol.hold_s * self.protocol.max_hold_factor
                to_limit = limit - state.elapsed_s
                needed = to_limit
                if self._gate_ok:
                    needed = min(needed, self.protocol.hold_s - state.hold.counted_s)
                step = min(dt, max(0.0, needed))
                state.elapsed_s += step
                self._cursor_mono += step
                if self._gate_ok:
                    state.hold.counted_s += step
                dt -= step
                self._last_seconds_cue(events)
                if state.hold.counted_s >= self.protocol.hold_s - 1e-9:
                    state.hold.counted_s = float(self.protocol.hold_s)
                    self._end_hold(HoldOutcome.COMPLETED, events)
                elif state.elapsed_s >= limit - 1e-9:
                    self._end_hold(HoldOutcome.TIMED_OUT, events)
                else:
                    return
            else:
                needed = self._phase_duration(state.phase) - state.elapsed_s
                if dt < needed:
                    state.elapsed_s += dt
                    self._cursor_mono += dt
                    return
                dt -= max(0.0, needed)
                self._cursor_mono += max(0.0, needed)
                state.elapsed_s = self._phase_duration(state.phase)
                self._enter(Phase.HOLD, state.index, events)

    def _enter(self, phase: Phase, index: int, events: list[Event]) -> None:
        self._state.phase = phase
        self._state.index = index
        self._state.elapsed_s = 0.0
        self._state.last_tick = None
        if phase is Phase.DONE:
            return
        hold = self.plan[index]
        if phase is Phase.HOLD:
            self._state.hold = _HoldProgress(0.0, self._cursor_mono)
        protocol = self.protocol
        events.append(
            PhaseStarted(
                phase=phase,
                side=hold.side,
                rep=hold.rep,
                duration_s=self._phase_duration(phase),
                instruction=self._instruction(phase, hold),
                next_up=self._next_up(phase, index),
            )
        )
        cue = {
            Phase.GET_READY: protocol.cues.get_ready,
            Phase.HOLD: protocol.cues.hold_start,
            Phase.REST: protocol.cues.rest,
            Phase.SWITCH_SIDE: protocol.cues.switch_side,
        }[phase]
        if cue:
            events.append(CueRequested(protocol.render(cue, hold.side, hold.rep), phase.value))

    def _end_hold(self, outcome: HoldOutcome, events: list[Event]) -> None:
        index = self._state.index
        hold = self.plan[index]
        events.append(self._record(hold, outcome))
        if self.protocol.cues.hold_end and outcome is not HoldOutcome.SKIPPED:
            text = self.protocol.render(self.protocol.cues.hold_end, hold.side, hold.rep)
            events.append(CueRequested(text, "hold_end"))
        if index + 1 >= len(self.plan):
            skipped = any(h.outcome is HoldOutcome.SKIPPED for h in self._outcomes)
            status = SessionStatus.PARTIAL if skipped else SessionStatus.COMPLETED
            self._finish(status, events)
            return
        nxt = self.plan[index + 1]
        if nxt.side is not hold.side:
            events.append(SideSwitched(hold.side, nxt.side))
            self._enter(Phase.SWITCH_SIDE, index + 1, events)
        else:
            self._enter(Phase.REST, index + 1, events)

    def _record(self, hold: PlannedHold, outcome: HoldOutcome) -> HoldCompleted:
        started = self._state.hold.started_mono
        record = HoldCompleted(
            side=hold.side,
            rep=hold.rep,
            target_s=float(self.protocol.hold_s),
            counted_s=round(self._state.hold.counted_s, 3),
            started_at=self._mono_to_wall(started),
            ended_at=self._mono_to_wall(self._cursor_mono),
            outcome=outcome,
        )
        self._outcomes.append(record)
        return record

    def _finish(self, status: SessionStatus, events: list[Event]) -> None:
        self._status = status
        self._state.phase = Phase.DONE
        if status is SessionStatus.COMPLETED and self.protocol.cues.done:
            last = self.plan[-1]
            events.append(
                CueRequested(self.protocol.render(self.protocol.cues.done, last.side), "done")
            )
        # The total shown counts the holds done (the filled dots); a skipped or interrupted
        # hold keeps its seconds in the record, not in this sum.
        counted: dict[Side, float] = {side: 0.0 for side in self.protocol.sides}
        for h in self._outcomes:
            if _counts_as_rep(h):
                counted[h.side] += h.counted_s
        events.append(
            SessionFinished(
                status=status,
                holds_done=sum(1 for h in self._outcomes if _counts_as_rep(h)),
                holds_planned=len(self.plan),
                counted_s_by_side=counted,
            )
        )

    def _tick(self, events: list[Event]) -> None:
        if self.finished:
            return
        view_remaining = self.snapshot().remaining_s
        second = math.ceil(view_remaining - 1e-9)
        if second != self._state.last_tick:
            self._state.last_tick = second
            hold = self.plan[self._state.index]
            events.append(
                SecondTicked(
                    phase=self._state.phase,
                    side=hold.side,
                    rep=hold.rep,
                    remaining_s=second,
                    counted_s=self._state.hold.counted_s
                    if self._state.phase is Phase.HOLD
                    else 0.0,
                )
            )

    def _last_seconds_cue(self, events: list[Event]) -> None:
        # A "last seconds" cue, once per hold, when the protocol defines one.
        text = self.protocol.cues.last_seconds
        state = self._state
        if not text or state.hold.last_seconds_cued:
            return
        if self.protocol.hold_s - state.hold.counted_s <= LAST_SECONDS:
            hold = self.plan[state.index]
            events.append(CueRequested(self.protocol.render(text, hold.side, hold.rep), "last"))
            state.hold.last_seconds_cued = True

    def _instruction(self, phase: Phase, hold: PlannedHold) -> str:
        side = hold.side.value
        if phase is Phase.GET_READY:
            return f"Get ready: {side} knee down. " + " ".join(
                self.protocol.steps_for(hold.side)[:1]
            )
        if phase is Phase.SWITCH_SIDE:
            return f"Switch sides: {side} knee down. " + " ".join(
                self.protocol.steps_for(hold.side)[:1]
            )
        if phase is Phase.HOLD:
            steps = self.protocol.steps_for(hold.side)
            body = steps[1] if len(steps) > 1 else steps[0]
            return f"Hold the stretch, {side} side ({hold.rep} of {self.protocol.reps}). {body}"
        if phase is Phase.REST:
            return "Rest. Ease out of the stretch and breathe."
        return "Session finished."

    def _next_up(self, phase: Phase, index: int) -> str:
        if phase in (Phase.GET_READY, Phase.SWITCH_SIDE, Phase.REST):
            hold = self.plan[index]
            return f"Hold {hold.rep} of {self.protocol.reps}, {hold.side.value} side"
        if phase is Phase.HOLD and index + 1 < len(self.plan):
            nxt = self.plan[index + 1]
            what = "switch sides" if nxt.side is not self.plan[index].side else "rest"
            return f"Then {what}: hold {nxt.rep} of {self.protocol.reps}, {nxt.side.value} side"
        return "Then you are done"

    def _reps_done(self) -> dict[Side, int]:
        done = {side: 0 for side in self.protocol.sides}
        for h in self._outcomes:
            if _counts_as_rep(h):
                done[h.side] += 1
        return done


def _counts_as_rep(hold: HoldCompleted) -> bool:
    return hold.outcome in (HoldOutcome.COMPLETED, HoldOutcome.TIMED_OUT)
