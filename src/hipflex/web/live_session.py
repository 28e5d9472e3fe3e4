"""One live session: the pure engine, the recorder and (optionally) the camera's form gate.

Synchronous and free of web frameworks, so tests drive it with a ``FakeClock``. The
connection (``live_connection``) calls it from one asyncio loop and sends what it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hipflex.domain.clock import Clock
from hipflex.domain.events import Event, HoldCompleted, SessionFinished
from hipflex.domain.protocol import Protocol
from hipflex.domain.session import SessionEngine
from hipflex.services.recorder import SessionRecorder
from hipflex.storage.repository import Repository
from hipflex.vision.hold_metrics import HoldMetricsRecorder
from hipflex.vision.tracker import FormState
from hipflex.web.wire import ControlCommand, event_message, state_message

# With the camera on, hold time stops counting when no frame has arrived for this long
# (a hidden tab, a frozen camera): stale "good form" must not keep the clock running.
STALE_FRAME_S = 1.5
# The state is re-sent at least this often (real seconds) even when nothing changed, so a page
# can tell a quiet session (waiting for good form) from a dead connection.
HEARTBEAT_S = 1.0


class LiveSession:
    """Runs ``protocol`` from :meth:`begin` to the end, a quit, or :meth:`stop`.

    Every method returns the messages for the page, in order.
    """

    def __init__(
        self,
        protocol: Protocol,
        clock: Clock,
        repository: Repository,
        *,
        camera: bool,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.protocol = protocol
        self.clock = clock
        self.repository = repository
        self.camera_requested = camera
        self.camera_active = camera
        self.speed = speed
        self._monotonic = monotonic
        self._form_good = False
        self._last_frame_at: float | None = None
        self.form_metrics = HoldMetricsRecorder() if camera else None
        self.engine = SessionEngine(protocol, clock, form_gate=self._gate if camera else None)
        self.recorder = SessionRecorder(
            repository,
            protocol,
            clock,
            source="camera" if camera else "timer",
            form_metrics=self.form_metrics,
        )
        self.finished: SessionFinished | None = None
        self._last_state: dict[str, Any] | None = None
        self._last_state_at = 0.0

    @property
    def session_id(self) -> str | None:
        return self.recorder.session_id

    @property
    def running(self) -> bool:
        return self.session_id is not None and not self.engine.finished

    # -- the form gate ------------------------------------------------------------------------

    def _gate(self) -> bool:
        if not self.camera_active:
            return True  # the camera went away: the timer counts, as in timer mode
        if self._last_frame_at is None:
            return False
        fresh = self._monotonic() - self._last_frame_at <= STALE_FRAME_S
        return fresh and self._form_good

    def form_update(self, state: FormState) -> None:
        """A processed camera frame: feeds the gate and the hold's form metrics."""
        self._last_frame_at = self._monotonic()
        self._form_good = state.good
        if self.form_metrics is not None:
            self.form_metrics.add(state)

    def set_camera(self, enabled: bool) -> list[dict[str, Any]]:
        """The page lost (or regained) its camera; without it holds count on the timer."""
        if not self.camera_requested:
            return []
        self.camera_active = enabled
        self.recorder.source = "camera" if enabled else "timer"
        return [{"type": "camera", "enabled": enabled}, *self._state(force=True)]

    # -- the session --------------------------------------------------------------------------

    def begin(self, pain_before: int | None = None) -> list[dict[str, Any]]:
        """Create the session record, store the pain rating, start the engine."""
        session_id = self.recorder.begin()
        if pain_before is not None:
            self.repository.record_pain(session_id, "before", pain_before, self.clock.now())
        started = {
            "type": "started",
            "session_id": session_id,
            "camera": self.camera_requested,
            "protocol": {
                "name": self.protocol.name,
                "title": self.protocol.title,
                "position": self.protocol.position.value,
                "hold_s": self.protocol.hold_s,
                "reps": self.protocol.reps,
                "sides": [side.value for side in self.protocol.sides],
            },
        }
        return [started, *self._dispatch(self.engine.start()), *self._state(force=True)]

    def command(self, command: ControlCommand) -> list[dict[str, Any]]:
        """Pause, resume, toggle, skip or quit."""
        actions: dict[str, Callable[[], list[Event]]] = {
            "pause": self.engine.pause,
            "resume": self.engine.resume,
            "toggle_pause": self.engine.toggle_pause,
            "skip": self.engine.skip,
            "quit": self.engine.quit,
        }
        return [*self._dispatch(actions[command.type]()), *self._state(force=True)]

    def tick(self) -> list[dict[str, Any]]:
        """Let the engine consume the time that passed; send state when it changed."""
        return [*self._dispatch(self.engine.update()), *self._state()]

    def stop(self) -> list[dict[str, Any]]:
        """End now (tab closed, server stopping, taken over): saved as partial."""
        if self.session_id is None or self.engine.finished:
            return []
        return self._dispatch(self.engine.quit())

    # -- internals ----------------------------------------------------------------------------

    def _dispatch(self, events: list[Event]) -> list[dict[str, Any]]:
        # Storage first: an event reaches the page only once it is on record.
        self.recorder.handle(events)
        messages = []
        for event in events:
            if isinstance(event, SessionFinished):
                self.finished = event
            messages.append(event_message(event))
            if isinstance(event, HoldCompleted):
                messages[-1]["saved"] = True
        return messages

    def _state(self, *, force: bool = False) -> list[dict[str, Any]]:
        state = state_message(self.engine.snapshot(), camera=self.camera_active, speed=self.speed)
        now = self._monotonic()
        if not force and state == self._last_state and now - self._last_state_at < HEARTBEAT_S:
            return []
        self._last_state = state
        self._last_state_at = now
        return [state]
