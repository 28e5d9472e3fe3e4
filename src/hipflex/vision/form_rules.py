"""Turn a :class:`FormMeasurement` into what the user sees: a status, and a cue for faults."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import FormMeasurement


class FormStatus(Enum):
    """States a user sees. Faults carry a spoken cue."""

    NO_PERSON = "no_person"
    TURN_SIDEWAYS = "turn_sideways"
    GET_INTO_POSITION = "get_into_position"
    GOOD = "good"
    LEANING_FORWARD = "leaning_forward"
    ARCHING_BACK = "arching_back"
    SLIDE_HIPS_FORWARD = "slide_hips_forward"
    FRONT_KNEE_TOO_BENT = "front_knee_too_bent"
    FRONT_KNEE_TOO_OPEN = "front_knee_too_open"
    FRONT_SHIN_TILTED = "front_shin_tilted"

    @property
    def message(self) -> str:
        """Short text for a screen."""
        return _MESSAGES[self]

    @property
    def cue(self) -> str | None:
        """The spoken correction for a fault, ``None`` for the other states."""
        return _CUES.get(self)

    @property
    def is_fault(self) -> bool:
        """True for the in-position states with something to correct."""
        return self in _CUES

    @property
    def in_position(self) -> bool:
        """True when the person is in the half-kneeling position (good or with a fault)."""
        return self is FormStatus.GOOD or self.is_fault


_CUES: dict[FormStatus, str] = {
    FormStatus.LEANING_FORWARD: "keep your torso upright",
    FormStatus.ARCHING_BACK: "tuck your pelvis, don't arch your lower back",
    FormStatus.SLIDE_HIPS_FORWARD: "slide your hips forward",
    FormStatus.FRONT_KNEE_TOO_BENT: "move your front foot further forward",
    FormStatus.FRONT_KNEE_TOO_OPEN: "bring your front foot back under your knee",
    FormStatus.FRONT_SHIN_TILTED: "keep your front knee above your ankle",
}

_MESSAGES: dict[FormStatus, str] = {
    FormStatus.NO_PERSON: "no person in view",
    FormStatus.TURN_SIDEWAYS: "turn sideways to the camera",
    FormStatus.GET_INTO_POSITION: "get into the half-kneeling position",
    FormStatus.GOOD: "good form",
    **{status: cue for status, cue in _CUES.items()},
}


# The anatomical side is reported only at this confidence (label and depth agree): in a pure
# side view left and right are hard to tell, so a doubtful reading never flags anything.
CONFIDENT_SIDE = 0.8


def kneeling_on_other_side(measurement: FormMeasurement | None, expected_side: str) -> bool:
    """True only when ``measurement`` confidently shows the other knee down than
    ``expected_side`` (``"left"``/``"right"``, the side the session asked for)."""
    if measurement is None or measurement.side_confidence < CONFIDENT_SIDE:
        return False
    seen = measurement.kneeling_side.value
    return seen in ("left", "right") and seen != expected_side


def other_side_message(expected_side: str) -> str:
    """What to show when :func:`kneeling_on_other_side` is true."""
    other = "left" if expected_side == "right" else "right"
    return f"you seem to be on your {other} knee: this hold is for the {expected_side} side"


@dataclass(frozen=True)
class Classification:
    """The status of one frame and every fault seen in it (most important first)."""

    status: FormStatus
    faults: tuple[FormStatus, ...] = ()


def in_position_reason(
    m: FormMeasurement, th: FormThresholds, *, was_in_position: bool = False
) -> FormStatus | None:
    """``None`` when ``m`` shows the half-kneeling position, else the status to show.

    ``was_in_position`` widens the back-knee limit (hysteresis) so that a knee hovering at
    the limit does not flicker in and out.
    """
    if not m.visibility_ok:
        return FormStatus.GET_INTO_POSITION
    if m.frontal_ratio > th.max_frontal_ratio:
        return FormStatus.TURN_SIDEWAYS
    knee_limit = th.back_knee_floor_max + (th.back_knee_floor_hysteresis if was_in_position else 0)
    positioned = (
        all(
            math.isfinite(value)
            for value in (m.hip_extension_deg, m.front_knee_deg, m.front_shin_deg)
        )
        and m.back_knee_height <= knee_limit
        and m.front_knee_height >= th.front_knee_min_height
        and th.hip_min_height <= m.hip_height <= th.hip_max_height
        and abs(m.front_shin_deg) <= th.position_front_shin_max_deg
        and abs(m.trunk_forward_deg) <= th.position_trunk_max_deg
    )
    return None if positioned else FormStatus.GET_INTO_POSITION


def form_faults(
    m: FormMeasurement, th: FormThresholds, *, was_good: bool = False
) -> tuple[FormStatus, ...]:
    """Faults in an in-position frame, most important first.

    While the form is good (``was_good``) every limit is widened by ``hysteresis_deg`` and
    hip extension may drop to ``hip_extension_cue_below_deg`` before it counts as a fault;
    to become good it must reach ``hip_extension_good_deg``.
    """
    margin_deg = th.hysteresis_deg if was_good else 0.0
    faults: list[FormStatus] = []
    if m.trunk_forward_deg > th.trunk_forward_max_deg + margin_deg:
        faults.append(FormStatus.LEANING_FORWARD)
    if m.trunk_forward_deg < -(th.trunk_back_max_deg + margin_deg):
        faults.append(FormStatus.ARCHING_BACK)
    hip_limit_deg = th.hip_extension_cue_below_deg if was_good else th.hip_extension_good_deg
    if m.hip_extension_deg < hip_limit_deg:
        faults.append(FormStatus.SLIDE_HIPS_FORWARD)
    if m.front_knee_deg < th.front_knee_min_deg - margin_deg:
        faults.append(FormStatus.FRONT_KNEE_TOO_BENT)
    elif m.front_knee_deg > th.front_knee_max_deg + margin_deg:
        faults.append(FormStatus.FRONT_KNEE_TOO_OPEN)
    if abs(m.front_shin_deg) > th.front_shin_max_from_vertical_deg + margin_deg:
        faults.append(FormStatus.FRONT_SHIN_TILTED)
    return tuple(faults)


def classify(
    m: FormMeasurement | None,
    th: FormThresholds,
    *,
    was_in_position: bool = False,
    was_good: bool = False,
) -> Classification:
    """Classify one frame. Without the ``was_*`` flags this is the stateless (photo) rule."""
    if m is None:
        return Classification(FormStatus.NO_PERSON)
    reason = in_position_reason(m, th, was_in_position=was_in_position)
    if reason is not None:
        return Classification(reason)
    faults = form_faults(m, th, was_good=was_good)
    if faults:
        return Classification(faults[0], faults)
    return Classification(FormStatus.GOOD)
