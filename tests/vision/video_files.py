"""What an MP4 says about itself, as a player sees it: frame count, frame rate, duration
(ffmpeg from imageio-ffmpeg; the frames are counted by decoding them all)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VideoStats:
    frames: int  # decoded
    fps: float  # the stream's frame rate
    duration_s: float  # the container's duration, what a player shows


def video_stats(path: Path) -> VideoStats:
    import imageio_ffmpeg

    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    reader.close()
    return VideoStats(frames, float(meta["fps"]), float(meta["duration"]))
