"""Writes a session's events to the history as they happen.

Each hold is committed the moment it ends, so a crash, Ctrl-C or ``kill -9`` loses at most the
hold in progress; the session row exists from the first second and is marked partial when the
session does not reach its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

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
from hipflex.domain.records import HoldFormSummary, PainMoment, Source
from hipflex.errors import HistoryWriteError


class SessionNotSavedError(HistoryWriteError):
    """The history refused a write mid-session (disk full, I/O error). The message says what
    the history kept and what it lost; the hint how to carry on."""


class HoldFormMetrics(Protocol):
    """What the camera measured during one hold (see ``services.form_gate``)."""

    def reset(self) -> None: ...

    def summary(self) -> HoldFormSummary: ...


class HistoryWriter(Protocol):
    """The part of the storage repository a guided session writes to.

    Sources and pain moments arrive as enums; storage converts them to its columns. ``demo``
    marks a sped-up run, which the history keeps out of its statistics unless asked."""

    def start_session(
        self, protocol: StretchProtocol, source: Source, started_at: datetime, demo: bool = False
    ) -> str: ...

    def record_hold(
        self,
        session_id: str,
        hold: HoldCompleted,
        source: Source,
        hip_extension_max_deg: float | None = None,
        hip_extension_median_deg: float | None = None,
        faults: dict[str, float] | None = None,
    ) -> str: ...

    def finish_session(
        self, session_id: str, status: SessionStatus, ended_at: datetime
    ) -> None: ...

    def record_pain(self, session_id: str, moment: PainMoment, value: int, at: datetime) -> str: ...

    def add_note(self, session_id: str, text: str, at: datetime) -> str: ...


@dataclass
class SessionRecorder:
    """Persists the events of one session.

    ``clock`` stamps the record: the session's start and end, and, when ``restamp_holds``
    is set, each hold's start and end too. That is for sessions whose engine runs on a clock
    of its own (``--speed``): the record then says when things really happened, so a
    sped-up session is never dated in the future nor on the next day. ``demo`` is written on
    the session's row, so the history leaves such a run out of its statistics.
    """

    history: HistoryWriter
    protocol: StretchProtocol
    clock: Clock
    source: Source = Source.TIMER
    form_metrics: HoldFormMetrics | None = None
    restamp_holds: bool = False
    demo: bool = False
    session_id: str | None = None
    holds_saved: int = 0
    # Set once the history refused a write: nothing more is written for this session.
    failure: SessionNotSavedError | None = None
    _hold_started_at: datetime | None = None

    def begin(self) -> str:
        try:
            self.session_id = self.history.start_session(
                self.protocol, self.source, self.clock.now(), demo=self.demo
            )
        except HistoryWriteError as exc:
            raise self._failed(exc, "this session") from None
        return self.session_id

    def handle(self, events: Iterable[Event]) -> None:
        """Store what ``events`` say. Raises :class:`SessionNotSavedError` when the history
        refuses a write; later events are then dropped (the session cannot go on)."""
        if self.failure is not None:
            return
        if self.session_id is None:
            self.begin()
        assert self.session_id is not None
        for event in events:
            if isinstance(event, PhaseStarted) and event.phase is Phase.HOLD:
                self._hold_started_at = self.clock.now()
                if self.form_metrics is not None:
                    self.form_metrics.reset()
            elif isinstance(event, HoldCompleted):
                try:
                    self._record_hold(self.session_id, event)
                except HistoryWriteError as exc:
                    raise self._failed(
                        exc, "the hold that had just ended and anything after it"
                    ) from None
                self.holds_saved += 1
            elif isinstance(event, SessionFinished):
                try:
                    self.history.finish_session(self.session_id, event.status, self.clock.now())
                except HistoryWriteError as exc:
                    raise self._failed(exc, "the session's end") from None

    def _failed(self, error: HistoryWriteError, lost: str) -> SessionNotSavedError:
        """Say what was kept and what was lost; try once to mark the session partial."""
        if self.session_id is None:
            kept = "nothing of this session"
        else:
            holds = f"{self.holds_saved} completed hold{'s' if self.holds_saved != 1 else ''}"
            try:
                self.history.finish_session(
                    self.session_id, SessionStatus.PARTIAL, self.clock.now()
                )
                status = "marked partial"
            except HistoryWriteError:
                status = "shown as partial once this hipflex has stopped"
            kept = f"the session's start and {holds} ({status})"
        self.failure = SessionNotSavedError(
            f"{error.message}. Kept in your history: {kept}. Not saved: {lost}; the session was stopped",
            hint=error.hint,
        )
        return self.failure

    def _record_hold(self, session_id: str, hold: HoldCompleted) -> None:
        if self.restamp_holds:
            now = self.clock.now()
            hold = replace(hold, started_at=self._hold_started_at or now, ended_at=now)
        form = self.form_metrics.summary() if self.form_metrics is not None else HoldFormSummary()
        self.history.record_hold(
            session_id,
            hold,
            self.source,
            hip_extension_max_deg=form.hip_extension_max_deg,
            hip_extension_median_deg=form.hip_extension_median_deg,
            faults=dict(form.faults) if form.faults is not None else None,
        )
