"""Turn a :class:`FormMeasurement` into what the user sees: a status, and a cue for faults.

Two questions, kept apart: *is the person half-kneeling?* (the body's shape, decided by
:mod:`hipflex.vision.position`) and, only then, *is the form good?* Good form is what the
stretch asks for: the hips slid forward (hip extension of the kneeling leg) and the lower back
not arching; a torso that collapses forward gets its cue. The front knee and shin are
information, faults only when no stretch looks like that. Kneeling on the other knee than the
hold asks for, or facing the camera (the angles cannot be read), are faults too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.vision.form import FormMeasurement
from hipflex.vision.position import PositionCheck, PositionModel, check_position


class FormStatus(Enum):
    """States a user sees. Faults carry a spoken cue."""

    NO_PERSON = "no_person"
    GET_INTO_POSITION = "get_into_position"
    GOOD = "good"
    WRONG_KNEE = "wrong_knee"
    TURN_SIDEWAYS = "turn_sideways"
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
    def label(self) -> str:
        """The status in a few plain words, for reports and legends."""
        return _LABELS[self]

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
    FormStatus.WRONG_KNEE: "switch knees",
    FormStatus.TURN_SIDEWAYS: "turn sideways to the camera",
    FormStatus.LEANING_FORWARD: "keep your torso upright",
    FormStatus.ARCHING_BACK: "tuck your pelvis, don't arch your lower back",
    FormStatus.SLIDE_HIPS_FORWARD: "slide your hips forward",
    FormStatus.FRONT_KNEE_TOO_BENT: "move your front foot further forward",
    FormStatus.FRONT_KNEE_TOO_OPEN: "bring your front foot back under your knee",
    FormStatus.FRONT_SHIN_TILTED: "keep your front knee above your ankle",
}

_MESSAGES: dict[FormStatus, str] = {
    FormStatus.NO_PERSON: "no person in view",
    FormStatus.GET_INTO_POSITION: "get into the half-kneeling position",
    FormStatus.GOOD: "good form",
    **{status: cue for status, cue in _CUES.items()},
}

_LABELS: dict[FormStatus, str] = {
    FormStatus.NO_PERSON: "nobody in view",
    FormStatus.GET_INTO_POSITION: "not in position",
    FormStatus.GOOD: "good form",
    FormStatus.WRONG_KNEE: "on the other knee",
    FormStatus.TURN_SIDEWAYS: "facing the camera",
    FormStatus.LEANING_FORWARD: "leaning forward",
    FormStatus.ARCHING_BACK: "arching back",
    FormStatus.SLIDE_HIPS_FORWARD: "hips not forward",
    FormStatus.FRONT_KNEE_TOO_BENT: "front knee very bent",
    FormStatus.FRONT_KNEE_TOO_OPEN: "front knee very open",
    FormStatus.FRONT_SHIN_TILTED: "front shin far from upright",
}


def reported_side(m: FormMeasurement | None, th: FormThresholds) -> Side | None:
    """The kneeling side when the camera can tell it (``None``: unknown)."""
    if m is None or m.side_confidence < th.side_report_min_confidence:
        return None
    return m.kneeling_side


def kneeling_on_other_side(
    measurement: FormMeasurement | None, expected_side: Side, th: FormThresholds
) -> bool:
    """True only when ``measurement`` confidently shows the other knee down than
    ``expected_side`` (the side the session asked for)."""
    if measurement is None or measurement.side_confidence < th.wrong_side_min_confidence:
        return False
    return measurement.kneeling_side is not expected_side


def other_side_message(expected_side: Side) -> str:
    """What to show when :func:`kneeling_on_other_side` is true."""
    return f"you seem to be on your {expected_side.other.value} knee: this hold is for the {expected_side.value} side"


def switch_knee_cue(expected_side: Side) -> str:
    """The spoken cue for a hold on the wrong knee."""
    return f"switch to your {expected_side.value} knee"


@dataclass(frozen=True)
class Classification:
    """The status of one frame, every fault seen in it (most important first), and the
    position verdict behind it (``None`` when nobody was found)."""

    status: FormStatus
    faults: tuple[FormStatus, ...] = ()
    position: PositionCheck | None = None

    @property
    def message(self) -> str:
        """What to show: for "get into position", which part is missing."""
        position = self.position
        if self.status is FormStatus.GET_INTO_POSITION and position and position.missing:
            return position.missing.value
        return self.status.message


def form_faults(
    m: FormMeasurement, th: FormThresholds, *, was_good: bool = False
) -> tuple[FormStatus, ...]:
    """Faults in an in-position frame, most important first.

    Facing the camera, the angles cannot be read: that is the only fault then. While the
    form is good (``was_good``) every limit is widened by ``hysteresis_deg`` and hip extension
    may drop to ``hip_extension_cue_below_deg`` before it counts as a fault; to become good
    it must reach ``hip_extension_good_deg``.
    """
    if m.frontal_ratio > th.max_frontal_ratio:
        return (FormStatus.TURN_SIDEWAYS,)
    margin_deg = th.hysteresis_deg if was_good else 0.0
    faults: list[FormStatus] = []
    if m.trunk_forward_deg > th.trunk_forward_max_deg + margin_deg:
        faults.append(FormStatus.LEANING_FORWARD)
    if m.trunk_forward_deg < -(th.trunk_back_max_deg + margin_deg):
        faults.append(FormStatus.ARCHING_BACK)
    hip_limit_deg = th.hip_extension_cue_below_deg if was_good else th.hip_extension_good_deg
    if not m.hip_extension_deg >= hip_limit_deg:
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
    expected_side: Side | None = None,
    model: PositionModel | None = None,
) -> Classification:
    """Classify one frame. Without the ``was_*`` flags this is the stateless (photo) rule.

    ``expected_side`` is the side the hold is for: a confident reading of the other knee
    down is the first fault (so the hold does not count).
    """
    if m is None:
        return Classification(FormStatus.NO_PERSON)
    position = check_position(m, th, model, was_in_position=was_in_position)
    if not position.in_position:
        return Classification(FormStatus.GET_INTO_POSITION, (), position)
    faults = form_faults(m, th, was_good=was_good)
    if expected_side is not None and kneeling_on_other_side(m, expected_side, th):
        faults = (FormStatus.WRONG_KNEE, *faults)
    if faults:
        return Classification(faults[0], faults, position)
    return Classification(FormStatus.GOOD, (), position)
