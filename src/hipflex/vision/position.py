"""Is the person half-kneeling? Body shape only; good form is decided elsewhere (form_rules).

Two layers:

1. **Rules** (:func:`position_guard`): shapes that are plainly not half-kneeling are refused
   with the part that is missing: the front shin lying on the floor (tall kneeling, all fours,
   child's pose, pigeon, plank), no foot forward, the torso horizontal, the back leg standing
   (the knee above the foot), the back foot raised on something (Bulgarian split squat),
   the hips too high or too low. Their limits are wide: they guard the classifier's
   precision, they do not draw the fine line.
2. **A small logistic regression** (``position_model.json``, fitted by
   ``scripts/train-position-model`` on the shared photos plus the synthetic skeletons) draws
   the fine line between a knee resting or hovering near the floor and a lunge with the knee
   up. Its probability is the **position confidence**.

Where the hands are, how far the trunk leans, a backbend and a back foot held in the hand do
not decide the position: they become faults or cues once the person is in position.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import FormMeasurement

MODEL_FORMAT = "hipflex-position-model/1"

# The classifier's inputs, in order; each maps to the part to fix when it speaks against.
FEATURES: tuple[str, ...] = (
    "back_knee_height",
    "back_knee_height_3d",
    "back_knee_deg",
    "front_knee_height",
    "hip_height",
    "front_shin_abs_deg",
    "trunk_abs_deg",
    "back_toe_height_3d",
    "back_shin_rise_3d_deg",
    "front_shin_tilt_3d_deg",
)


class MissingPart(Enum):
    """What a person who is not half-kneeling should change, most basic first."""

    WHOLE_BODY = "show your whole body to the camera, legs and feet included"
    FOOT_FORWARD = "put one foot forward, its knee bent"
    BACK_KNEE_DOWN = "lower your back knee to the floor"
    TORSO_UP = "lift your chest and kneel up on one knee"
    BACK_FOOT_DOWN = "rest your back foot on the floor"

    @property
    def cue(self) -> str:
        return self.value


_FEATURE_PART: dict[str, MissingPart] = {
    "back_knee_height": MissingPart.BACK_KNEE_DOWN,
    "back_knee_height_3d": MissingPart.BACK_KNEE_DOWN,
    "back_knee_deg": MissingPart.BACK_KNEE_DOWN,
    "hip_height": MissingPart.BACK_KNEE_DOWN,
    "front_knee_height": MissingPart.FOOT_FORWARD,
    "front_shin_abs_deg": MissingPart.FOOT_FORWARD,
    "front_shin_tilt_3d_deg": MissingPart.FOOT_FORWARD,
    "trunk_abs_deg": MissingPart.TORSO_UP,
    "back_toe_height_3d": MissingPart.BACK_FOOT_DOWN,
    "back_shin_rise_3d_deg": MissingPart.BACK_FOOT_DOWN,
}

_FEATURE_DOUBT: dict[MissingPart, str] = {
    MissingPart.WHOLE_BODY: "part of the body is hidden or outside the picture",
    MissingPart.BACK_KNEE_DOWN: "the back knee looks off the floor",
    MissingPart.FOOT_FORWARD: "the front foot does not look planted ahead",
    MissingPart.TORSO_UP: "the torso leans far from upright",
    MissingPart.BACK_FOOT_DOWN: "the back foot looks raised",
}


def back_foot_held(m: FormMeasurement, th: FormThresholds) -> bool:
    """A hand holds the back foot (the shin folded up towards the buttock)."""
    return m.back_foot_reach <= th.back_foot_held_reach and (
        m.back_knee_deg < th.back_foot_held_knee_max_deg
    )


def position_features(m: FormMeasurement, th: FormThresholds) -> dict[str, float]:
    """The classifier's inputs. A back foot held in the hand is not a raised foot, so its
    back-foot figures are replaced by those of a foot resting on the floor (zero)."""
    held = back_foot_held(m, th)
    return {
        "back_knee_height": m.back_knee_height,
        "back_knee_height_3d": m.back_knee_height_3d,
        "back_knee_deg": m.back_knee_deg,
        "front_knee_height": m.front_knee_height,
        "hip_height": m.hip_height,
        "front_shin_abs_deg": abs(m.front_shin_deg),
        "trunk_abs_deg": abs(m.trunk_forward_deg),
        "back_toe_height_3d": 0.0 if held else m.back_toe_height_3d,
        "back_shin_rise_3d_deg": 0.0 if held else m.back_shin_rise_3d_deg,
        "front_shin_tilt_3d_deg": m.front_shin_tilt_3d_deg,
    }


def position_guard(
    m: FormMeasurement, th: FormThresholds, *, was_in_position: bool = False
) -> MissingPart | None:
    """The hard rules: ``None`` when nothing rules the half-kneeling shape out."""
    values = (m.back_knee_height, m.front_knee_height, m.hip_height, m.trunk_forward_deg)
    if not m.visibility_ok or not all(math.isfinite(v) for v in values):
        return MissingPart.WHOLE_BODY
    if abs(m.trunk_forward_deg) > th.position_trunk_max_deg:
        return MissingPart.TORSO_UP
    if m.front_shin_tilt_3d_deg > th.position_front_shin_max_deg:
        return MissingPart.FOOT_FORWARD
    if m.front_knee_height < th.front_knee_min_height:
        return MissingPart.FOOT_FORWARD
    knee_limit = th.back_knee_floor_max + (th.back_knee_floor_hysteresis if was_in_position else 0)
    if (
        m.back_knee_height > knee_limit
        or m.back_shin_rise_3d_deg < -th.back_shin_drop_max_deg
        or m.hip_height > th.hip_max_height
    ):
        return MissingPart.BACK_KNEE_DOWN
    if m.hip_height < th.hip_min_height:
        return MissingPart.TORSO_UP
    if m.back_shin_rise_3d_deg > th.back_shin_rise_max_deg and not back_foot_held(m, th):
        return MissingPart.BACK_FOOT_DOWN
    return None


@dataclass(frozen=True)
class PositionModel:
    """A fitted logistic regression on standardised :data:`FEATURES`."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    info: dict[str, Any]

    def contributions(self, features: dict[str, float]) -> dict[str, float]:
        """Each feature's term in the log-odds (positive: speaks for the position)."""
        return {
            name: c * (features[name] - mu) / sd
            for name, mu, sd, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        }

    def probability(self, features: dict[str, float]) -> float:
        """P(half-kneeling) in [0, 1]."""
        log_odds = self.intercept + sum(self.contributions(features).values())
        if log_odds >= 0:
            return 1.0 / (1.0 + math.exp(-log_odds))
        odds = math.exp(log_odds)
        return odds / (1.0 + odds)

    def to_dict(self) -> dict[str, Any]:
        """The JSON file's content."""
        return {
            "format": MODEL_FORMAT,
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PositionModel:
        """Read a model; ``ValueError`` when it is not one this code can use."""
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} file")
        features = tuple(str(f) for f in data["features"])
        if features != FEATURES:
            raise ValueError(f"the model's features {features} are not {FEATURES}")
        return cls(
            features,
            tuple(float(v) for v in data["mean"]),
            tuple(float(v) for v in data["scale"]),
            tuple(float(v) for v in data["coef"]),
            float(data["intercept"]),
            dict(data.get("info", {})),
        )


