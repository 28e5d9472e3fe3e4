"""Joins a pose source to a session: frames feed the form tracker, the tracker gates the engine.

One ``FormFeed`` per session. It is the session engine's form gate (``feed.gate``), the
recorder's per-hold form metrics (``reset``/``summary``), and, for recorded media, the clock:
time comes from the frames, never from the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hipflex.domain.clock import FakeClock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.vision.hold_metrics import HoldMetricsRecorder
from hipflex.vision.pose import Frame
from hipflex.vision.tracker import FormState, FormTracker


@dataclass
class FormFeed:
    """Feed frames in with :meth:`push`; read the gate, the cue and the metrics."""

    thresholds: FormThresholds
    frame_clock: FakeClock | None = None  # set for video files and replays
    tracker: FormTracker = field(init=False)
    metrics: HoldMetricsRecorder = field(default_factory=HoldMetricsRecorder)
    latest: FormState | None = None
    frames: int = 0
    _first_timestamp_s: float | None = None

    def __post_init__(self) -> None:
        self.tracker = FormTracker(self.thresholds)

    def push(self, frame: Frame, expected_side: Side | None = None) -> FormState:
        """Process one frame; advances the frame clock when there is one. ``expected_side``
        is the side of the current hold: on the other knee the state is a fault."""
        state = self.tracker.update(frame.pose, frame.timestamp_s, expected_side=expected_side)
        self.metrics.add(state)
        self.latest = state
        self.frames += 1
        if self.frame_clock is not None:
            if self._first_timestamp_s is None:
                self._first_timestamp_s = frame.timestamp_s
            elapsed_s = frame.timestamp_s - self._first_timestamp_s
            if elapsed_s > self.frame_clock.monotonic():
                self.frame_clock.set(elapsed_s)
        return state

    def gate(self) -> bool:
        """The session engine's form gate: hold time counts only while this is True."""
        return self.latest is not None and self.latest.good

    # -- the recorder's HoldFormMetrics -------------------------------------------------------

    def reset(self) -> None:
        self.metrics.reset()

    def summary(self) -> dict[str, Any]:
        return self.metrics.summary()

    def describe(self) -> str | None:
        """One line for a screen: the state (on the other knee, which knee to use), and the
        angles when in position."""
        state = self.latest
        if state is None:
            return "waiting for the camera"
        text = state.message or state.status.message
        m = state.measurement
        if m is not None and state.in_position:
            lean = "forward" if m.trunk_forward_deg >= 0 else "back"
            text += (
                f" · hip extension {m.hip_extension_deg:.0f}°"
                f" · trunk {abs(m.trunk_forward_deg):.0f}° {lean}"
            )
        return text
