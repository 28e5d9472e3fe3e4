"""Writes a session's events to the history as they happen.

Each hold is committed the moment it ends, so a crash, Ctrl-C or ``kill -9`` loses at most the
hold in progress; the session row exists from the first second and is marked partial when the
session does not reach its end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hipflex.domain.clock import Clock
from hipflex.domain.events import (
    Event,
    HoldCompleted,
    Phase,
    PhaseStarted,
    SessionFinished,
    SessionStatus,
)
from hipflex.domain.protocol import Protocol as StretchProtocol


class HoldFormMetrics(Protocol):
    """What the camera measured during one hold (see ``vision.hold_metrics``)."""

    def reset(self) -> None: ...

    def summary(self) -> dict[str, Any]: ...


class HistoryWriter(Protocol):
    """The part of the storage repository the recorder needs."""

    def start_session(
        self, protocol: StretchProtocol, source: str, started_at: datetime
    ) -> str: ...

    def record_hold(
        self,
        session_id: str,
        hold: HoldCompleted,
        source: str,
        hip_extension_max_deg: float | None = None,
        hip_extension_median_deg: float | None = None,
        faults: dict[str, float] | None = None,
    ) -> str: ...

    def finish_session(
        self, session_id: str, status: SessionStatus, ended_at: datetime
    ) -> None: ...


@dataclass
class SessionRecorder:
    """Persists events for one session; ``source`` is ``timer``, ``camera`` or ``video``."""

    repository: HistoryWriter
    protocol: StretchProtocol
    clock: Clock
    source: str = "timer"
    form_metrics: HoldFormMetrics | None = None
    on_saved: Callable[[HoldCompleted], None] | None = None
    session_id: str | None = None

    def begin(self) -> str:
        self.session_id = self.repository.start_session(
            self.protocol, self.source, self.clock.now()
        )
        return self.session_id

    def handle(self, events: Iterable[Event]) -> None:
        if self.session_id is None:
            self.begin()
        assert self.session_id is not None
        for event in events:
            if isinstance(event, PhaseStarted) and event.phase is Phase.HOLD:
                if self.form_metrics is not None:
                    self.form_metrics.reset()
            elif isinstance(event, HoldCompleted):
                form = self.form_metrics.summary() if self.form_metrics is not None else {}
                self.repository.record_hold(self.session_id, event, self.source, **form)
                if self.on_saved is not None:
                    self.on_saved(event)
            elif isinstance(event, SessionFinished):
                self.repository.finish_session(self.session_id, event.status, self.clock.now())
