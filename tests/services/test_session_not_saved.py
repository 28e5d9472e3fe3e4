"""When the history refuses a write mid-session, the session stops and says what was kept.

The history here is the in-memory port, made to refuse writes the way storage does (storage
turns the driver's "database or disk is full" into ``HistoryWriteError``; that part runs on
the real driver in tests/storage/test_write_errors.py and on a real full disk in
tests/cli/test_full_disk.py and tests/web/test_full_disk.py).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.services.conftest import MemoryHistory

from hipflex.domain.clock import FakeClock
from hipflex.domain.events import HoldCompleted, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import Source
from hipflex.errors import HistoryWriteError
from hipflex.services.guided_session import GuidedSession
from hipflex.services.recorder import SessionNotSavedError

FOUR_HOLDS = Protocol(
    name="four-holds",
    title="Four holds",
    steps=("Kneel on your {side} knee.",),
    hold_s=10,
    reps=4,
    sides=(Side.RIGHT,),
    get_ready_s=1,
    rest_s=1,
)
FULL = HistoryWriteError("could not write to the history h.db: database or disk is full", hint="h")


class FillingHistory(MemoryHistory):
    """Takes ``holds`` holds, then refuses every write (``finish_too``: the partial mark too)."""

    def __init__(self, holds: int, *, finish_too: bool = False, start: bool = True) -> None:
        super().__init__()
        self.room, self.finish_too, self.start = holds, finish_too, start

    def start_session(
        self, protocol: Protocol, source: Source, started_at: datetime, demo: bool = False
    ) -> str:
        if not self.start:
            raise FULL
        return super().start_session(protocol, source, started_at, demo)

    def record_hold(self, session_id: str, hold: HoldCompleted, *args: object, **kw: object) -> str:
        if self.room == 0:
            raise FULL
        self.room -= 1
        return super().record_hold(session_id, hold, *args, **kw)  # type: ignore[arg-type]

    def finish_session(self, session_id: str, status: SessionStatus, ended_at: datetime) -> None:
        if self.finish_too:
            raise FULL
        super().finish_session(session_id, status, ended_at)


def run_until_refused(history: MemoryHistory) -> tuple[GuidedSession, SessionNotSavedError]:
    clock = FakeClock()
    session = GuidedSession(FOUR_HOLDS, history, clock)
    with pytest.raises(SessionNotSavedError) as raised:
        session.begin()
        for _ in range(1000):
            clock.advance(0.5)
            session.update()
    return session, raised.value


def test_a_refused_hold_stops_the_session_and_says_what_was_kept() -> None:
    history = FillingHistory(holds=2)
    session, error = run_until_refused(history)
    assert error.message == (
        "could not write to the history h.db: database or disk is full. Kept in your history: "
        "the session's start and 2 completed holds (marked partial). Not saved: the hold that "
        "had just ended and anything after it; the session was stopped"
    )
    assert error.hint == "h"
    assert len(history.only.holds) == 2
    assert history.only.status is SessionStatus.PARTIAL
    # The session is over: stopping it reports nothing as saved and writes nothing more.
    assert not session.running
    assert session.stop() == []
    session.update()  # even if a front end kept driving it, nothing more is written
    assert len(history.only.holds) == 2


def test_when_even_the_partial_mark_is_refused_it_says_when_it_will_show() -> None:
    history = FillingHistory(holds=1, finish_too=True)
    _, error = run_until_refused(history)
    assert "the session's start and 1 completed hold (shown as partial once this hipflex has " in (
        error.message
    )
    assert history.only.status is SessionStatus.IN_PROGRESS  # recovery marks it on next open


def test_a_refused_start_keeps_nothing_of_the_session() -> None:
    history = FillingHistory(holds=0, start=False)
    session = GuidedSession(FOUR_HOLDS, history, FakeClock())
    with pytest.raises(SessionNotSavedError, match="Kept in your history: nothing of this session"):
        session.begin()
    assert history.sessions == {}
    assert not session.running
