"""The analysis a job runs: the very function ``hipflex analyze`` uses for a video
(``vision.analysis.analyze_video``), one process per job (the worker count gives the
parallelism), its errors turned into reasons a person can read."""

from __future__ import annotations

from pathlib import Path

from hipflex.errors import MediaError
from hipflex.services.clinic.video_analysis import AnalysisOutput, ProgressCallback, UnusableVideo


def analyze_uploaded_video(
    video: Path, out_dir: Path, progress: ProgressCallback
) -> AnalysisOutput:
    """:class:`~hipflex.services.clinic.video_analysis.Analyzer` over ``analyze_video``."""
    from hipflex.vision.analysis import analyze_video

    try:
        result = analyze_video(video, out_dir, workers=1, progress=progress)
    except MediaError as exc:
        raise UnusableVideo(_reason(exc.message)) from None
    annotated = result.outputs.get("annotated")
    return AnalysisOutput(
        frames=result.frames,
        duration_s=result.duration_s,
        summary=result.summary,
        timeline=result.timeline,
        annotated=Path(annotated) if annotated else None,
    )


def _reason(message: str) -> str:
    """The analyzer's message without the server's file path."""
    _, sep, rest = message.partition(": ")
    text = rest if sep and ("/" in message.split(": ")[0]) else message
    if "no person found" in text:
        return f"no person found in the video ({text})"
    return text


def probe_uploaded_video(video: Path) -> float:
    """The video's duration in seconds, after opening it and decoding its first frame (a
    real video, whatever its name says); :class:`UnusableVideo` when it is not one."""
    from hipflex.vision.mediapipe_source import probe_video

    try:
        info = probe_video(video)
    except MediaError as exc:
        raise UnusableVideo(f"not a video hipflex can read ({_reason(exc.message)})") from None
    return float(info.duration_s)
