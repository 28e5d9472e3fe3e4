"""The terminal coach: drives a guided session with keys, shows it with Rich, speaks its cues.

Everything a session is (engine, recorder, form gate) lives in
:class:`~hipflex.services.guided_session.GuidedSession`; this module is keys in, words out.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Protocol

from rich.console import Console
from rich.live import Live
from rich.panel import Panel

from hipflex.cli.keys import KeyReader
from hipflex.cli.render import PHASE_WORDS, session_panel
from hipflex.cues.speech import Speaker
from hipflex.domain.events import (
    CueRequested,
    Event,
    HoldCompleted,
    HoldOutcome,
    PhaseStarted,
    SessionFinished,
    SessionStatus,
    SideSwitched,
)
from hipflex.errors import HipflexError
from hipflex.services.guided_session import Control, GuidedSession, Step

OUTCOME_WORDS = {
    HoldOutcome.COMPLETED: "done",
    HoldOutcome.TIMED_OUT: "time limit reached",
    HoldOutcome.SKIPPED: "skipped",
    HoldOutcome.INTERRUPTED: "stopped early",
}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StepObserver(Protocol):
    """Sees every step of a session that reads frames (the camera preview window)."""

    def __call__(self, step: Step) -> None: ...


@contextmanager
def stop_signals_noted(note: Callable[[str], None]) -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP (terminal closed) only note the request: the loop ends
    the session at its next beat, never in the middle of saving a hold."""

    def handler(signum: int, frame: FrameType | None) -> None:
        note(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass
class Coach:
    """Runs one guided session to its end (or until quit), rendering and speaking as it goes."""

    session: GuidedSession
    speaker: Speaker
    console: Console
    interactive: bool
    on_step: StepObserver | None = None
    poll_s: float = 0.05
    interrupted: bool = False
    confirming_quit: bool = False
    _paused_to_confirm: bool = False
    _stop_requested: str | None = None

    def run(self, pain_before: int | None = None) -> SessionFinished | None:
        """Begin the session and coach it; returns how it finished."""
        title = f"hipflex · {self.session.protocol.title}"
        with stop_signals_noted(self._note_stop), KeyReader(enabled=self.interactive) as keys:
            try:
                self._say(self.session.begin(pain_before))
                if self.console.is_terminal:
                    with Live(self._panel(title), console=self.console, auto_refresh=False) as live:
                        self._loop(keys, lambda: live.update(self._panel(title), refresh=True))
                else:
                    self._loop(keys, lambda: None)
            except HipflexError:
                # The camera failed mid-session: keep what was done, then report the error.
                self._say(self.session.stop())
                raise
            finally:
                self.speaker.close()
        if self.interrupted:
            self.console.print("Stopped. Completed holds are saved; session marked partial.")
        return self.session.finished

    def _note_stop(self, signal_name: str) -> None:
        self._stop_requested = signal_name

    def _panel(self, title: str) -> Panel:
        return session_panel(
            self.session.snapshot(),
            title,
            self.session.form_text(),
            confirm_quit=self.confirming_quit,
            console=self.console,
        )

    def _loop(self, keys: KeyReader, refresh: Callable[[], None]) -> None:
        reads_frames = self.session.gate is not None
        while not self.session.engine.finished:
            if self._stop_requested:
                self.interrupted = True
                self._say(self.session.stop())
                return
            # A frame source paces itself; the timer loop waits for keys (or sleeps) instead.
            self._on_key(keys.poll(0 if reads_frames else self.poll_s))
            if self.session.engine.finished:
                return
            step = self.session.step()
            if self.on_step is not None:
                self.on_step(step)
            if step.reading is not None and step.reading.cue:
                self.speaker.say(step.reading.cue)
            self._say(step.events)
            refresh()

    def _on_key(self, key: str | None) -> None:
        if key is None:
            return
        if self.confirming_quit:
            self.confirming_quit = False
            if key in ("q", "Q", "y", "Y"):
                self._say(self.session.control(Control.QUIT))
            elif self._paused_to_confirm:
                self._say(self.session.control(Control.RESUME))
            self._paused_to_confirm = False
        elif key == " ":
            self._say(self.session.control(Control.TOGGLE_PAUSE))
        elif key in ("n", "N"):
            self._say(self.session.control(Control.SKIP))
        elif key in ("q", "Q"):
            # Asked first: one stray key must not end a session. It waits while asking.
            self.confirming_quit = True
            self._paused_to_confirm = not self.session.engine.paused
            if self._paused_to_confirm:
                self._say(self.session.control(Control.PAUSE))

    def _say(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, CueRequested):
                self.speaker.say(event.text)
            if not self.console.is_terminal:
                line = describe(event)
                if line:
                    # A protocol's step text is data: "[/]" in it is no style tag.
                    self.console.print(line, highlight=False, markup=False)


def describe(event: Event) -> str | None:
    """A line in words for a terminal that cannot show the live view (``--no-input``)."""
    if isinstance(event, PhaseStarted):
        return (
            f"{PHASE_WORDS[event.phase]}: {event.side.value} side, hold {event.rep} — "
            f"{event.instruction}"
        )
    if isinstance(event, HoldCompleted):
        return (
            f"Hold {event.rep}, {event.side.value} side: {event.counted_s:.0f} of "
            f"{event.target_s:.0f} s ({OUTCOME_WORDS[event.outcome]}), saved."
        )
    if isinstance(event, SideSwitched):
        return f"Switch sides: {event.from_side.value} → {event.to_side.value}."
    if isinstance(event, SessionFinished):
        how = "complete" if event.status is SessionStatus.COMPLETED else "saved as partial"
        return f"Session {how}: {event.holds_done} of {event.holds_planned} holds."
    return None
