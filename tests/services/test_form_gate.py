"""The one form gate: only fresh good form opens it; it keeps each hold's form figures."""

from __future__ import annotations

import pytest
from tests.services.conftest import frames

from hipflex.domain.clock import FakeClock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.domain.records import HoldFormSummary
from hipflex.services.form_gate import STALE_FRAME_S, FormGate
from hipflex.vision.form_rules import FormStatus, kneeling_on_other_side


def feed(
    gate: FormGate,
    clock: FakeClock,
    seconds: float,
    start_s: float,
    side: Side | None = None,
    **pose: object,
) -> None:
    for frame in frames(seconds, start_s, **pose):
        clock.set(max(clock.monotonic(), frame.timestamp_s))
        gate.push(frame.pose, frame.timestamp_s, side)


def test_good_form_opens_the_gate_until_frames_go_stale() -> None:
    clock = FakeClock()
    gate = FormGate(FormThresholds(), clock)
    assert gate() is False
    assert gate.describe() == "waiting for the camera"
    feed(gate, clock, 3.0, 0.0, hip_extension_deg=20)
    assert gate() is True
    assert gate.describe().startswith("good form · hip extension 20°")
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


def test_the_other_knee_down_is_a_fault_only_when_confident() -> None:
    th = FormThresholds()
    clock = FakeClock()
    gate = FormGate(th, clock)
    gate.reset()
    feed(gate, clock, 2.0, 0.0, Side.RIGHT, hip_extension_deg=20, kneeling_label="left")
    state = gate.latest
    assert state is not None and state.measurement is not None
    assert state.measurement.kneeling_side is Side.LEFT
    assert kneeling_on_other_side(state.measurement, Side.RIGHT, th)
    assert state.status is FormStatus.WRONG_KNEE and gate() is False
    assert gate.other_side() == "you seem to be on your left knee: this hold is for the right side"
    assert gate.describe().startswith("you seem to be on your left knee: switch to your right")
    assert gate.summary().hip_extension_max_deg is None  # no angle stored for the wrong side
    on_left = FormGate(th, clock)
    feed(on_left, clock, 2.0, 2.0, Side.LEFT, hip_extension_deg=20, kneeling_label="left")
    assert on_left() is True and on_left.other_side() is None
    # Label and depth disagree: a doubtful side is never flagged.
    doubtful = FormGate(th, clock)
    feed(
        doubtful,
        clock,
        2.0,
        4.0,
        Side.RIGHT,
        hip_extension_deg=20,
        kneeling_label="left",
        back_leg_near=True,
    )
    assert doubtful.other_side() is None and doubtful() is True
