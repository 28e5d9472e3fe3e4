"""The guided session: one use case for every front end (terminal, web page, clinic).

Given the person's settings, a protocol name, a mode and the ports (a :class:`HistoryWriter`,
the wall clock, optionally a faster session clock and a frame source), it resolves the
protocol, builds the engine, the recorder and the one form gate, records pain and notes, and
returns the engine's events and snapshots. Front ends only drive it: the terminal with keys
and Rich, the web with a WebSocket and JSON. Nothing here knows about either, or about the
database: tests run whole sessions with a fake history and a ``FakeClock``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from hipflex.domain.clock import Clock, FakeClock
from hipflex.domain.events import Event, Phase, SessionFinished
from hipflex.domain.protocol import Position, Protocol
from hipflex.domain.records import Source
from hipflex.domain.session import SessionEngine, SessionView
from hipflex.errors import HipflexError
from hipflex.services.form_gate import FormGate, FormReading
from hipflex.services.recorder import HistoryWriter, SessionRecorder
from hipflex.services.session_check_in import CheckIn, save_check_in
from hipflex.settings import UserSettings
from hipflex.vision.pose import Frame, Pose

ProtocolLoader = Callable[[str], Protocol]  # a name or a .toml path → a validated protocol


class SessionMode(StrEnum):
    """Where form comes from: nowhere (the timer counts), a live camera, a recorded video
    (or landmark replay) whose frames are the clock, or landmarks a client pushes live."""

    TIMER = "timer"
    CAMERA = "camera"
    VIDEO = "video"
    LANDMARKS = "landmarks"

    @property
    def source(self) -> Source:
        """What the history says measured the holds."""
        return {
            SessionMode.TIMER: Source.TIMER,
            SessionMode.CAMERA: Source.CAMERA,
            SessionMode.VIDEO: Source.VIDEO,
            SessionMode.LANDMARKS: Source.CAMERA,
        }[self]


class Control(StrEnum):
    """What a person can do during a session."""

    PAUSE = "pause"
    RESUME = "resume"
    TOGGLE_PAUSE = "toggle_pause"
    SKIP = "skip"
    QUIT = "quit"


@dataclass(frozen=True)
class SessionRequest:
    """What to run. ``protocol`` is a name or a .toml path (None: the settings' default).

    ``demo`` marks a sped-up run (``--speed``): it is recorded with real times, and the
    history is to keep it out of the statistics (the sessions table's demo flag)."""

    protocol: str | None = None
    mode: SessionMode = SessionMode.TIMER
    pain_before: int | None = None
    demo: bool = False


@dataclass(frozen=True)
class Step:
    """One beat of a session that reads its own frames: the frame read (if any), what it
    showed, and the events that followed. ``source_ended``: the video or camera ran out."""

    events: list[Event]
    frame: Frame | None = None
    reading: FormReading | None = None
    source_ended: bool = False


def resolve_protocol(
    settings: UserSettings, name: str | None, load: ProtocolLoader, mode: SessionMode
) -> Protocol:
    """The protocol to run, with the person's own choices (rest length, first get-ready)
    applied. A recorded video runs on its own frames: nobody gets down to the floor, so it
    keeps the protocol's get-ready."""
    protocol = settings.personalise(load(name or settings.default_protocol))
    if mode is SessionMode.VIDEO:
        protocol = protocol.model_copy(update={"first_get_ready_s": None})
    if mode is not SessionMode.TIMER and protocol.position is not Position.KNEELING:
        raise HipflexError(
            f"the camera form check knows the kneeling stretch; {protocol.name} is "
            f"{protocol.position.value}",
            hint="run it without the camera, or choose the kneeling hip flexor stretch",
        )
    return protocol


def prime_frames(frames: Iterable[Frame]) -> Iterator[Frame]:
    """Start a frame source now (opening the camera or decoder), keeping its first frame:
    a camera that cannot open fails before anything is recorded."""
    iterator = iter(frames)
    first = next(iterator, None)
    return iterator if first is None else itertools.chain([first], iterator)


class GuidedSession:
    """One session from :meth:`begin` to its end, a quit, or :meth:`stop`.

    ``wall`` is the real clock: it stamps the record and times live frames. ``clock`` (default
    ``wall``) runs the engine; a faster one (``--speed``) changes how long the session takes,
    never the times on record. In video mode the frames are the clock: the session runs as
    fast as they can be read, on the recording's own timeline. ``frames`` is the source
    :meth:`step` reads from; a client that pushes poses calls :meth:`push_pose` instead.
    """

    def __init__(
        self,
        protocol: Protocol,
        history: HistoryWriter,
        wall: Clock,
        *,
        mode: SessionMode = SessionMode.TIMER,
        clock: Clock | None = None,
        frames: Iterable[Frame] | None = None,
        demo: bool = False,
    ) -> None:
        self.protocol = protocol
        self.mode = mode
        self.demo = demo
        self.finished: SessionFinished | None = None
        self._history = history
        self._wall = wall
        self._frames = iter(frames) if frames is not None else None
        self._frame_clock: FakeClock | None = None
        self._first_frame_s: float | None = None
        record_clock = wall
        if mode is SessionMode.VIDEO:
            self._frame_clock = FakeClock(start=wall.now())
            clock = record_clock = self._frame_clock
        self.clock = clock or wall
        self.gate: FormGate | None = None
        if mode is not SessionMode.TIMER:
            self.gate = FormGate(protocol.form, record_clock)
        self.engine = SessionEngine(protocol, self.clock, form_gate=self.gate)
        self.recorder = SessionRecorder(
            history,
            protocol,
            record_clock,
            source=mode.source,
            form_metrics=self.gate,
            restamp_holds=self.clock is not record_clock,
            demo=demo,
        )

    @classmethod
    def open(
        cls,
        request: SessionRequest,
        settings: UserSettings,
        protocols: ProtocolLoader,
        history: HistoryWriter,
        wall: Clock,
        *,
        clock: Clock | None = None,
        frames: Iterable[Frame] | None = None,
    ) -> GuidedSession:
        """Resolve ``request`` against the settings and build the session (nothing is
        recorded until :meth:`begin`)."""
        protocol = resolve_protocol(settings, request.protocol, protocols, request.mode)
        return cls(
            protocol,
            history,
            wall,
            mode=request.mode,
            clock=clock,
            frames=frames,
            demo=request.demo,
        )

    # -- state --------------------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        return self.recorder.session_id

    @property
    def running(self) -> bool:
        """Begun, not finished, and the history still takes its writes (after a refused
        write the session cannot go on: nothing more would be kept)."""
        return (
            self.session_id is not None
            and not self.engine.finished
            and self.recorder.failure is None
        )

    @property
    def camera_active(self) -> bool:
        return self.gate is not None and self.gate.active

    def snapshot(self) -> SessionView:
        return self.engine.snapshot()

    def form_text(self) -> str | None:
        """The camera's view in words for a screen (None without a camera)."""
        return self.gate.describe() if self.gate is not None else None

    # -- driving it ---------------------------------------------------------------------------

    def begin(self, pain_before: int | None = None) -> list[Event]:
        """Create the session record, store the pain rating, start the engine."""
        session_id = self.recorder.begin()
        if pain_before is not None:
            save_check_in(self._history, session_id, CheckIn(pain_before), self._wall.now())
        return self._handle(self.engine.start())

    def update(self) -> list[Event]:
        """Let the engine consume the time that passed."""
        return self._handle(self.engine.update())

    def control(self, action: Control) -> list[Event]:
        """Pause, resume, toggle pause, skip or quit."""
        engine = self.engine
        actions: dict[Control, Callable[[], list[Event]]] = {
            Control.PAUSE: engine.pause,
            Control.RESUME: engine.resume,
            Control.TOGGLE_PAUSE: engine.toggle_pause,
            Control.SKIP: engine.skip,
            Control.QUIT: engine.quit,
        }
        return self._handle(actions[action]())

    def stop(self) -> list[Event]:
        """End now if running (tab closed, server stopping, taken over): saved as partial."""
        if not self.running:
            return []
        return self.control(Control.QUIT)

    def step(self) -> Step:
        """Read one frame from the source (if any), then update; ends when the source does."""
        if self._frames is None:
            return Step(self.update())
        frame = next(self._frames, None)
        if frame is None:
            return Step(self.control(Control.QUIT), source_ended=True)
        reading = self.push_frame(frame)
        return Step(self.update(), frame, reading)

    def push_frame(self, frame: Frame) -> FormReading:
        """A frame from a camera or a file; a video's frames also move the session clock."""
        if self._frame_clock is not None:
            if self._first_frame_s is None:
                self._first_frame_s = frame.timestamp_s
            elapsed_s = frame.timestamp_s - self._first_frame_s
            if elapsed_s > self._frame_clock.monotonic():
                self._frame_clock.set(elapsed_s)
        return self.push_pose(frame.pose, frame.timestamp_s)

    def push_pose(self, pose: Pose | None, timestamp_s: float) -> FormReading:
        """A pose measured elsewhere (the server's model, or a client's own landmarks)."""
        if self.gate is None:
            raise HipflexError("this session has no camera: poses are not used")
        snapshot = self.snapshot()
        # Corrections are spoken only while holding: during rest they would be noise.
        in_hold = snapshot.phase is Phase.HOLD
        # The wrong knee is a fault during a hold only; in the rest between sides it is not.
        state = self.gate.push(pose, timestamp_s, snapshot.side if in_hold else None)
        return FormReading(state, state.cue if in_hold else None, self.gate.other_side())

    def set_camera(self, enabled: bool) -> bool:
        """The camera went away (or came back); without it hold time follows the timer and
        holds are recorded as timer holds. Returns False when nothing changed."""
        if self.gate is None or self.gate.active is enabled:
            return False
        self.gate.active = enabled
        self.recorder.source = self.mode.source if enabled else Source.TIMER
        return True

    def check_in(self, check_in: CheckIn) -> list[str]:
        """Pain ratings and a note for this session (see :func:`save_check_in`)."""
        if self.session_id is None:
            raise HipflexError("the session has not started yet")
        return save_check_in(self._history, self.session_id, check_in, self._wall.now())

    def _handle(self, events: list[Event]) -> list[Event]:
        # Storage first: an event reaches a screen only once it is on record.
        self.recorder.handle(events)
        for event in events:
            if isinstance(event, SessionFinished):
                self.finished = event
        return events
