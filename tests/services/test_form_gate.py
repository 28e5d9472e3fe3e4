"""The one form gate: only fresh good form opens it; it keeps each hold's form figures."""

from __future__ import annotations

import pytest
from tests.services.conftest import frames

from hipflex.domain.clock import FakeClock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.domain.records import HoldFormSummary
from hipflex.services.form_gate import STALE_FRAME_S, FormGate


def feed(gate: FormGate, clock: FakeClock, seconds: float, start_s: float, **pose: object) -> None:
    for frame in frames(seconds, start_s, **pose):
        clock.set(max(clock.monotonic(), frame.timestamp_s))
        gate.push(frame.pose, frame.timestamp_s)


def test_good_form_opens_the_gate_until_frames_go_stale() -> None:
    clock = FakeClock()
    gate = FormGate(FormThresholds(), clock)
    assert gate() is False
    assert gate.describe(Side.RIGHT) == "waiting for the camera"
    feed(gate, clock, 3.0, 0.0, hip_extension_deg=20)
    assert gate() is True
    assert gate.describe(Side.RIGHT).startswith("good form · hip extension 20°")
    clock.advance(STALE_FRAME_S - 0.05)
    assert gate() is True
    clock.advance(0.1)
    assert gate() is False  # no frame for longer than STALE_FRAME_S: stale good form
    gate.active = False  # the camera went away: the timer counts
    assert gate() is True


def test_bad_form_and_nobody_keep_it_closed() -> None:
    clock = FakeClock()
    gate = FormGate(FormThresholds(), clock)
    feed(gate, clock, 3.0, 0.0, hip_extension_deg=20, trunk_forward_deg=35)
    assert gate() is False
    assert gate.latest is not None and gate.latest.status.value == "leaning_forward"
    feed(gate, clock, 3.0, 3.0, person=False)
    assert gate() is False


def test_summary_gives_the_hold_record_fields() -> None:
    clock = FakeClock()
    gate = FormGate(FormThresholds(), clock)
    gate.reset()
    feed(gate, clock, 2.0, 0.0, hip_extension_deg=18)
    feed(gate, clock, 2.0, 2.0, hip_extension_deg=18, trunk_forward_deg=35)
    summary = gate.summary()
    assert summary.hip_extension_max_deg == pytest.approx(18, abs=1)
    assert summary.faults is not None and summary.faults["leaning_forward"] > 1.0
    gate.reset()
    assert gate.summary() == HoldFormSummary(None, None, None)


def test_the_other_knee_down_is_flagged_only_when_confident() -> None:
    clock = FakeClock()
    gate = FormGate(FormThresholds(), clock)
    feed(gate, clock, 2.0, 0.0, hip_extension_deg=20, kneeling_label="left")
    assert gate.other_side(Side.RIGHT) == (
        "you seem to be on your left knee: this hold is for the right side"
    )
    assert gate.other_side(Side.LEFT) is None
    assert gate.describe(Side.RIGHT).startswith("you seem to be on your left knee")
    doubtful = FormGate(FormThresholds(), clock)
    feed(doubtful, clock, 2.0, 2.0, hip_extension_deg=20, kneeling_label="left", back_leg_near=True)
    assert doubtful.other_side(Side.RIGHT) is None
