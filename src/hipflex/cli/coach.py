"""The terminal coach loop: drives the session engine, speaks cues, saves as it goes."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from rich.console import Console
from rich.live import Live

from hipflex.cli.keys import KeyReader
from hipflex.cli.render import session_panel
from hipflex.cues.speech import Speaker
from hipflex.domain.events import (
    CueRequested,
    Event,
    HoldCompleted,
    PhaseStarted,
    SessionFinished,
    SideSwitched,
)
from hipflex.domain.session import SessionEngine
from hipflex.errors import HipflexError
from hipflex.services.recorder import SessionRecorder


class SessionInterrupted(Exception):
    """The terminal was closed or the process was asked to stop."""


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception, so the session is closed as partial."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SessionInterrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass
class Coach:
    """Runs one engine to its end (or until quit), rendering and recording as it goes."""

    engine: SessionEngine
    recorder: SessionRecorder
    speaker: Speaker
    console: Console
    interactive: bool
    # Called before each engine update (the camera uses it to read a frame); returns False
    # when its source has ended.
    before_update: Callable[[], bool] | None = None
    form_text: Callable[[], str | None] | None = None
    poll_s: float = 0.05
    interrupted: bool = False

    def run(self) -> SessionFinished | None:
        title = f"hipflex · {self.engine.protocol.title}"
        finished: SessionFinished | None = None
        with stop_signals_raise(), KeyReader(enabled=self.interactive) as keys:
            try:
                self._dispatch(self.engine.start())
                if self.console.is_terminal:
                    with Live(self._panel(title), console=self.console, auto_refresh=False) as live:
                        finished = self._loop(
                            keys, lambda: live.update(self._panel(title), refresh=True)
                        )
                else:
                    finished = self._loop(keys, lambda: None)
            except (KeyboardInterrupt, SessionInterrupted):
                self.interrupted = True
                finished = self._dispatch(self.engine.quit())
                self.console.print("Stopped. Completed holds are saved; session marked partial.")
            except HipflexError:
                # The camera failed mid-session: keep what was done, then report the error.
                self._dispatch(self.engine.quit())
                raise
            finally:
                self.speaker.close()
        return finished

    def _panel(self, title: str):  # type: ignore[no-untyped-def]
        text = self.form_text() if self.form_text else None
        return session_panel(self.engine.snapshot(), title, text)

    def _loop(self, keys: KeyReader, refresh: Callable[[], None]) -> SessionFinished | None:
        finished: SessionFinished | None = None
        while not self.engine.finished:
            # A frame source paces itself; the timer loop waits for keys (or sleeps) instead.
            key = keys.poll(0 if self.before_update is not None else self.poll_s)
            if key == " ":
                self._dispatch(self.engine.toggle_pause())
            elif key in ("n", "N"):
                self._dispatch(self.engine.skip())
            elif key in ("q", "Q"):
                finished = self._dispatch(self.engine.quit())
                break
            if self.before_update is not None and not self.before_update():
                finished = self._dispatch(self.engine.quit())
                break
            finished = self._dispatch(self.engine.update()) or finished
            refresh()
        return finished

    def _dispatch(self, events: list[Event]) -> SessionFinished | None:
        self.recorder.handle(events)
        finished: SessionFinished | None = None
        for event in events:
            if isinstance(event, CueRequested):
                self.speaker.say(event.text)
            if not self.console.is_terminal:
                line = describe(event)
                if line:
                    # A protocol's step text is data: "[/]" in it is no style tag.
                    self.console.print(line, highlight=False, markup=False)
            if isinstance(event, SessionFinished):
                finished = event
        return finished


def describe(event: Event) -> str | None:
    """A log line for a terminal that cannot show the live view."""
    if isinstance(event, PhaseStarted):
        return (
            f"{event.phase.value}: {event.side.value} side, hold {event.rep} — {event.instruction}"
        )
    if isinstance(event, HoldCompleted):
        return (
            f"hold {event.rep} {event.side.value}: {event.counted_s:.0f} s of "
            f"{event.target_s:.0f} s ({event.outcome.value}) — saved"
        )
    if isinstance(event, SideSwitched):
        return f"switch sides: {event.from_side.value} → {event.to_side.value}"
    if isinstance(event, SessionFinished):
        return f"session {event.status.value}: {event.holds_done} of {event.holds_planned} holds"
    return None
