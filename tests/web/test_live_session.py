"""LiveSession on a fake clock: the camera gate never counts stale or bad form."""

from __future__ import annotations

from pathlib import Path

from hipflex.domain.clock import FakeClock
from hipflex.protocols.loader import load_protocol
from hipflex.storage.db import open_database
from hipflex.vision.form_rules import FormStatus
from hipflex.vision.tracker import FormState
from hipflex.web.live_session import STALE_FRAME_S, LiveSession
from hipflex.web.wire import ControlCommand


def form(status: FormStatus, timestamp_s: float) -> FormState:
    return FormState(timestamp_s, status, None, None, None, status, (), 0.0, 0.0)


class Wall:
    """A real-time stand-in for frame freshness."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def test_camera_gate_counts_only_fresh_good_form(tmp_path: Path) -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    clock, wall = FakeClock(), Wall()
    with open_database(tmp_path) as db:
        live = LiveSession(protocol, clock, db.repository, camera=True, monotonic=wall)
        messages = live.begin(pain_before=2)
        assert messages[0]["type"] == "started" and messages[0]["camera"] is True
        clock.advance(protocol.get_ready_s)
        live.tick()
        assert live.engine.snapshot().phase.value == "hold"
        # No frame yet: nothing counts.
        clock.advance(5)
        live.tick()
        clock.advance(5)
        live.tick()
        assert live.engine.snapshot().counted_s == 0
        # Good form, fresh frames: time counts.
        live.form_update(form(FormStatus.GOOD, 0.0))
        live.tick()
        clock.advance(5)
        live.tick()
        assert live.engine.snapshot().counted_s == 5
        # Frames stop arriving: after STALE_FRAME_S the clock stops counting.
        wall.now_s += STALE_FRAME_S + 0.1
        live.tick()
        clock.advance(5)
        live.tick()
        assert live.engine.snapshot().counted_s == 5
        # A fault: nothing counts either.
        live.form_update(form(FormStatus.LEANING_FORWARD, 2.0))
        live.tick()
        clock.advance(5)
        live.tick()
        assert live.engine.snapshot().counted_s == 5
        finished = live.command(ControlCommand(type="quit"))
        assert any(m.get("event") == "session_finished" for m in finished)
        [record] = db.repository.recent_sessions(1)
    assert record.pain_before == 2
    assert record.holds[0].counted_s == 5
    assert record.holds[0].outcome.value == "interrupted"


def test_state_is_sent_on_change_and_as_a_heartbeat(tmp_path: Path) -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    clock, wall = FakeClock(), Wall()
    with open_database(tmp_path) as db:
        live = LiveSession(protocol, clock, db.repository, camera=False, monotonic=wall)
        live.begin()
        live.tick()  # the first tick announces the current second
        assert live.tick() == []  # nothing changed, heartbeat not due
        clock.advance(1)
        assert [m["type"] for m in live.tick()] == ["event", "state"]  # a second ticked
        wall.now_s += 1.5
        assert [m["type"] for m in live.tick()] == ["state"]
        live.stop()
