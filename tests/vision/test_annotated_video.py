"""The annotated video holds the frames whose pose was read, at the analysis rate, and lasts
as long as the source: frame count, frame rate and duration as a player sees them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from tests.vision.video_files import cut_clip, video_stats

from hipflex.vision.analysis import analyze_video, annotated_frame_rate
from hipflex.vision.mediapipe_source import iter_video_images
from hipflex.vision.video_io import H264Writer

CLIP_SOURCE = "vcproj_lunges1.mp4"  # 768x432 at 25 fps: read every 2nd frame, 12.5 a second
CLIP_FRAMES = 51  # odd: the last frame is read, the clip ends half a reading after it


@pytest.mark.parametrize(
    "fps", [Fraction(25, 2), Fraction(15000, 1001), Fraction(15), Fraction(25)], ids=str
)
def test_the_writer_keeps_a_fractional_frame_rate_and_the_duration(
    fps: Fraction, tmp_path: Path
) -> None:
    path = tmp_path / "out.mp4"
    frames = 40
    with H264Writer(path, 64, 48, fps) as writer:
        for i in range(frames):
            writer.write(np.full((48, 64, 3), 6 * i, dtype=np.uint8))
    stats = video_stats(path)
    assert stats.frames == frames
    assert stats.fps == pytest.approx(float(fps), abs=0.01)
    assert stats.duration_s == pytest.approx(frames / fps, abs=0.5 / float(fps))


@pytest.mark.parametrize(
    ("fps", "stride", "rate"),
    [
        (30.0, 2, Fraction(15)),
        (25.0, 2, Fraction(25, 2)),
        (29.97002997002997, 2, Fraction(15000, 1001)),  # 29.97 as OpenCV reports it
        (60.0, 4, Fraction(15)),
        (24.0, 1, Fraction(24)),  # --every-frame
    ],
)
def test_annotated_frame_rate_is_the_source_rate_over_the_stride(
    fps: float, stride: int, rate: Fraction
) -> None:
    assert annotated_frame_rate(fps, stride) == rate


@pytest.fixture(scope="module")
def clip(media_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    return cut_clip(media_dir / "video" / CLIP_SOURCE, CLIP_FRAMES, path)


def _mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


@pytest.mark.media
@pytest.mark.parametrize(("workers", "chunk_frames"), [(1, None), (2, 20)])
def test_the_annotated_video_holds_the_frames_read_at_the_analysis_rate(
    clip: Path, tmp_path: Path, workers: int, chunk_frames: int | None
) -> None:
    import imageio_ffmpeg

    source = video_stats(clip)
    assert source.frames == CLIP_FRAMES and source.fps == pytest.approx(25.0)
    result = analyze_video(clip, tmp_path, workers=workers, chunk_frames=chunk_frames)
    readings = (CLIP_FRAMES + 1) // 2  # frames 0, 2, ..., 50
    assert result.frames == CLIP_FRAMES  # every frame decoded: the duration is the source's
    assert len(result.timeline["t_s"]) == readings
    annotated = Path(result.outputs["annotated"])
    stats = video_stats(annotated)
    assert stats.frames == readings
    assert stats.fps == pytest.approx(12.5, abs=0.01)
    assert stats.duration_s == pytest.approx(source.duration_s, abs=1 / 12.5)
    assert result.summary["annotated_fps"] == 12.5
    assert result.summary["annotated_frames"] == readings
    report = Path(result.outputs["report"]).read_text(encoding="utf-8")
    assert f"the annotated video has the {readings} frames whose pose was read, at 12.5" in report
    # Each annotated frame is the picture of its reading (frame 2k), not the frame after it:
    # the overlay is the same on both candidates, the motion between them is not.
    pictures = [image for _, _, image in iter_video_images(clip, 25.0, 0, CLIP_FRAMES)]
    reader = imageio_ffmpeg.read_frames(str(annotated), pix_fmt="bgr24")
    meta = reader.__next__()
    width, height = meta["size"]
    closer = 0
    for k, raw in enumerate(reader):
        frame = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
        own = _mean_difference(frame, pictures[2 * k])
        neighbours = [i for i in (2 * k - 1, 2 * k + 1) if 0 <= i < CLIP_FRAMES]
        closer += all(own < _mean_difference(frame, pictures[i]) for i in neighbours)
    print(f"{closer} of {readings} annotated frames nearest their own picture")
    assert closer >= 0.8 * readings, f"{closer} of {readings} frames nearest their own picture"


@pytest.mark.media
def test_every_frame_keeps_every_frame_in_the_annotated_video(clip: Path, tmp_path: Path) -> None:
    result = analyze_video(clip, tmp_path, workers=2, chunk_frames=20, pose_rate_hz=None)
    stats = video_stats(Path(result.outputs["annotated"]))
    assert stats.frames == CLIP_FRAMES == len(result.timeline["t_s"])
    assert stats.fps == pytest.approx(25.0, abs=0.01)
    assert stats.duration_s == pytest.approx(CLIP_FRAMES / 25, abs=1 / 25)
    assert result.summary["annotated_fps"] == 25
    assert result.summary["annotated_frames"] == CLIP_FRAMES
