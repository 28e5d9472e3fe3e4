"""The form state machine: per-frame rules plus time, so the state a user sees is stable.

Time comes only from the timestamps passed to :meth:`FormTracker.update` (frame times), so
a video gives the same result at any processing speed, and 10 or 30 fps give the same
counted time (to within one frame).
"""

from __future__ import annotations

from dataclasses import dataclass

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.vision.form import FormMeasurement, measure_form
from hipflex.vision.form_rules import (
    Classification,
    FormStatus,
    classify,
    switch_knee_cue,
)
from hipflex.vision.pose import Pose
from hipflex.vision.smoothing import PoseSmoother

# Shown while a person has just come into view and the new status is still being confirmed
# (not "no person in view" over a skeleton drawn on them).
SEEN_CHECKING = "person in view: checking the position"


@dataclass(frozen=True)
class FormState:
    """What the tracker shows after a frame.

    ``good`` is the form gate for the session engine; ``cue`` is a correction to speak
    *now* (``None`` most of the time); ``counted_good_s`` is the total time spent in good
    form since the tracker was created or reset. ``message`` is the text to show (for "get
    into position", the part that is missing). ``position_confidence`` is the probability of
    the half-kneeling shape in this frame (``None`` with nobody in view) and
    ``position_reason`` why it is low (``None`` when it is not).
    """

    timestamp_s: float
    status: FormStatus
    cue: str | None
    measurement: FormMeasurement | None
    pose: Pose | None
    raw_status: FormStatus
    faults: tuple[FormStatus, ...]
    status_since_s: float
    counted_good_s: float
    message: str = ""
    position_confidence: float | None = None
    position_reason: str | None = None
    expected_side: Side | None = None
    positioned: bool | None = None  # the debounced position; None: follow the status

    @property
    def good(self) -> bool:
        """True while hold seconds should count."""
        return self.status is FormStatus.GOOD

    @property
    def in_position(self) -> bool:
        """True in the half-kneeling position (good form or with a fault).

        Debounced on the position alone: a person whose form flickers between good and a
        fault at the bottom of a lunge is in position all along, even while the shown
        status waits for one of them to settle."""
        return self.status.in_position if self.positioned is None else self.positioned


