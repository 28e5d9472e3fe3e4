"""FormFeed: frames drive the gate, the per-hold metrics and (for files) the clock."""

from __future__ import annotations

import pytest

from hipflex.domain.clock import FakeClock
from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Side
from hipflex.services.form_feed import FormFeed
from hipflex.vision.form_rules import FormStatus, kneeling_on_other_side
from hipflex.vision.pose import Frame
from hipflex.vision.synthetic import kneeling_pose


def feed_for(
    seconds: float,
    feed: FormFeed,
    start_s: float = 0.0,
    side: Side | None = None,
    **pose: object,
) -> None:
    t = start_s
    while t < start_s + seconds - 1e-9:
        feed.push(Frame(t, kneeling_pose(timestamp_s=t, **pose)), side)  # type: ignore[arg-type]
        t += 0.1


def test_frames_move_the_clock_and_open_the_gate() -> None:
    clock = FakeClock()
    feed = FormFeed(FormThresholds(), frame_clock=clock)
    assert feed.gate() is False
    assert feed.describe() == "waiting for the camera"
    feed_for(3.0, feed, start_s=100.0, hip_extension_deg=20)
    assert clock.monotonic() == pytest.approx(2.9)  # relative to the first frame
    assert feed.gate() is True
    assert feed.describe().startswith("good form · hip extension 20°")


def test_summary_gives_the_hold_record_fields() -> None:
    feed = FormFeed(FormThresholds())
    feed.reset()
    feed_for(2.0, feed, hip_extension_deg=18)
    feed_for(2.0, feed, start_s=2.0, hip_extension_deg=18, trunk_forward_deg=35)
    summary = feed.summary()
    assert set(summary) == {"hip_extension_max_deg", "hip_extension_median_deg", "faults"}
    assert summary["hip_extension_max_deg"] == pytest.approx(18, abs=1)
    assert summary["faults"]["leaning_forward"] > 1.0
    feed.reset()
    assert feed.summary() == {
        "hip_extension_max_deg": None,
        "hip_extension_median_deg": None,
        "faults": None,
    }


def test_the_other_knee_down_is_a_fault_only_when_confident() -> None:
    th = FormThresholds()
    feed = FormFeed(th)
    feed_for(2.0, feed, side=Side.RIGHT, hip_extension_deg=20, kneeling_label="left")
    state = feed.latest
    assert state is not None and state.measurement is not None
    assert state.measurement.kneeling_side is Side.LEFT
    assert kneeling_on_other_side(state.measurement, Side.RIGHT, th)
    assert not kneeling_on_other_side(state.measurement, Side.LEFT, th)
    assert state.status is FormStatus.WRONG_KNEE and feed.gate() is False
    assert feed.describe().startswith("you seem to be on your left knee: switch to your right")
    assert feed.summary()["hip_extension_max_deg"] is None  # no angle for the wrong side
    on_left = FormFeed(th)
    feed_for(2.0, on_left, side=Side.LEFT, hip_extension_deg=20, kneeling_label="left")
    assert on_left.gate() is True
    # Label and depth disagree: a doubtful side is never flagged.
    doubtful = FormFeed(th)
    feed_for(
        2.0,
        doubtful,
        side=Side.RIGHT,
        hip_extension_deg=20,
        kneeling_label="left",
        back_leg_near=True,
    )
    m = doubtful.latest.measurement  # type: ignore[union-attr]
    assert m is not None and not kneeling_on_other_side(m, Side.RIGHT, th)
    assert doubtful.gate() is True
