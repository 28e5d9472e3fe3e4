"""The page's view of a guided session: messages, heartbeats, and how a session ended.

The session itself (camera gate, stale frames, recording) is tested in tests/services."""

from __future__ import annotations

from pathlib import Path

from hipflex.domain.clock import FakeClock
from hipflex.protocols.loader import load_protocol
from hipflex.services.guided_session import Control, GuidedSession, SessionMode
from hipflex.storage.db import open_database
from hipflex.web.live_session import LiveSession


def test_state_is_sent_on_change_and_as_a_heartbeat(tmp_path: Path) -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    clock, wall = FakeClock(), FakeClock()
    with open_database(tmp_path) as db:
        live = LiveSession(GuidedSession(protocol, db.repository, wall, clock=clock), wall)
        live.begin()
        live.tick()  # the first tick announces the current second
        assert live.tick() == []  # nothing changed, heartbeat not due
        clock.advance(1)
        assert [m["type"] for m in live.tick()] == ["event", "state"]  # a second ticked
        wall.advance(1.5)
        assert [m["type"] for m in live.tick()] == ["state"]
        live.stop()


def test_started_says_what_runs_and_holds_come_saved(tmp_path: Path) -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    clock = FakeClock()
    with open_database(tmp_path) as db:
        session = GuidedSession(protocol, db.repository, clock, mode=SessionMode.CAMERA)
        live = LiveSession(session, clock)
        started, *rest = live.begin(pain_before=2)
        assert started["type"] == "started" and started["camera"] is True
        assert started["session_id"] == session.session_id
        assert started["protocol"]["sides"] == ["right", "left"]
        assert rest[-1]["type"] == "state" and rest[-1]["camera"] is True
        camera_off = live.set_camera(False)
        assert camera_off[0] == {"type": "camera", "enabled": False}
        assert camera_off[1]["camera"] is False
        live.tick()  # the engine samples the gate: from now on the timer counts
        clock.advance(10 + 30)
        messages = live.tick()
        [hold] = [m for m in messages if m.get("event") == "hold_completed"]
        assert hold["saved"] is True
        quit_messages = live.command(Control.QUIT)
        [end] = [m for m in quit_messages if m.get("event") == "session_finished"]
        assert "ended_by" not in end  # the person quit
        [record] = db.repository.recent_sessions(1)
    assert record.pain_before == 2
    assert record.holds[0].source.value == "timer"


def test_a_session_ended_elsewhere_says_by_what(tmp_path: Path) -> None:
    clock = FakeClock()
    with open_database(tmp_path) as db:
        live = LiveSession(
            GuidedSession(load_protocol("kneeling-hip-flexor"), db.repository, clock), clock
        )
        live.begin()
        clock.advance(20)
        live.tick()
        stopped = live.stop("taken_over")
        [end] = [m for m in stopped if m.get("event") == "session_finished"]
        assert end["ended_by"] == "taken_over"
        assert [m["outcome"] for m in stopped if m.get("event") == "hold_completed"] == [
            "interrupted"
        ]
        assert end["status"] == "partial"
        assert live.stop("taken_over") == []  # once only