@cache
def shipped_model() -> PositionModel:
    """The model shipped in the package (``hipflex/vision/position_model.json``)."""
    text = resources.files("hipflex.vision").joinpath("position_model.json").read_text("utf-8")
    return PositionModel.from_dict(json.loads(text))


@dataclass(frozen=True)
class PositionCheck:
    """The verdict on the body's shape.

    ``confidence`` is the classifier's probability of the half-kneeling shape (0 when a rule
    refuses it). ``missing`` says what to change when not in position; ``reason`` says why
    when the confidence is low (below ``position_confident_probability``), else ``None``.
    """

    in_position: bool
    confidence: float
    missing: MissingPart | None = None
    reason: str | None = None


def check_position(
    m: FormMeasurement,
    th: FormThresholds,
    model: PositionModel | None = None,
    *,
    was_in_position: bool = False,
) -> PositionCheck:
    """Decide whether ``m`` shows the half-kneeling shape (see the module doc)."""
    guard = position_guard(m, th, was_in_position=was_in_position)
    if guard is not None:
        return PositionCheck(False, 0.0, guard, _FEATURE_DOUBT[guard])
    model = model or shipped_model()
    features = position_features(m, th)
    probability = model.probability(features)
    cut = th.position_min_probability
    if was_in_position:
        cut -= th.position_probability_hysteresis
    contributions = model.contributions(features)
    weakest = min(contributions, key=lambda name: contributions[name])
    part = _FEATURE_PART[weakest]
    reason = _FEATURE_DOUBT[part] if probability < th.position_confident_probability else None
    if probability >= cut:
        return PositionCheck(True, probability, None, reason)
    return PositionCheck(False, probability, part, reason)


__all__ = [
    "FEATURES",
    "MissingPart",
    "PositionCheck",
    "PositionModel",
    "back_foot_held",
    "check_position",
    "position_features",
    "position_guard",
    "shipped_model",
]
