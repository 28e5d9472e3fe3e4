"""Form thresholds for the camera check; they live in each protocol file's ``[form]`` table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FormThresholds(BaseModel):
    """Angles in degrees, durations in seconds, heights as a fraction of leg length.

    Defaults follow the clinical description of the half-kneeling hip flexor stretch;
    single-camera angle errors are 4-7 degrees, so the margins are deliberately wide.
    The front-knee range is wider than the textbook 80-110 degrees: with the hips slid
    forward the front knee closes below 90, and MediaPipe's hip landmark sits high on the
    pelvis, so correct stretches measure 55-80 degrees (see docs/vision.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Good form (faults with cues).
    hip_extension_good_deg: float = Field(10.0, ge=-30, le=60)
    hip_extension_cue_below_deg: float = Field(5.0, ge=-30, le=60)
    front_knee_min_deg: float = Field(50.0, ge=30, le=180)
    front_knee_max_deg: float = Field(120.0, ge=30, le=180)
    front_shin_max_from_vertical_deg: float = Field(35.0, ge=0, le=90)
    trunk_forward_max_deg: float = Field(15.0, ge=0, le=90)
    trunk_back_max_deg: float = Field(10.0, ge=0, le=90)
    # In position (the half-kneeling shape at all).
    back_knee_floor_max: float = Field(0.12, ge=0, le=1)
    back_knee_floor_hysteresis: float = Field(0.04, ge=0, le=1)
    front_knee_min_height: float = Field(0.3, ge=0, le=2)
    hip_min_height: float = Field(0.25, ge=0, le=2)
    hip_max_height: float = Field(0.85, ge=0, le=2)
    position_front_shin_max_deg: float = Field(50.0, ge=0, le=90)
    position_trunk_max_deg: float = Field(45.0, ge=0, le=90)
    # View and visibility gate.
    min_visibility: float = Field(0.5, ge=0, le=1)
    max_frontal_ratio: float = Field(0.5, ge=0, le=2)
    # Time behaviour.
    hysteresis_deg: float = Field(3.0, ge=0, le=20)
    enter_s: float = Field(0.5, ge=0, le=10)
    exit_s: float = Field(0.3, ge=0, le=10)
    no_person_after_s: float = Field(0.5, ge=0, le=10)
    fault_cue_after_s: float = Field(1.0, ge=0, le=30)
    fault_cue_repeat_s: float = Field(5.0, ge=0, le=120)