class FormTracker:
    """Stateful form check: smoothing, hysteresis, minimum durations and cue timing.

    Call :meth:`update` with each frame's pose (``None`` when nobody was found) and the
    frame's timestamp in seconds. A new status replaces the shown one only after it has
    persisted ``enter_s`` (to become good), ``no_person_after_s`` (person gone) or
    ``exit_s`` (anything else); glitches shorter than ``glitch_tolerance_s`` are ignored.
    While a person is briefly not found (under ``no_person_after_s``) the state holds. A fault cue is given once the fault has persisted
    ``fault_cue_after_s``, and cues are at least ``fault_cue_repeat_s`` apart.
    """

    def __init__(self, thresholds: FormThresholds | None = None, *, smooth: bool = True) -> None:
        self.thresholds = thresholds or FormThresholds()
        self._smoother = PoseSmoother() if smooth else None
        self.reset()

    def reset(self) -> None:
        """Back to "no person", nothing counted, no cue history."""
        self._status = FormStatus.NO_PERSON
        self._status_since_s = 0.0
        self._pending: FormStatus | None = None
        self._pending_since_s = 0.0
        self._pending_last_seen_s = 0.0
        self._previous_frame_s = -1.0
        self._last_timestamp_s: float | None = None
        self._last_cue_s: float | None = None
        self._counted_good_s = 0.0
        self._positioned = False
        self._position_flip_since_s: float | None = None
        self._position_flip_last_s = 0.0
        if self._smoother is not None:
            self._smoother.reset()
        self._state = FormState(
            0.0,
            FormStatus.NO_PERSON,
            None,
            None,
            None,
            FormStatus.NO_PERSON,
            (),
            0.0,
            0.0,
            FormStatus.NO_PERSON.message,
        )

    @property
    def state(self) -> FormState:
        """The state after the last update."""
        return self._state

    def _required_s(self, target: FormStatus) -> float:
        th = self.thresholds
        if target is FormStatus.GOOD:
            return th.enter_s
        if target is FormStatus.NO_PERSON:
            return th.no_person_after_s
        return th.exit_s

    def _advance(self, raw: FormStatus, timestamp_s: float) -> None:
        """Debounce: a new status must persist; frames of a third status shorter than
        ``glitch_tolerance_s`` neither reset nor break the pending one."""
        pending_alive = self._pending is not None and (
            timestamp_s - self._pending_last_seen_s <= self.thresholds.glitch_tolerance_s + 1e-9
            or self._pending_last_seen_s >= self._previous_frame_s
        )
        if raw is self._status:
            if not pending_alive:
                self._pending = None
            return
        if raw is self._pending:
            self._pending_last_seen_s = timestamp_s
        elif pending_alive:
            return  # a glitch inside a pending change: ignore it
        else:
            self._pending = raw
            self._pending_since_s = timestamp_s
            self._pending_last_seen_s = timestamp_s
        if timestamp_s - self._pending_since_s >= self._required_s(raw) - 1e-9:
            self._status = raw
            self._status_since_s = self._pending_since_s
            self._pending = None

    def update(
        self, pose: Pose | None, timestamp_s: float, *, expected_side: Side | None = None
    ) -> FormState:
        """Feed one frame; returns the new :class:`FormState`.

        ``expected_side`` is the side the current hold is for (``None``: any). When the
        camera is confident the other knee is down, the state is the ``wrong_knee`` fault
        with the cue "switch to your <side> knee", so no time counts.
        """
        th = self.thresholds
        if self._last_timestamp_s is not None:
            dt_s = timestamp_s - self._last_timestamp_s
            if dt_s < 0:
                dt_s = 0.0  # out-of-order frame: never count time backwards
            elif self._status is FormStatus.GOOD:
                self._counted_good_s += min(dt_s, th.max_counted_gap_s)
        self._last_timestamp_s = max(timestamp_s, self._last_timestamp_s or timestamp_s)

        measurement = None
        if pose is not None:
            if self._smoother is not None:
                pose = self._smoother(pose.with_timestamp(timestamp_s))
            measurement = measure_form(pose, th.min_visibility)
        raw = classify(
            measurement,
            th,
            was_in_position=self._status.in_position,
            was_good=self._status is FormStatus.GOOD,
            expected_side=expected_side,
        )

        self._advance(raw.status, timestamp_s)
        self._advance_position(raw.status.in_position, timestamp_s)
        self._previous_frame_s = timestamp_s

        cue = None
        if (
            self._status.is_fault
            and raw.status is self._status
            and timestamp_s - self._status_since_s >= th.fault_cue_after_s - 1e-9
            and (
                self._last_cue_s is None
                or timestamp_s - self._last_cue_s >= th.fault_cue_repeat_s - 1e-9
            )
        ):
            cue = self._status.cue
            if self._status is FormStatus.WRONG_KNEE and expected_side is not None:
                cue = switch_knee_cue(expected_side)
            self._last_cue_s = timestamp_s

        position = raw.position
        self._state = FormState(
            timestamp_s=timestamp_s,
            status=self._status,
            cue=cue,
            measurement=measurement,
            pose=pose,
            raw_status=raw.status,
            faults=raw.faults,
            status_since_s=self._status_since_s,
            counted_good_s=self._counted_good_s,
            message=self._message(raw, expected_side),
            position_confidence=None if position is None else position.confidence,
            position_reason=None if position is None else position.reason,
            expected_side=expected_side,
            positioned=self._positioned,
        )
        return self._state

    def _advance_position(self, raw_in_position: bool, timestamp_s: float) -> None:
        """Debounce in / out of position alone: a change must persist ``exit_s`` (frames of
        the old value shorter than ``glitch_tolerance_s`` do not interrupt it)."""
        th = self.thresholds
        if raw_in_position == self._positioned:
            if (
                self._position_flip_since_s is not None
                and timestamp_s - self._position_flip_last_s > th.glitch_tolerance_s + 1e-9
            ):
                self._position_flip_since_s = None
            return
        if self._position_flip_since_s is None:
            self._position_flip_since_s = timestamp_s
        self._position_flip_last_s = timestamp_s
        required_s = th.exit_s
        if timestamp_s - self._position_flip_since_s >= required_s - 1e-9:
            self._positioned = raw_in_position
            self._position_flip_since_s = None

    def _message(self, raw: Classification, expected_side: Side | None) -> str:
        if self._status is FormStatus.WRONG_KNEE and expected_side is not None:
            other = expected_side.other.value
            return f"you seem to be on your {other} knee: {switch_knee_cue(expected_side)}"
        if self._status is raw.status:
            return raw.message
        if self._status is FormStatus.NO_PERSON:
            return SEEN_CHECKING  # seen, not yet for long enough to say how they stand
        return self._status.message
