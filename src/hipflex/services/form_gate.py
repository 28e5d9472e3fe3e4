"""The one form gate: poses in, "does this hold time count?" out.

Every front end feeds it the same way: a pose (or ``None`` when nobody was seen) and the
frame's time go through the :class:`~hipflex.vision.tracker.FormTracker`; the session engine
asks the gate whether the person is in good form *now*. A gate whose frames stopped arriving
(a hidden tab, a frozen camera) says no after :data:`STALE_FRAME_S`: stale "good form" must
never keep the clock running. The gate also collects each hold's form figures for the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipflex.domain.clock import Clock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.domain.records import HoldFormSummary
from hipflex.vision.form_rules import FormStatus, other_side_message
from hipflex.vision.hold_metrics import HoldMetricsRecorder
from hipflex.vision.pose import Pose
from hipflex.vision.tracker import FormState, FormTracker

# With no frame for this long (on the gate's clock), hold time stops counting.
STALE_FRAME_S = 1.5


@dataclass(frozen=True)
class FormReading:
    """What one frame told: the tracker's state, a correction to say now (only during a
    hold), and a warning when the camera confidently sees the other knee down."""

    state: FormState
    cue: str | None = None
    other_side: str | None = None


class FormGate:
    """The session engine's form gate (call it), fed with :meth:`push`.

    ``clock`` times the frames' arrival for the stale-frame rule: the real clock for a live
    camera, the frames' own clock for a recorded video. While :attr:`active` is False (the
    camera went away) the gate always says yes: hold time counts as in timer mode.
    """

    def __init__(
        self, thresholds: FormThresholds, clock: Clock, *, stale_after_s: float = STALE_FRAME_S
    ) -> None:
        self.tracker = FormTracker(thresholds)
        self.metrics = HoldMetricsRecorder(thresholds)
        self.active = True
        self.latest: FormState | None = None
        self.frames = 0
        self._clock = clock
        self._stale_after_s = stale_after_s
        self._last_frame_at: float | None = None

    def push(
        self, pose: Pose | None, timestamp_s: float, expected_side: Side | None = None
    ) -> FormState:
        """Track one frame's pose; ``timestamp_s`` is the frame's time in seconds,
        ``expected_side`` the side of the current hold: a confident reading of the other knee
        down is then a fault (the hold does not count and stores no angle for this side)."""
        state = self.tracker.update(pose, timestamp_s, expected_side=expected_side)
        self.metrics.add(state)
        self.latest = state
        self.frames += 1
        self._last_frame_at = self._clock.monotonic()
        return state

    def __call__(self) -> bool:
        if not self.active:
            return True
        if self.latest is None or self._last_frame_at is None:
            return False
        fresh = self._clock.monotonic() - self._last_frame_at <= self._stale_after_s
        return fresh and self.latest.good

    # -- the recorder's per-hold form figures --------------------------------------------------

    def reset(self) -> None:
        self.metrics.reset()

    def summary(self) -> HoldFormSummary:
        return self.metrics.summary()

    # -- words for a screen --------------------------------------------------------------------

    def other_side(self) -> str | None:
        """The warning to show when the camera confidently sees the other knee down."""
        state = self.latest
        if state is None or state.status is not FormStatus.WRONG_KNEE:
            return None
        if state.expected_side is None:
            return None
        return other_side_message(state.expected_side)

    def describe(self) -> str:
        """One line for a screen: the state (on the other knee: which knee to use), and the
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
