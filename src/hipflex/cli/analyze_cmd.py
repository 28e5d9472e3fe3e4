"""``hipflex analyze PATH... [--out DIR] [--json]``: photos and videos to annotated copies,
JSON and HTML reports.

The command only parses options, expands directories and renders results; the work is in
:mod:`hipflex.vision.analysis` (imported inside the command, so ``hipflex --help`` stays light).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from hipflex.errors import HipflexError

if TYPE_CHECKING:
    from hipflex.vision.analysis import AnalysisResult

# Videos longer than this get a progress bar (in frames).
PROGRESS_MIN_FRAMES = 90


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command to the main app."""
    app.command("analyze")(analyze)


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; directories replaced by their media files (sorted, not recursive)."""
    from hipflex.vision.mediapipe_source import IMAGE_SUFFIXES, VIDEO_SUFFIXES

    media = IMAGE_SUFFIXES | VIDEO_SUFFIXES
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in media)
            )
        else:
            out.append(path)
    return out


def analyze(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Photos, videos or directories of them.", show_default=False),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Where to write annotated copies, JSON and HTML reports."),
    ] = Path("hipflex-analysis"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per input on stdout.")
    ] = False,
    every_frame: Annotated[
        bool,
        typer.Option(
            "--every-frame",
            help="Videos: read the pose on every frame (slower) instead of about 15 times a "
            "second; the annotated video holds the frames read, at that rate.",
        ),
    ] = False,
) -> None:
    """Check the kneeling hip flexor stretch in photos and videos.

    For each input: an annotated copy (PNG or H.264 MP4), a JSON file and an HTML report.

    A bad file is reported and skipped; the exit code is 1 if some inputs failed, 2 if all did.
    """
    from hipflex.vision.analysis import POSE_RATE_HZ, PhotoAnalyzer, analyze_path, media_kind
    from hipflex.vision.mediapipe_source import probe_video

    console = Console(stderr=as_json)
    err = Console(stderr=True)
    inputs = expand_inputs(paths)
    if not inputs:
        err.print(Text("error: no photos or videos to analyse", style="bold red"))
        raise typer.Exit(2)
    failures = 0
    pose_rate_hz = None if every_frame else POSE_RATE_HZ
    # One pose graph for every photo: building it costs more than analysing a photo.
    photos = PhotoAnalyzer()
    for path in inputs:
        try:
            frames = probe_video(path).frame_count if media_kind(path) == "video" else 1
            if frames >= PROGRESS_MIN_FRAMES:
                result = _analyze_with_progress(path, out, frames, err, pose_rate_hz)
            else:
                result = analyze_path(path, out, photos=photos, pose_rate_hz=pose_rate_hz)
            _render(result, as_json, console)
            for warning in result.summary.get("warnings", []):
                err.print(Text(f"warning: {warning}", style="yellow"), soft_wrap=True)
        except HipflexError as exc:
            failures += 1
            line = Text("error: ", style="bold red") + Text(exc.message)
            err.print(line, highlight=False, soft_wrap=True)
            if exc.hint:
                err.print(Text(f"hint: {exc.hint}"), highlight=False, soft_wrap=True)
            if as_json:
                print(json.dumps({"source": str(path), "error": exc.message}), flush=True)
    photos.close()
    if failures:
        raise typer.Exit(2 if failures == len(inputs) else 1)


def _analyze_with_progress(
    path: Path, out: Path, frames: int, err: Console, pose_rate_hz: float | None
) -> AnalysisResult:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from hipflex.vision.analysis import analyze_video

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} frames"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(path.name, total=frames)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done))

        return analyze_video(path, out, progress=progress, pose_rate_hz=pose_rate_hz)


def _render(result: AnalysisResult, as_json: bool, console: Console) -> None:
    if as_json:
        print(json.dumps(result.to_dict()), flush=True)
        return
    s: dict[str, Any] = result.summary
    name = Path(result.source).name
    if result.kind == "image":
        if s["in_position"]:
            what = "good form" if s["status"] == "good" else s["message"]
            line = f"{name}: photo, in position: {what}"
        else:
            line = f"{name}: photo, not in position: {s['message']}"
        if s.get("hip_extension_deg") is not None:
            line += f"; hip extension {s['hip_extension_deg']:.0f}°"
        if s.get("kneeling_side"):
            line += f"; {s['kneeling_side']} knee down"
        if s.get("position_confidence") is not None:
            line += f"; position confidence {s['position_confidence'] * 100:.0f}%"
        if s.get("position_reason"):
            doubt = "unsure: " if s["in_position"] else ""
            line += f" ({doubt}{s['position_reason']})"
        if s.get("found_by") not in (None, "as is"):
            line += f"; person found {s['found_by']}"
        if s.get("people_found", 1) > 1:
            line += f"; {s['people_found']} people, the largest and most central checked"
    else:
        side = f"{s['kneeling_side']} knee down" if s.get("kneeling_side") else "side not told"
        line = (
            f"{name}: video {result.duration_s:.1f} s, in position {s['in_position']:.1f} s, "
            f"good form {s['good_form_s']:.1f} s, {side}"
        )
        if s.get("max_hip_extension_deg") is not None:
            line += f", highest hip extension {s['max_hip_extension_deg']:.0f}°"
        if s.get("mean_position_confidence") is not None:
            line += f", mean position confidence {s['mean_position_confidence'] * 100:.0f}%"
    console.print(Text(line), highlight=False, soft_wrap=True)
    console.print(Text(f"  report: {result.outputs.get('report', '')}", style="dim"))
