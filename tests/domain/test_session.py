"""The session engine, driven by a FakeClock: whole sessions run in milliseconds."""

from __future__ import annotations

import pytest

from hipflex.domain.clock import FakeClock
from hipflex.domain.events import (
    CueRequested,
    Event,
    HoldCompleted,
    HoldOutcome,
    Phase,
    PhaseStarted,
    SecondTicked,
    SessionFinished,
    SessionStatus,
    SideSwitched,
)
from hipflex.domain.protocol import Protocol, Side, SideOrder
from hipflex.domain.session import SessionEngine, plan_holds
from hipflex.protocols.loader import load_protocol


def make_protocol(**changes: object) -> Protocol:
    base = load_protocol("kneeling-hip-flexor")
    return base.model_copy(update=changes)


def run(engine: SessionEngine, clock: FakeClock, step_s: float = 0.1, limit_s: float = 5000):
    events: list[Event] = engine.start()
    while not engine.finished and clock.monotonic() < limit_s:
        clock.advance(step_s)
        events += engine.update()
    return events


def of(events: list[Event], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_default_protocol_runs_to_completion_with_240_counted_seconds() -> None:
    clock = FakeClock()
    engine = SessionEngine(load_protocol("kneeling-hip-flexor"), clock)
    events = run(engine, clock)
    holds = of(events, HoldCompleted)
    assert [(h.side, h.rep) for h in holds] == [(Side.RIGHT, r) for r in range(1, 5)] + [
        (Side.LEFT, r) for r in range(1, 5)
    ]
    assert all(h.outcome is HoldOutcome.COMPLETED for h in holds)
    assert sum(h.counted_s for h in holds) == pytest.approx(240)
    finished = of(events, SessionFinished)
    assert len(finished) == 1
    assert finished[0].status is SessionStatus.COMPLETED
    assert finished[0].counted_s_by_side == {Side.RIGHT: 120.0, Side.LEFT: 120.0}
    assert engine.status is SessionStatus.COMPLETED
    # 10 s get ready + 4 holds + 3 rests per side, a 10 s switch: 10+120+45+10+120+45 s
    assert clock.monotonic() == pytest.approx(350, abs=0.11)


def test_phase_sequence_blocked_order() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(reps=2), clock)
    events = run(engine, clock)
    phases = [(e.phase, e.side, e.rep) for e in of(events, PhaseStarted)]
    assert phases == [
        (Phase.GET_READY, Side.RIGHT, 1),
        (Phase.HOLD, Side.RIGHT, 1),
        (Phase.REST, Side.RIGHT, 2),
        (Phase.HOLD, Side.RIGHT, 2),
        (Phase.SWITCH_SIDE, Side.LEFT, 1),
        (Phase.HOLD, Side.LEFT, 1),
        (Phase.REST, Side.LEFT, 2),
        (Phase.HOLD, Side.LEFT, 2),
    ]
    assert of(events, SideSwitched) == [SideSwitched(Side.RIGHT, Side.LEFT)]


def test_alternating_order_switches_every_hold() -> None:
    protocol = make_protocol(reps=2, order=SideOrder.ALTERNATING)
    assert [(h.side, h.rep) for h in plan_holds(protocol)] == [
        (Side.RIGHT, 1),
        (Side.LEFT, 1),
        (Side.RIGHT, 2),
        (Side.LEFT, 2),
    ]
    clock = FakeClock()
    events = run(SessionEngine(protocol, clock), clock)
    assert len(of(events, SideSwitched)) == 3
    assert not [e for e in of(events, PhaseStarted) if e.phase is Phase.REST]


def test_one_big_clock_jump_crosses_every_phase() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(), clock)
    engine.start()
    clock.advance(10_000)
    events = engine.update()
    assert engine.status is SessionStatus.COMPLETED
    holds = of(events, HoldCompleted)
    assert len(holds) == 8
    # Timestamps follow the protocol's timeline, not the moment update() was called.
    assert (holds[0].started_at - clock.now()).total_seconds() < -9000
    assert (holds[0].ended_at - holds[0].started_at).total_seconds() == pytest.approx(30)


def test_form_gate_counts_only_good_form_seconds() -> None:
    clock = FakeClock()
    good = {"value": False}
    protocol = make_protocol(reps=1, sides=(Side.RIGHT,))
    engine = SessionEngine(protocol, clock, form_gate=lambda: good["value"])
    engine.start()
    clock.advance(10)  # get ready
    engine.update()
    assert engine.snapshot().phase is Phase.HOLD
    clock.advance(20)  # bad form: nothing counts
    engine.update()
    assert engine.snapshot().counted_s == 0
    good["value"] = True
    engine.update()  # the gate is sampled; time from now on counts
    clock.advance(12)
    engine.update()
    assert engine.snapshot().counted_s == pytest.approx(12)
    good["value"] = False
    engine.update()
    clock.advance(5)
    engine.update()
    assert engine.snapshot().counted_s == pytest.approx(12)
    good["value"] = True
    engine.update()
    clock.advance(30)
    events = engine.update()
    hold = of(events, HoldCompleted)[0]
    assert hold.counted_s == pytest.approx(30)
    assert hold.outcome is HoldOutcome.COMPLETED
    assert (hold.ended_at - hold.started_at).total_seconds() == pytest.approx(55)


