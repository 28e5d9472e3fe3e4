"""What an MP4 says about itself, as a player sees it: frame count, frame rate, duration
(ffmpeg from imageio-ffmpeg; the frames are counted by decoding them all); and the first
frames of a shared video cut into a short clip of their own."""

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


def cut_clip(source: Path, frames: int, path: Path) -> Path:
    """The first ``frames`` frames of ``source`` written to ``path`` (H.264, same size and
    rate): a short real clip, so a test analyses seconds, not a whole video."""
    from hipflex.vision.mediapipe_source import iter_video_images, probe_video
    from hipflex.vision.video_io import H264Writer

    info = probe_video(source)
    with H264Writer(path, info.width_px, info.height_px, info.fps) as writer:
        for _, _, image in iter_video_images(source, info.fps, 0, frames):
            writer.write(image)
    return path
