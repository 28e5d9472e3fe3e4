"""The guided session use case on a fake history and fake clocks: no storage, no web, no terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.services.conftest import MemoryHistory, frames

from hipflex.domain.clock import FakeClock, ScaledClock
from hipflex.domain.events import (
    CueRequested,
    Event,
    HoldOutcome,
    Phase,
    SessionFinished,
    SessionStatus,
)
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import PainMoment, Source
from hipflex.errors import HipflexError
from hipflex.protocols.loader import load_protocol
from hipflex.services.form_gate import STALE_FRAME_S
from hipflex.services.guided_session import (
    Control,
    GuidedSession,
    SessionMode,
    SessionRequest,
    resolve_protocol,
)
from hipflex.services.session_check_in import CheckIn, UnknownSessionError, check_in_after
from hipflex.settings import UserSettings
from hipflex.vision.synthetic import kneeling_pose

SHORT = Protocol(
    name="one-short-hold",
    title="One short hold",
    steps=("Kneel on your {side} knee.", "Slide your hips forward."),
    hold_s=10,
    reps=1,
    sides=(Side.RIGHT,),
    get_ready_s=2,
    rest_s=0,
)


def run_timer(session: GuidedSession, clock: FakeClock, step_s: float = 0.5) -> list[Event]:
    events = session.begin()
    while session.running:
        clock.advance(step_s)
        events += session.update()
    return events


def live_camera(
    session: GuidedSession, wall: FakeClock, seconds: float, fps: float = 10.0, **pose: object
) -> list[Event]:
    """Frames arrive in real time (the wall clock moves with them), one update per frame."""
    events: list[Event] = []
    start_s = wall.monotonic()
    for frame in frames(seconds, start_s, fps=fps, **pose):
        wall.set(frame.timestamp_s)
        session.push_pose(frame.pose, frame.timestamp_s)
        events += session.update()
    return events


def finished(events: list[Event]) -> SessionFinished:
    [end] = [e for e in events if isinstance(e, SessionFinished)]
    return end


def test_a_timer_session_is_recorded_hold_by_hold(history: MemoryHistory) -> None:
    clock = FakeClock()
    protocol = load_protocol("kneeling-hip-flexor")
    session = GuidedSession(protocol, history, clock)
    assert session.session_id is None and not history.sessions  # nothing before begin
    events = run_timer(session, clock)
    end = finished(events)
    assert end.status is SessionStatus.COMPLETED
    assert end.counted_s_by_side == {Side.RIGHT: 120.0, Side.LEFT: 120.0}
    stored = history.only
    assert stored.source is Source.TIMER and stored.status is SessionStatus.COMPLETED
    assert [h.hold.outcome for h in stored.holds] == [HoldOutcome.COMPLETED] * 8
    assert all(h.source is Source.TIMER and h.faults is None for h in stored.holds)
    assert stored.ended_at == clock.now()
    assert session.snapshot().phase is Phase.DONE
    assert any(isinstance(e, CueRequested) for e in events)


def test_camera_counts_only_good_form_and_records_the_hold(history: MemoryHistory) -> None:
    wall = FakeClock()
    session = GuidedSession(SHORT, history, wall, mode=SessionMode.CAMERA)
    session.begin(pain_before=3)
    live_camera(session, wall, 4.0, hip_extension_deg=22)  # get ready, then into the hold
    assert session.snapshot().phase is Phase.HOLD
    events = live_camera(session, wall, 12.0, hip_extension_deg=22)
    end = finished(events)
    assert end.status is SessionStatus.COMPLETED
    [hold] = history.only.holds
    assert hold.hold.outcome is HoldOutcome.COMPLETED and hold.hold.counted_s == 10
    assert hold.source is Source.CAMERA
    assert hold.hip_extension_max_deg == pytest.approx(22, abs=1)
    assert history.only.pain[PainMoment.BEFORE][0] == 3


def test_camera_with_bad_form_counts_nothing_and_times_out(history: MemoryHistory) -> None:
    wall = FakeClock()
    session = GuidedSession(SHORT, history, wall, mode=SessionMode.CAMERA)
    session.begin()
    cues: list[str] = []
    leaning = {"hip_extension_deg": 20, "trunk_forward_deg": 35}
    for frame in frames(40.0, **leaning):
        wall.set(frame.timestamp_s)
        reading = session.push_pose(frame.pose, frame.timestamp_s)
        if reading.cue:
            cues.append(reading.cue)
        session.update()
        if not session.running:
            break
    [hold] = history.only.holds
    assert hold.hold.outcome is HoldOutcome.TIMED_OUT  # after hold_s × max_hold_factor
    assert hold.hold.counted_s == 0
    assert hold.faults is not None and hold.faults["leaning_forward"] > 25
    assert hold.hip_extension_max_deg is None  # over good-form frames only
    assert cues and set(cues) == {"keep your torso upright"}


def test_stale_frames_stop_the_count(history: MemoryHistory) -> None:
    wall = FakeClock()
    session = GuidedSession(SHORT, history, wall, mode=SessionMode.CAMERA)
    session.begin()
    live_camera(session, wall, 4.0, hip_extension_deg=22)
    counted = session.snapshot().counted_s
    assert counted > 0
    # The page went hidden: no frames, time goes on.
    for _ in range(50):
        wall.advance(0.1)
        session.update()
    assert session.snapshot().counted_s == pytest.approx(counted + STALE_FRAME_S, abs=0.11)
    # The camera is gone for good: the timer counts from now on, holds as timer holds.
    assert session.set_camera(False) is True
    assert session.set_camera(False) is False
    while session.running:
        wall.advance(0.5)
        session.update()
    [hold] = history.only.holds
    assert hold.hold.outcome is HoldOutcome.COMPLETED
    assert hold.source is Source.TIMER
    assert history.only.source is Source.CAMERA


def test_quit_mid_hold_keeps_it_as_interrupted(history: MemoryHistory) -> None:
    clock = FakeClock()
    session = GuidedSession(load_protocol("kneeling-hip-flexor"), history, clock)
    session.begin()
    clock.advance(10 + 30 + 15 + 12)  # get ready, hold 1, rest, 12 s into hold 2
    session.update()
    events = session.control(Control.QUIT)
    end = finished(events)
    assert end.status is SessionStatus.PARTIAL
    # The total shown counts the holds done only (the dots), not the interrupted one.
    assert end.counted_s_by_side == {Side.RIGHT: 30.0, Side.LEFT: 0.0}
    outcomes = [(h.hold.outcome, h.hold.counted_s) for h in history.only.holds]
    assert outcomes == [(HoldOutcome.COMPLETED, 30.0), (HoldOutcome.INTERRUPTED, 12.0)]
    assert history.only.status is SessionStatus.PARTIAL
    assert session.stop() == []  # already over


def test_a_skipped_hold_does_not_count_toward_the_total(history: MemoryHistory) -> None:
    clock = FakeClock()
    session = GuidedSession(load_protocol("kneeling-hip-flexor"), history, clock)
    session.begin()
    clock.advance(10 + 20)
    session.update()
    session.control(Control.SKIP)  # hold 1 skipped after 20 s
    assert session.snapshot().reps_done[Side.RIGHT] == 0
    events: list[Event] = []
    while session.running:
        clock.advance(1)
        events += session.update()
    end = finished(events)
    assert end.holds_done == 7 and end.status is SessionStatus.PARTIAL
    assert end.counted_s_by_side == {Side.RIGHT: 90.0, Side.LEFT: 120.0}
    assert history.only.holds[0].hold.counted_s == 20  # the record keeps what was done


def test_pain_and_notes(history: MemoryHistory) -> None:
    clock = FakeClock()
    session = GuidedSession(SHORT, history, clock)
    with pytest.raises(HipflexError):
        session.check_in(CheckIn(pain_after=2))
    run_timer(session, clock)
    saved = session.check_in(CheckIn(pain_after=2, note="  left side tighter "))
    assert saved == ["pain_after", "note"]
    stored = history.only
    assert stored.pain[PainMoment.AFTER] == (2, clock.now())
    assert stored.notes == [("left side tighter", clock.now())]
    assert session.check_in(CheckIn(note="   ")) == []  # a blank note is not a note
    assert session.session_id is not None
    later = clock.now() + timedelta(hours=1)
    again = check_in_after(history, session.session_id, CheckIn(pain_before=4), later)
    assert again == ["pain_before"]
    assert stored.pain[PainMoment.BEFORE] == (4, later)
    with pytest.raises(UnknownSessionError):
        check_in_after(history, "nope", CheckIn(pain_after=1), later)


def test_a_video_runs_on_its_frames_and_ends_with_them(history: MemoryHistory) -> None:
    wall = FakeClock()
    recording = list(frames(20.0, start_s=100.0, hip_extension_deg=20))
    session = GuidedSession(SHORT, history, wall, mode=SessionMode.VIDEO, frames=recording)
    session.begin()
    steps = []
    while session.running:
        steps.append(session.step())
    assert steps[-1].source_ended is False  # the hold completed before the file ended
    assert wall.monotonic() == 0  # the wall clock never moved: the frames are the clock
    [hold] = history.only.holds
    assert hold.hold.outcome is HoldOutcome.COMPLETED and hold.source is Source.VIDEO
    # On the recording's own timeline: the hold took its ten seconds of video.
    assert (hold.hold.ended_at - hold.hold.started_at).total_seconds() >= 10
    short = list(frames(3.0, hip_extension_deg=20))
    cut = GuidedSession(SHORT, MemoryHistory(), wall, mode=SessionMode.VIDEO, frames=short)
    cut.begin()
    while cut.running:
        last = cut.step()
    assert last.source_ended and cut.finished is not None
    assert cut.finished.status is SessionStatus.PARTIAL


def test_a_sped_up_session_near_midnight_keeps_real_times(history: MemoryHistory) -> None:
    wall = FakeClock(start=datetime(2026, 3, 1, 23, 59, 0, tzinfo=UTC))
    speed = 100.0
    protocol = load_protocol("kneeling-hip-flexor")  # about 6 minutes of session time
    session = GuidedSession(protocol, history, wall, clock=ScaledClock(speed, base=wall), demo=True)
    session.begin()
    while session.running:
        wall.advance(0.05)  # real time: a loop beat
        session.update()
    stored = history.only
    assert stored.status is SessionStatus.COMPLETED
    assert stored.ended_at == wall.now()  # not six minutes in the future
    assert stored.ended_at.date() == stored.started_at.date()
    assert (stored.ended_at - stored.started_at).total_seconds() < 5
    times = [t for h in stored.holds for t in (h.hold.started_at, h.hold.ended_at)]
    assert times == sorted(times)
    assert all(stored.started_at <= t <= wall.now() for t in times)
    assert all(h.hold.counted_s == 30 for h in stored.holds)
    assert stored.demo  # recorded as a demo: the history keeps it out of the statistics


def test_resolve_protocol_applies_settings_and_refuses_camera_for_other_positions() -> None:
    settings = UserSettings(rest_s=5, default_protocol="prone-hip-flexor")
    chosen = resolve_protocol(settings, None, load_protocol, SessionMode.TIMER)
    assert (chosen.name, chosen.rest_s) == ("prone-hip-flexor", 5)
    with pytest.raises(HipflexError, match="kneeling"):
        resolve_protocol(settings, None, load_protocol, SessionMode.CAMERA)


def test_open_builds_the_mode_the_request_asks_for(history: MemoryHistory) -> None:
    wall = FakeClock()
    request = SessionRequest("kneeling-hip-flexor", SessionMode.LANDMARKS, demo=False)
    session = GuidedSession.open(request, UserSettings(), load_protocol, history, wall)
    assert session.gate is not None and session.camera_active
    session.begin()
    assert history.only.source is Source.CAMERA  # a browser's own landmarks: a live camera
    assert not history.only.demo
    timer = GuidedSession.open(SessionRequest(), UserSettings(), load_protocol, history, wall)
    assert timer.gate is None and timer.form_text() is None
    with pytest.raises(HipflexError, match="no camera"):
        timer.push_pose(kneeling_pose(), 0.0)


def test_pause_stops_the_count_and_cues_come_only_while_holding(history: MemoryHistory) -> None:
    wall = FakeClock()
    session = GuidedSession(SHORT, history, wall, mode=SessionMode.CAMERA)
    session.begin()
    leaning = {"hip_extension_deg": 20, "trunk_forward_deg": 35}
    readings = []
    for frame in frames(1.9, **leaning):  # still in get ready: faults are not corrected
        wall.set(frame.timestamp_s)
        readings.append(session.push_pose(frame.pose, frame.timestamp_s))
        session.update()
    assert all(r.cue is None for r in readings) and any(r.state.cue for r in readings)
    live_camera(session, wall, 3.0, hip_extension_deg=22)
    session.control(Control.PAUSE)
    counted = session.snapshot().counted_s
    live_camera(session, wall, 3.0, hip_extension_deg=22)
    assert session.snapshot().counted_s == counted
    session.control(Control.RESUME)
    live_camera(session, wall, 1.0, hip_extension_deg=22)
    assert session.snapshot().counted_s > counted
