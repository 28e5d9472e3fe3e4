"""``hipflex start``: a guided session in the terminal, timed or checked by the camera."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.errors import HipflexError

if TYPE_CHECKING:
    from hipflex.cli.coach import Coach
    from hipflex.domain.clock import Clock
    from hipflex.domain.protocol import Protocol
    from hipflex.services.form_feed import FormFeed
    from hipflex.vision.pose import Frame, ImageArray, PoseSource
    from hipflex.vision.tracker import FormState


def register(app: typer.Typer) -> None:
    app.command("start")(start)


def start(
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", "-p", help="Protocol name or .toml file (default: settings)."),
    ] = None,
    camera: Annotated[
        int | None,
        typer.Option(
            "--camera",
            help="Check form with a camera (--camera [INDEX]; default: the one in settings). "
            "Hold seconds count only while your form is right.",
            show_default=False,
        ),
    ] = None,
    video: Annotated[
        Path | None,
        typer.Option("--video", help="Check form from a recorded video instead of a camera."),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            "--replay", help="Form from recorded landmarks (JSON), for demos.", hidden=True
        ),
    ] = None,
    preview: Annotated[
        bool | None,
        typer.Option(
            "--preview/--no-preview",
            help="Show the camera with the skeleton in a window (default: when there is a display).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0.01,
            max=10000,
            help="Run the clock FACTOR times faster. For demos and tests only: "
            "a sped-up session is recorded like a real one.",
        ),
    ] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No voice, no bell.")] = False,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="No prompts and no keys (scripts, non-tty terminals)."),
    ] = False,
    pain_before: Annotated[
        int | None, typer.Option(min=0, max=10, help="Pain before (0-10).")
    ] = None,
    pain_after: Annotated[
        int | None, typer.Option(min=0, max=10, help="Pain after (0-10).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note to keep with this session.")] = None,
) -> None:
    """Start a guided stretch session (space pause/resume, n skip, q quit)."""
    from hipflex.cli.coach import Coach
    from hipflex.cues.speech import make_speaker
    from hipflex.domain.clock import ScaledClock, SystemClock
    from hipflex.domain.session import SessionEngine
    from hipflex.protocols.loader import load_protocol
    from hipflex.services.recorder import SessionRecorder
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    if sum(x is not None for x in (camera, video, replay)) > 1:
        raise HipflexError("choose one of --camera, --video and --replay")
    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    chosen = settings.personalise(load_protocol(protocol or settings.default_protocol, directory))
    if camera is not None and camera < 0:
        camera = settings.camera_index
    interactive = not no_input and sys.stdin.isatty()
    console = Console()

    clock: Clock = SystemClock() if speed == 1.0 else ScaledClock(speed)
    feed: FormFeed | None = None
    frames: PoseSource | None = None
    source = "timer"
    if camera is not None or video is not None or replay is not None:
        clock, feed, frames, source = _camera_setup(chosen, camera, video, replay, speed)

    with open_database(directory) as database:
        repository = database.repository
        # Open the camera or video before the session exists: a missing camera records nothing.
        first_frames = _prime(frames) if frames is not None else None
        if pain_before is None and interactive:
            pain_before = ask_pain("Pain in your hip or low back right now")
        engine = SessionEngine(chosen, clock, form_gate=feed.gate if feed else None)
        recorder = SessionRecorder(repository, chosen, clock, source=source, form_metrics=feed)
        session_id = recorder.begin()
        if pain_before is not None:
            repository.record_pain(session_id, "before", pain_before, clock.now())
        speaker = make_speaker(quiet or not settings.voice)
        coach = Coach(
            engine=engine,
            recorder=recorder,
            speaker=speaker,
            console=console,
            interactive=interactive,
        )
        if feed is not None and first_frames is not None:
            _attach_camera(coach, feed, first_frames, _want_preview(preview))
        finished = coach.run()
        if finished is None:
            raise HipflexError("the session ended without a result")
        if coach.interrupted:
            raise typer.Exit(code=130)
        if pain_after is None and interactive:
            pain_after = ask_pain("Pain now, after stretching")
        if pain_after is not None:
            repository.record_pain(session_id, "after", pain_after, clock.now())
        if note is None and interactive:
            note = typer.prompt(
                "A note for your record (Enter to skip)", default="", show_default=False
            )
        if note:
            repository.add_note(session_id, note, clock.now())
    sides = ", ".join(f"{side.value} {s:.0f} s" for side, s in finished.counted_s_by_side.items())
    console.print(
        f"Saved: {finished.holds_done} of {finished.holds_planned} holds ({sides}); "
        f"session {finished.status.value}.",
        highlight=False,
    )


def _camera_setup(
    protocol: Protocol,
    camera: int | None,
    video: Path | None,
    replay: Path | None,
    speed: float,
) -> tuple[Clock, FormFeed, PoseSource, str]:
    """The clock, form feed and frame source for a camera, a video file or a replay."""
    from hipflex.domain.clock import FakeClock, SystemClock
    from hipflex.domain.protocol import Position
    from hipflex.services.form_feed import FormFeed

    if protocol.position is not Position.KNEELING:
        raise HipflexError(
            f"the camera form check knows the kneeling stretch; {protocol.name} is "
            f"{protocol.position.value}",
            hint="run it without --camera/--video, or use --protocol kneeling-hip-flexor",
        )
    if camera is not None:
        if speed != 1.0:
            raise HipflexError("--speed cannot be used with a live camera")
        from hipflex.vision.mediapipe_source import CameraSource

        return SystemClock(), FormFeed(protocol.form), CameraSource(camera), "camera"
    # Recorded media: the frames are the clock, so a file runs as fast as it can be processed.
    clock = FakeClock(start=SystemClock().now())
    feed = FormFeed(protocol.form, frame_clock=clock)
    if video is not None:
        from hipflex.vision.mediapipe_source import VideoFileSource, check_readable

        check_readable(video)
        return clock, feed, VideoFileSource(video), "video"
    assert replay is not None
    from hipflex.vision.replay import ReplaySource

    return clock, feed, ReplaySource.from_file(replay), "video"


def _prime(frames: PoseSource) -> Iterator[Frame]:
    """Start the source now (opening the camera or decoder), keeping its first frame."""
    iterator = iter(frames)
    first = next(iterator, None)
    return iterator if first is None else itertools.chain([first], iterator)


def _attach_camera(coach: Coach, feed: FormFeed, frames: Iterator[Frame], preview: bool) -> None:
    """Each engine update first takes one frame; a fault cue is spoken when the tracker asks."""
    from hipflex.domain.events import Phase

    iterator = frames
    window = _PreviewWindow() if preview else None

    def next_frame() -> bool:
        frame = next(iterator, None)
        if frame is None:
            if window is not None:
                window.close()
            return False
        state = feed.push(frame, coach.engine.snapshot().side)
        if state.cue and coach.engine.snapshot().phase is Phase.HOLD:
            coach.speaker.say(state.cue)
        if window is not None and frame.image is not None:
            window.show(frame.image, state, coach.engine.snapshot().counted_s)
        return True

    coach.before_update = next_frame
    coach.form_text = feed.describe


class _PreviewWindow:
    """An OpenCV window with the skeleton and state, when there is a display."""

    name = "hipflex"

    def show(self, image: ImageArray, state: FormState, counted_s: float) -> None:
        import cv2

        from hipflex.vision.annotate import draw_annotations

        canvas = draw_annotations(
            image, state.pose, state.status, state.measurement, good_form_s=counted_s
        )
        cv2.imshow(self.name, canvas)
        cv2.waitKey(1)

    def close(self) -> None:
        import cv2

        cv2.destroyWindow(self.name)


def _want_preview(preview: bool | None) -> bool:
    import os

    if preview is not None:
        return preview
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ask_pain(question: str) -> int | None:
    """Ask for a 0-10 rating until it is valid; Enter skips."""
    while True:
        answer = typer.prompt(f"{question} (0-10, Enter to skip)", default="", show_default=False)
        answer = answer.strip()
        if not answer:
            return None
        if answer.isdigit() and 0 <= int(answer) <= 10:
            return int(answer)
        typer.echo("Please type a whole number from 0 (no pain) to 10 (worst pain).")
