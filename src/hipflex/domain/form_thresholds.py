"""Form thresholds for the camera check; they live in each protocol file's ``[form]`` table."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FormThresholds(BaseModel):
    """Angles in degrees, durations in seconds, heights as a fraction of leg length.

    Defaults follow the clinical description of the half-kneeling hip flexor stretch;
    single-camera angle errors are 4-7 degrees, so the margins are deliberately wide.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    hip_extension_good_deg: float = Field(10.0, ge=-30, le=60)
    hip_extension_cue_below_deg: float = Field(5.0, ge=-30, le=60)
    front_knee_min_deg: float = Field(80.0, ge=30, le=180)
    front_knee_max_deg: float = Field(110.0, ge=30, le=180)
    front_shin_max_from_vertical_deg: float = Field(30.0, ge=0, le=90)
    trunk_forward_max_deg: float = Field(15.0, ge=0, le=90)
    trunk_back_max_deg: float = Field(10.0, ge=0, le=90)
    back_knee_floor_max: float = Field(0.15, ge=0, le=1)
    min_visibility: float = Field(0.5, ge=0, le=1)
    hysteresis_deg: float = Field(3.0, ge=0, le=20)
    enter_s: float = Field(0.5, ge=0, le=10)
    exit_s: float = Field(0.3, ge=0, le=10)
    fault_cue_after_s: float = Field(1.0, ge=0, le=30)
    fault_cue_repeat_s: float = Field(5.0, ge=0, le=120)