def test_hold_that_never_reaches_good_form_times_out() -> None:
    clock = FakeClock()
    protocol = make_protocol(reps=1, sides=(Side.RIGHT,), max_hold_factor=2.0)
    engine = SessionEngine(protocol, clock, form_gate=lambda: False)
    events = run(engine, clock)
    hold = of(events, HoldCompleted)[0]
    assert hold.outcome is HoldOutcome.TIMED_OUT
    assert hold.counted_s == 0
    assert (hold.ended_at - hold.started_at).total_seconds() == pytest.approx(60, abs=0.11)


def test_pause_stops_time_and_resume_continues() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(), clock)
    engine.start()
    clock.advance(15)  # 5 s into the first hold
    engine.update()
    assert engine.snapshot().counted_s == pytest.approx(5)
    engine.pause()
    clock.advance(600)
    assert engine.update() == []
    assert engine.snapshot().paused
    assert engine.snapshot().counted_s == pytest.approx(5)
    engine.resume()
    clock.advance(3)
    engine.update()
    assert engine.snapshot().counted_s == pytest.approx(8)


def test_skip_get_ready_and_skip_hold() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(), clock)
    engine.start()
    events = engine.skip()
    assert of(events, PhaseStarted)[0].phase is Phase.HOLD
    clock.advance(7)
    engine.update()
    events = engine.skip()
    skipped = of(events, HoldCompleted)[0]
    assert skipped.outcome is HoldOutcome.SKIPPED
    assert skipped.counted_s == pytest.approx(7)
    assert engine.snapshot().phase is Phase.REST
    assert engine.snapshot().reps_done[Side.RIGHT] == 0


def test_skipping_a_hold_makes_the_session_partial() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(reps=1, sides=(Side.RIGHT,)), clock)
    engine.start()
    engine.skip()
    events = engine.skip()
    assert of(events, SessionFinished)[0].status is SessionStatus.PARTIAL


def test_quit_mid_hold_keeps_completed_holds_and_the_interrupted_one() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(), clock)
    engine.start()
    clock.advance(10 + 30 + 15 + 12)  # first hold done, 12 s into the second
    first = engine.update()
    events = engine.quit()
    assert len(of(first, HoldCompleted)) == 1
    interrupted = of(events, HoldCompleted)
    assert interrupted[0].outcome is HoldOutcome.INTERRUPTED
    assert interrupted[0].counted_s == pytest.approx(12)
    finished = of(events, SessionFinished)[0]
    assert finished.status is SessionStatus.PARTIAL
    assert finished.holds_done == 1
    assert engine.update() == []
    assert engine.quit() == []


def test_cues_are_rendered_for_the_side() -> None:
    clock = FakeClock()
    events = run(SessionEngine(make_protocol(reps=1), clock), clock)
    cues = [e.text for e in of(events, CueRequested)]
    assert cues[0] == "Get ready. Right knee on the ground, left foot in front."
    assert "Switch sides. Left knee on the ground, right foot in front." in cues
    assert cues.count("Three more seconds.") == 2
    assert cues[-1].startswith("Done.")


def test_ticks_count_down_whole_seconds_once_each() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(reps=1, sides=(Side.RIGHT,)), clock)
    events = run(engine, clock, step_s=0.25)
    hold_ticks = [e.remaining_s for e in of(events, SecondTicked) if e.phase is Phase.HOLD]
    assert hold_ticks == list(range(30, 0, -1))


def test_snapshot_describes_what_comes_next() -> None:
    clock = FakeClock()
    engine = SessionEngine(make_protocol(), clock)
    engine.start()
    view = engine.snapshot()
    assert view.phase is Phase.GET_READY
    assert view.remaining_s == pytest.approx(10)
    assert view.next_up == "Hold 1 of 4, right side"
    assert view.steps[0].startswith("Start with your right knee on the ground")
    clock.advance(10 + 30 * 4 + 15 * 3 - 1)
    engine.update()
    view = engine.snapshot()
    assert view.phase is Phase.HOLD and view.rep == 4
    assert view.next_up == "Then switch sides: hold 1 of 4, left side"
    assert view.reps_done == {Side.RIGHT: 3, Side.LEFT: 0}


def test_a_longer_first_get_ready_leaves_the_side_switch_alone() -> None:
    """The first get-ready (getting down to the floor) takes first_get_ready_s; the switch to
    the other side keeps get_ready_s."""
    clock = FakeClock()
    engine = SessionEngine(make_protocol(reps=1, first_get_ready_s=25), clock)
    events = run(engine, clock)
    starts = {(e.phase, e.side): e for e in of(events, PhaseStarted)}
    assert Phase.GET_READY in {phase for phase, _ in starts}
    # 25 s get ready + 30 s hold + a 10 s switch + 30 s hold
    assert clock.monotonic() == pytest.approx(95, abs=0.11)
    engine = SessionEngine(make_protocol(reps=1), FakeClock())
    assert engine.protocol.first_get_ready_s is None  # a protocol alone keeps its 10 s
