"""One WebSocket connection: commands in, engine ticks, camera frames, messages out.

Everything that touches the engine runs on the event loop (the engine is not thread-safe);
only the pose estimation of a frame runs in a worker thread. Frames are kept in memory, one
at a time: a frame that arrives while another is being measured replaces the waiting one
(and is counted as dropped), so latency stays bounded whatever the page sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any, Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from hipflex.domain.clock import Clock
from hipflex.errors import HipflexError, HistoryWriteError
from hipflex.services.guided_session import Control, GuidedSession
from hipflex.web.camera_bridge import (
    MAX_FRAME_BYTES,
    EstimatorFactory,
    FrameError,
    FramePipeline,
    frame_message,
    mediapipe_estimator,
)
from hipflex.web.landmark_message import looks_like_landmarks
from hipflex.web.live_landmarks import LandmarkIntake
from hipflex.web.live_registry import LiveHandle, LiveRegistry
from hipflex.web.live_session import LiveSession
from hipflex.web.wire import (
    CameraCommand,
    ControlCommand,
    StartCommand,
    WireError,
    error_message,
    parse_command,
    parse_frame,
)

log = logging.getLogger(__name__)

TICK_S = 0.1
MAX_FRAMES_PER_S = 30.0  # frames beyond this rate are dropped unread
MAX_BAD_MESSAGES = 20  # then the connection is closed (policy violation)
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_GOING_AWAY = 1001
NO_FRAMES = "this server takes no camera frames: the pose runs on your device only"


class LiveContext(Protocol):
    """What a connection needs from the app serving it: the local app's ``WebContext``, or
    the clinic's per-patient context (``clinic/player_context.py``). ``server_pose`` False:
    the page may not send camera frames at all (the clinic: frames never reach a server)."""

    clock: Clock  # the wall clock
    speed: float
    live: LiveRegistry
    unsaved: list[str]
    estimator_factory: EstimatorFactory | None
    server_pose: bool

    def open_session(self, protocol: str | None, *, camera: bool) -> GuidedSession: ...


class LiveConnection:
    """Serves one page's WebSocket until it closes; the session it runs is always saved."""

    def __init__(self, websocket: WebSocket, context: LiveContext) -> None:
        self.websocket = websocket
        self.context = context
        self.connection_id = uuid.uuid4().hex
        self.session: LiveSession | None = None
        self.pipeline: FramePipeline | None = None
        self._outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._pending_frame: tuple[int, bytes, float] | None = None
        self._frame_ready = asyncio.Event()
        self._bad_messages = 0
        self._clock = context.clock  # real time: frame arrival, rate limit, heartbeats
        self._frame_allowance = MAX_FRAMES_PER_S
        self._allowance_at = self._clock.monotonic()
        self.frames_received = 0
        self.frames_dropped = 0
        self._stop_reason: str | None = None
        self._stop_code = CLOSE_GOING_AWAY  # how the socket closes after a stop from outside
        self._stopped = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: asyncio.Future[Any] | None = None  # work running in a thread
        self.landmarks = LandmarkIntake()  # the in-browser pose path's messages
        self._handle = LiveHandle(self.connection_id, self.request_stop)

    # -- lifecycle ----------------------------------------------------------------------------

    async def serve(self) -> None:
        await self.websocket.accept()
        sender = asyncio.create_task(self._send_loop())
        receiver = asyncio.create_task(self._receive_loop())
        stopper = asyncio.create_task(self._stopped.wait())
        try:
            await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiver, stopper, *self._tasks):
                task.cancel()
            self._end_session()
            await self._outbox.put(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender, timeout=2.0)
            sender.cancel()
            await self._close(self._stop_code if self._stop_reason else 1000)
            self._handle.closed.set()
            if self.pipeline is not None:
                pipeline, self.pipeline = self.pipeline, None
                if self._inflight is not None:
                    # MediaPipe must not be closed under a frame it is still measuring.
                    await asyncio.wait({self._inflight}, timeout=10.0)
                await asyncio.to_thread(pipeline.close)

    def _end_session(self) -> None:
        """Save what was done; a session still running ends as partial."""
        if self.session is not None:
            try:
                for message in self.session.stop(self._stop_reason):
                    self._outbox.put_nowait(message)
            except Exception as exc:  # the history must not take the server down with it
                log.exception("could not save the session as partial")
                self.context.unsaved.append(getattr(exc, "message", str(exc)))
            if self._stop_reason:
                self._outbox.put_nowait({"type": "ended", "reason": self._stop_reason})
        self.context.live.release(self.connection_id)

    def request_stop(self, reason: str, close_code: int = CLOSE_GOING_AWAY) -> None:
        """Called by the registry or the app (maybe from another thread): end this session,
        then close with ``close_code`` (the clinic: ``CLOSE_POLICY`` for a revoked login)."""

        def stop() -> None:
            self._stop_reason = reason
            self._stop_code = close_code
            self._stopped.set()

        if self._loop.is_closed():
            return
        try:
            if asyncio.get_running_loop() is self._loop:
                stop()
                return
        except RuntimeError:
            pass
        self._loop.call_soon_threadsafe(stop)

    async def _close(self, code: int) -> None:
        if self.websocket.application_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.websocket.close(code)

    # -- receiving ----------------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    self._on_frame(message["bytes"])
                elif message.get("text") is not None:
                    await self._on_text(message["text"])
                if self._bad_messages > MAX_BAD_MESSAGES:
                    self._send(error_message("too many invalid messages; closing"))
                    self._stop_reason = "policy"
                    return
        except WebSocketDisconnect:
            return

    async def _on_text(self, text: str) -> None:
        if looks_like_landmarks(text):
            # Refusals here never count towards closing: a bad landmark message costs the
            # session nothing, and the rate limit keeps a flood cheap.
            received_s = self._clock.monotonic()
            self._send_all(self.landmarks.receive(text, received_s, self.session))
            self._after_engine()
            return
        try:
            command = parse_command(text)
        except WireError as exc:
            self._bad(str(exc))
            return
        if isinstance(command, StartCommand):
            await self._start(command)
        elif self.session is None:
            self._bad("no session yet: send start first")
        elif isinstance(command, ControlCommand):
            try:
                self._send_all(self.session.command(Control(command.type)))
            except HistoryWriteError as exc:  # skip or quit ended a hold the disk refused
                self._failed(exc)
                return
            self._after_engine()
        elif isinstance(command, CameraCommand):
            self._send_all(self.session.set_camera(command.enabled))

    def _bad(self, reason: str) -> None:
        self._bad_messages += 1
        self._send(error_message(reason))

    async def _start(self, command: StartCommand) -> None:
        if self.session is not None:
            self._bad("this connection already runs a session")
            return
        if command.camera and command.pose == "server" and not self.context.server_pose:
            self._bad(NO_FRAMES)
            return
        handle = self._handle
        if not self.context.live.claim(handle, take_over=command.take_over):
            self._send(
                {
                    "type": "busy",
                    "message": "A session is already running in another tab or window. "
                    "Finish it there, or take it over here.",
                }
            )
            return
        try:
            session = self.context.open_session(command.protocol, camera=command.camera)
        except HipflexError as exc:
            self.context.live.release(self.connection_id)
            self._bad(exc.message)
            return
        self.session = LiveSession(
            session, self._clock, speed=self.context.speed, pose_path=command.pose
        )
        if command.camera and command.pose == "server":
            self.pipeline = FramePipeline(self.context.estimator_factory or mediapipe_estimator)
            self._tasks.append(asyncio.create_task(self._frame_loop()))
        try:
            self._send_all(self.session.begin(command.pain_before))
        except HistoryWriteError as exc:  # the disk was full before the first second
            self._failed(exc)
            return
        self._tasks.append(asyncio.create_task(self._tick_loop()))

    def _on_frame(self, data: bytes) -> None:
        if not self.context.server_pose:
            self._bad(NO_FRAMES)  # never looked at, whatever its size
            return
        if self.pipeline is None or self.session is None or not self.session.running:
            self._bad(
                "no server-side camera session: frames are only accepted after start with "
                "camera (and pose 'server')"
            )
            return
        if len(data) > MAX_FRAME_BYTES + 4:
            self._bad(f"frame too large ({len(data)} bytes, limit {MAX_FRAME_BYTES})")
            return
        try:
            seq, jpeg = parse_frame(data)
        except WireError as exc:
            self._bad(str(exc))
            return
        self.frames_received += 1
        if not self._allow_frame():
            self.frames_dropped += 1
            self._send({"type": "dropped", "seq": seq, "reason": "rate"})
            return
        if self._pending_frame is not None:
            self.frames_dropped += 1
            self._send({"type": "dropped", "seq": self._pending_frame[0], "reason": "busy"})
        self._pending_frame = (seq, jpeg, self._clock.monotonic())
        self._frame_ready.set()

    def _allow_frame(self) -> bool:
        # A token bucket: bursts of up to one second's worth, MAX_FRAMES_PER_S on average.
        now = self._clock.monotonic()
        self._frame_allowance = min(
            MAX_FRAMES_PER_S,
            self._frame_allowance + (now - self._allowance_at) * MAX_FRAMES_PER_S,
        )
        self._allowance_at = now
        if self._frame_allowance < 1.0:
            return False
        self._frame_allowance -= 1.0
        return True

    # -- background loops ---------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        while self.session is not None and self.session.running:
            await asyncio.sleep(TICK_S)
            try:
                self._send_all(self.session.tick())
            except Exception as exc:  # a full disk must not end the loop in silence
                self._failed(exc)
                return
            self._after_engine()

    def _failed(self, exc: Exception) -> None:
        """The session cannot go on (the history refused a write): tell the page, the log
        and the shutdown message what was kept, then end the connection."""
        if isinstance(exc, HistoryWriteError):
            log.error("session not saved: %s", exc.message)
            text = _sentence(exc.message) + (f" {_sentence(exc.hint)}" if exc.hint else "")
        else:
            text = "the session stopped on an internal error; completed holds are saved"
            log.exception("the session stopped on an internal error")
        self.context.unsaved.append(getattr(exc, "message", text))
        self._send({**error_message(text), "fatal": True})
        self._stop_reason = "error"
        self._stopped.set()

    def _after_engine(self) -> None:
        if self.session is not None and not self.session.running:
            # The slot is free for another tab as soon as this session is over.
            self.context.live.release(self.connection_id)

    async def _frame_loop(self) -> None:
        assert self.pipeline is not None
        pipeline = self.pipeline
        try:
            await self._in_thread(pipeline.warm_up)
        except Exception as exc:
            log.exception("the pose model could not be loaded")
            self._send(error_message(f"the camera check is unavailable: {exc}"))
            if self.session is not None:
                self._send_all(self.session.set_camera(False))
            return
        self._send({"type": "camera_ready"})
        while self.session is not None and self.session.running:
            await self._frame_ready.wait()
            self._frame_ready.clear()
            pending, self._pending_frame = self._pending_frame, None
            if pending is None:
                continue
            seq, jpeg, arrived_at = pending
            try:
                result = await self._in_thread(pipeline.process, seq, jpeg, arrived_at)
            except FrameError as exc:
                self._bad(str(exc))
                continue
            if self.session is None or not self.session.running:
                return
            reading = self.session.push_pose(result.pose, result.timestamp_s)
            self._send(frame_message(result, reading))
            if reading.cue:
                self._send({"type": "event", "event": "cue", "text": reading.cue, "kind": "form"})

    async def _in_thread(self, function: Any, *args: Any) -> Any:
        self._inflight = self._loop.run_in_executor(None, function, *args)
        return await asyncio.shield(self._inflight)

    # -- sending ------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        self._outbox.put_nowait(message)

    def _send_all(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._outbox.put_nowait(message)

    async def _send_loop(self) -> None:
        while True:
            message = await self._outbox.get()
            if message is None:
                return
            if self.websocket.application_state is not WebSocketState.CONNECTED:
                continue
            try:
                await self.websocket.send_text(json.dumps(message, separators=(",", ":")))
            except Exception:
                return  # the page went away; the receive side notices and saves


def _sentence(text: str) -> str:
    return f"{text[:1].upper()}{text[1:].rstrip('.')}."


async def serve_connection(websocket: WebSocket, context: LiveContext) -> None:
    """Run one page's live session over ``websocket`` (the route's whole body)."""
    await LiveConnection(websocket, context).serve()
