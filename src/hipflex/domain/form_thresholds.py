"""Form thresholds for the camera check; they live in each protocol file's ``[form]`` table.

Every number the camera check decides with is a field here (a test fails when a decision
module grows a numeric constant of its own), and the built-in kneeling protocol lists every
field with its value, so the protocol file is the one place to read or change them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FormThresholds(BaseModel):
    """Angles in degrees, durations in seconds, heights as a fraction of leg length,
    probabilities in [0, 1].

    Single-camera angle errors are 4-7 degrees, so margins are deliberately wide. Values are
    explained in docs/vision.md; the position settings were chosen on the leave-one-source-out
    score of ``bench/eval_images.py``, never on the pooled one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Good form (faults with cues). The front knee and shin are information, not gates:
    # their limits only catch shapes no stretch looks like.
    hip_extension_good_deg: float = Field(10.0, ge=-30, le=60)
    hip_extension_cue_below_deg: float = Field(5.0, ge=-30, le=60)
    front_knee_min_deg: float = Field(30.0, ge=0, le=180)
    front_knee_max_deg: float = Field(150.0, ge=0, le=180)
    front_shin_max_from_vertical_deg: float = Field(45.0, ge=0, le=90)
    trunk_forward_max_deg: float = Field(15.0, ge=0, le=90)
    trunk_back_max_deg: float = Field(10.0, ge=0, le=90)
    # In position (the half-kneeling shape): hard rules that guard the classifier's precision.
    back_knee_floor_max: float = Field(0.35, ge=0, le=2)
    back_knee_floor_hysteresis: float = Field(0.04, ge=0, le=1)
    front_knee_min_height: float = Field(0.3, ge=0, le=2)
    hip_min_height: float = Field(0.25, ge=0, le=2)
    hip_max_height: float = Field(0.95, ge=0, le=2)
    position_front_shin_max_deg: float = Field(50.0, ge=0, le=90)
    position_trunk_max_deg: float = Field(65.0, ge=0, le=90)
    back_shin_rise_max_deg: float = Field(40.0, ge=0, le=90)
    back_shin_drop_max_deg: float = Field(30.0, ge=0, le=90)
    back_foot_held_reach: float = Field(0.25, ge=0, le=2)
    back_foot_held_knee_max_deg: float = Field(75.0, ge=0, le=180)
    # In position: the classifier (vision/position_model.json).
    position_min_probability: float = Field(0.5, ge=0, le=1)
    position_probability_hysteresis: float = Field(0.1, ge=0, le=1)
    position_confident_probability: float = Field(0.8, ge=0, le=1)
    # View and visibility.
    min_visibility: float = Field(0.5, ge=0, le=1)
    max_frontal_ratio: float = Field(0.5, ge=0, le=2)
    # Which knee is down: reported from this confidence, a wrong side flagged from the next.
    side_report_min_confidence: float = Field(0.6, ge=0, le=1)
    wrong_side_min_confidence: float = Field(0.8, ge=0, le=1)
    # Time behaviour.
    hysteresis_deg: float = Field(3.0, ge=0, le=20)
    enter_s: float = Field(0.5, ge=0, le=10)
    exit_s: float = Field(0.3, ge=0, le=10)
    no_person_after_s: float = Field(0.5, ge=0, le=10)
    glitch_tolerance_s: float = Field(0.15, ge=0, le=5)
    max_counted_gap_s: float = Field(1.0, ge=0, le=10)
    fault_cue_after_s: float = Field(1.0, ge=0, le=30)
    fault_cue_repeat_s: float = Field(5.0, ge=0, le=120)
