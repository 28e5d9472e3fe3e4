"""``hipflex start``: a guided session in the terminal, timed or checked by the camera."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from hipflex.cli.options import DataDirOption
from hipflex.domain.records import PAIN_MAX, PAIN_MIN, PAIN_SCALE, parse_pain_rating
from hipflex.errors import HipflexError

if TYPE_CHECKING:
    from hipflex.domain.events import SessionFinished
    from hipflex.services.guided_session import Step
    from hipflex.vision.pose import PoseSource


def register(app: typer.Typer) -> None:
    app.command("start")(start)


def start(
    ctx: typer.Context,
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
            "a sped-up session is recorded with the real times it ran at, as a demo.",
        ),
    ] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="No voice, no bell.")] = False,
    no_input: Annotated[
        bool,
        typer.Option("--no-input", help="No prompts and no keys (scripts, non-tty terminals)."),
    ] = False,
    pain_before: Annotated[
        int | None,
        typer.Option(min=PAIN_MIN, max=PAIN_MAX, help=f"Pain before ({PAIN_SCALE})."),
    ] = None,
    pain_after: Annotated[
        int | None,
        typer.Option(min=PAIN_MIN, max=PAIN_MAX, help=f"Pain after ({PAIN_SCALE})."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note to keep with this session.")] = None,
) -> None:
    """Start a guided stretch session (space pause/resume, n skip, q quit after asking)."""
    from hipflex.cli.coach import Coach
    from hipflex.cli.runtime import wall_clock
    from hipflex.cues.speech import make_speaker
    from hipflex.domain.clock import ScaledClock
    from hipflex.protocols.loader import load_protocol
    from hipflex.services.guided_session import (
        GuidedSession,
        SessionMode,
        prime_frames,
        resolve_protocol,
    )
    from hipflex.services.session_check_in import CheckIn
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    if sum(x is not None for x in (camera, video, replay)) > 1:
        raise HipflexError("choose one of --camera, --video and --replay")
    mode = SessionMode.TIMER
    if camera is not None:
        mode = SessionMode.CAMERA
        if speed != 1.0:
            raise HipflexError("--speed cannot be used with a live camera")
    elif video is not None or replay is not None:
        mode = SessionMode.VIDEO  # the frames are the clock: --speed does not apply
    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    chosen = resolve_protocol(settings, protocol, lambda name: load_protocol(name, directory), mode)
    interactive = not no_input and sys.stdin.isatty()
    console = Console()
    wall = wall_clock(ctx)
    sped_up = speed != 1.0 and mode is SessionMode.TIMER
    frames = _frame_source(camera, settings.camera_index, video, replay)

    with open_database(directory) as database:
        # Open the camera or video before the session exists: a missing camera records nothing.
        primed = prime_frames(frames) if frames is not None else None
        if pain_before is None and interactive:
            pain_before = ask_pain("Pain in your hip or low back right now")
        session = GuidedSession(
            chosen,
            database.repository,
            wall,
            mode=mode,
            clock=ScaledClock(speed, base=wall) if sped_up else None,
            frames=primed,
            demo=sped_up,
        )
        coach = Coach(
            session=session,
            speaker=make_speaker(quiet or not settings.voice),
            console=console,
            interactive=interactive,
            on_step=_PreviewWindow() if primed is not None and _want_preview(preview) else None,
        )
        finished = coach.run(pain_before)
        if finished is None:
            raise HipflexError("the session ended without a result")
        if coach.interrupted:
            raise typer.Exit(code=130)
        if pain_after is None and interactive:
            pain_after = ask_pain("Pain now, after stretching")
        if note is None and interactive:
            note = typer.prompt(
                "A note for your record (Enter to skip)", default="", show_default=False
            )
        session.check_in(CheckIn(pain_after=pain_after, note=note))
    console.print(f"Saved: {saved_summary(finished)}.", highlight=False)


def saved_summary(finished: SessionFinished) -> str:
    """ "8 of 8 holds (right 120 s, left 120 s); session completed" """
    sides = ", ".join(f"{side.value} {s:.0f} s" for side, s in finished.counted_s_by_side.items())
    return (
        f"{finished.holds_done} of {finished.holds_planned} holds ({sides}); "
        f"session {finished.status.value}"
    )


def _frame_source(
    camera: int | None, default_camera: int, video: Path | None, replay: Path | None
) -> PoseSource | None:
    """The frames for a camera (a negative index: the one in settings), a video or a replay."""
    if camera is not None:
        from hipflex.vision.mediapipe_source import CameraSource

        return CameraSource(default_camera if camera < 0 else camera)
    if video is not None:
        from hipflex.vision.mediapipe_source import VideoFileSource, check_readable

        check_readable(video)
        return VideoFileSource(video)
    if replay is not None:
        from hipflex.vision.replay import ReplaySource

        return ReplaySource.from_file(replay)
    return None


class _PreviewWindow:
    """An OpenCV window with the skeleton and state, when there is a display."""

    name = "hipflex"

    def __call__(self, step: Step) -> None:
        import cv2

        from hipflex.vision.annotate import draw_annotations

        if step.source_ended:
            cv2.destroyWindow(self.name)
            return
        if step.frame is None or step.frame.image is None or step.reading is None:
            return
        state = step.reading.state
        canvas = draw_annotations(
            step.frame.image,
            state.pose,
            state.status,
            state.measurement,
            good_form_s=state.counted_good_s,
        )
        cv2.imshow(self.name, canvas)
        cv2.waitKey(1)


def _want_preview(preview: bool | None) -> bool:
    import os

    if preview is not None:
        return preview
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ask_pain(question: str) -> int | None:
    """Ask for a pain rating until it is a whole number on the scale; Enter skips."""
    while True:
        answer = typer.prompt(
            f"{question} ({PAIN_SCALE}, Enter to skip)", default="", show_default=False
        )
        value = parse_pain_rating(answer)
        if value is not None or not answer.strip():
            return value
        typer.echo(
            f"Please type a whole number from {PAIN_MIN} (no pain) to {PAIN_MAX} (worst pain)."
        )
