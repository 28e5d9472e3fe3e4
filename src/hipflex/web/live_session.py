"""A guided session as the page sees it: what the use case returns, as JSON messages.

The session itself (engine, recorder, form gate) is
:class:`~hipflex.services.guided_session.GuidedSession`; this only words it for the page and
decides when the state is worth sending. Synchronous, so tests drive it with a ``FakeClock``.
"""

from __future__ import annotations

from typing import Any

from hipflex.domain.clock import Clock
from hipflex.domain.events import Event, HoldCompleted
from hipflex.services.form_gate import FormReading
from hipflex.services.guided_session import Control, GuidedSession
from hipflex.vision.pose import Pose
from hipflex.web.wire import event_message, state_message

# The state is re-sent at least this often (real seconds) even when nothing changed, so a page
# can tell a quiet session (waiting for good form) from a dead connection.
HEARTBEAT_S = 1.0

Message = dict[str, Any]


class LiveSession:
    """Every method returns the messages for the page, in order. ``wall`` times heartbeats."""

    def __init__(
        self, session: GuidedSession, wall: Clock, *, speed: float = 1.0, pose_path: str = "server"
    ) -> None:
        self.session = session
        self.camera_requested = session.gate is not None
        # Where the camera's pose is measured: "server" (JPEG frames) or "browser" (landmarks).
        self.pose_path = pose_path if self.camera_requested else "none"
        self.speed = speed
        self._wall = wall
        self._last_state: Message | None = None
        self._last_state_at = 0.0

    @property
    def running(self) -> bool:
        return self.session.running

    def push_pose(self, pose: Pose | None, timestamp_s: float) -> FormReading:
        """A pose the server measured from the page's frame."""
        return self.session.push_pose(pose, timestamp_s)

    def begin(self, pain_before: int | None = None) -> list[Message]:
        """Create the session record, store the pain rating, start the engine."""
        events = self.session.begin(pain_before)
        protocol = self.session.protocol
        started = {
            "type": "started",
            "session_id": self.session.session_id,
            "camera": self.camera_requested,
            "pose": self.pose_path,
            "protocol": {
                "name": protocol.name,
                "title": protocol.title,
                "position": protocol.position.value,
                "hold_s": protocol.hold_s,
                "reps": protocol.reps,
                "sides": [side.value for side in protocol.sides],
            },
        }
        return [started, *self._messages(events), *self._state(force=True)]

    def command(self, action: Control) -> list[Message]:
        """Pause, resume, toggle, skip or quit."""
        return [*self._messages(self.session.control(action)), *self._state(force=True)]

    def tick(self) -> list[Message]:
        """Let the engine consume the time that passed; send state when it changed."""
        return [*self._messages(self.session.update()), *self._state()]

    def set_camera(self, enabled: bool) -> list[Message]:
        """The page lost (or regained) its camera; without it holds count on the timer."""
        if not self.camera_requested:
            return []
        self.session.set_camera(enabled)
        return [{"type": "camera", "enabled": enabled}, *self._state(force=True)]

    def stop(self, reason: str | None = None) -> list[Message]:
        """End now (tab closed, server stopping, taken over): saved as partial. With a
        ``reason`` the page is told the session ended elsewhere, not by the person."""
        messages = self._messages(self.session.stop())
        for message in messages:
            if reason and message.get("event") == "session_finished":
                message["ended_by"] = reason
        return messages

    def _messages(self, events: list[Event]) -> list[Message]:
        # The use case has stored each event before it comes back here.
        messages = [event_message(event) for event in events]
        for event, message in zip(events, messages, strict=True):
            if isinstance(event, HoldCompleted):
                message["saved"] = True
        return messages

    def _state(self, *, force: bool = False) -> list[Message]:
        state = state_message(
            self.session.snapshot(), camera=self.session.camera_active, speed=self.speed
        )
        now = self._wall.monotonic()
        if not force and state == self._last_state and now - self._last_state_at < HEARTBEAT_S:
            return []
        self._last_state = state
        self._last_state_at = now
        return [state]
