"""Landmark messages in a live session: the in-browser pose path, as the server sees it.

The page runs the pose model and sends landmarks (see :mod:`hipflex.web.landmark_message`);
here each one is admitted (size, rate, shape, ranges, timestamps), turned into a ``Pose`` and
pushed into the guided session, whose form gate decides form exactly as for the server's own
model. A refused message changes nothing in the session: the page gets the reason, at most one
``refused`` message a second per reason (with how many were refused for it since), so a flood
of bad messages cannot become a flood of replies.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from hipflex.web.camera_bridge import FrameResult, frame_message
from hipflex.web.landmark_message import LandmarkGate, LandmarkRefused
from hipflex.web.live_session import LiveSession

Message = dict[str, Any]

# How often (server seconds) the page is told about refused messages at most.
REFUSAL_REPORT_S = 1.0
MAX_REPORTS_PER_S = 10


class LandmarkIntake:
    """One connection's landmark messages. Pure apart from measuring its own work time."""

    def __init__(self, gate: LandmarkGate | None = None) -> None:
        self.gate = gate or LandmarkGate()
        self.accepted = 0
        self.refused: Counter[str] = Counter()
        self._unreported: Counter[str] = Counter()
        self._reported_at_s: dict[str, float] = {}
        self._reports_s: list[float] = []

    def receive(self, text: str, received_s: float, session: LiveSession | None) -> list[Message]:
        """Messages for the page after one landmark message received at ``received_s``
        (monotonic seconds): a ``pose`` message with the server's verdict, or a refusal."""
        if session is None or not session.running:
            return self._refuse("no session is running: send start first", received_s)
        if session.pose_path != "browser":
            return self._refuse(
                "this session measures pose on the server: send camera frames, "
                "or start with pose 'browser'",
                received_s,
            )
        if not session.session.camera_active:
            return self._refuse("the camera is off in this session", received_s)
        started = time.perf_counter()
        try:
            message, pose = self.gate.admit(text, received_s)
        except LandmarkRefused as exc:
            return self._refuse(exc.reason, received_s)
        self.accepted += 1
        timestamp_s = pose.timestamp_s if pose is not None else received_s
        reading = session.push_pose(pose, timestamp_s)
        result = FrameResult(
            seq=self.accepted,
            pose=pose,
            timestamp_s=timestamp_s,
            width_px=message.width_px,
            height_px=message.height_px,
            processing_ms=(time.perf_counter() - started) * 1000.0,
        )
        reply = frame_message(result, reading)
        # The page drew these landmarks itself; sending them back would double the bytes.
        reply["landmarks"] = None
        reply["source"] = "browser"
        reply["timestamp_ms"] = message.timestamp_ms
        replies = [reply]
        if reading.cue:
            replies.append({"type": "event", "event": "cue", "text": reading.cue, "kind": "form"})
        return replies

    def _refuse(self, reason: str, received_s: float) -> list[Message]:
        self.refused[reason] += 1
        self._unreported[reason] += 1
        # Each reason at most once a second, and a few reports a second in all (reasons with
        # numbers in them vary from message to message).
        last_s = self._reported_at_s.get(reason)
        if last_s is not None and received_s - last_s < REFUSAL_REPORT_S:
            return []
        recent = [at for at in self._reports_s if received_s - at < REFUSAL_REPORT_S]
        if len(recent) >= MAX_REPORTS_PER_S:
            self._reports_s = recent
            return []
        self._reports_s = [*recent, received_s]
        self._reported_at_s[reason] = received_s
        count = self._unreported.pop(reason)
        return [{"type": "refused", "reason": reason, "count": count}]
