"""End-to-end on real media (MediaPipe runs): photos, a built 30 s hold video, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.errors import CameraError, MediaError
from hipflex.vision.analysis import analyze_image, analyze_path, analyze_video
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import classify
from hipflex.vision.mediapipe_source import CameraSource, ImageFilesSource

pytestmark = pytest.mark.media

POSITIVE = "pos_steve_hip_flexor_stretch.jpg"
NEGATIVE = "neg_fedb_split_squats_0.jpg"


def test_in_position_f1_on_shared_photos(media_dir: Path) -> None:
    labels = {
        r["file"]: r["in_position"] == "1"
        for r in csv.DictReader((media_dir / "labels.csv").open())
    }
    paths = sorted((media_dir / "images").iterdir())
    tp = fp = fn = 0
    for path, frame in zip(paths, ImageFilesSource(paths, keep_images=False), strict=True):
        m = None if frame.pose is None else measure_form(frame.pose)
        predicted = classify(m, FormThresholds()).status.in_position
        truth = labels[path.name]
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
    assert 2 * tp / (2 * tp + fp + fn) >= 0.95


def _canvas(image: np.ndarray, width_px: int, height_px: int) -> np.ndarray:
    """Letterbox ``image`` into a grey canvas of the given size."""
    import cv2

    scale = min(width_px / image.shape[1], height_px / image.shape[0])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((height_px, width_px, 3), 128, np.uint8)
    y0 = (height_px - small.shape[0]) // 2
    x0 = (width_px - small.shape[1]) // 2
    canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    return canvas


def test_built_30_s_hold_video_counts_good_form_within_one_second(
    media_dir: Path, tmp_path: Path
) -> None:
    """15 s good hold, 3 s person out of frame, 15 s good hold, 10 s standing split squat."""
    import cv2

    from hipflex.vision.video_io import H264Writer

    fps, width_px, height_px = 10, 480, 272
    positive = _canvas(cv2.imread(str(media_dir / "images" / POSITIVE)), width_px, height_px)
    negative = _canvas(cv2.imread(str(media_dir / "images" / NEGATIVE)), width_px, height_px)
    empty = np.full_like(positive, 128)
    rng = np.random.default_rng(7)
    video = tmp_path / "hold.mp4"
    with H264Writer(video, width_px, height_px, fps) as writer:
        for seconds, image in ((15, positive), (3, empty), (15, positive), (10, negative)):
            for _ in range(seconds * fps):
                dx, dy = rng.integers(-4, 5, size=2)
                shifted = np.roll(image, (int(dy), int(dx)), axis=(0, 1))
                noise = rng.normal(0, 4, size=shifted.shape)
                writer.write(np.clip(shifted + noise, 0, 255).astype(np.uint8))
    result = analyze_video(video, tmp_path / "out", workers=2)
    assert result.frames == 43 * fps
    assert result.summary["good_form_s"] == pytest.approx(30.0, abs=1.0)
    assert result.summary["in_position"] == pytest.approx(30.0, abs=1.0)
    assert result.duration_s == pytest.approx(43.0, abs=0.01)
    for key in ("annotated", "json", "report"):
        assert Path(result.outputs[key]).stat().st_size > 0
    report = Path(result.outputs["report"]).read_text()
    assert "<svg" in report and 'src="http' not in report


def test_annotated_video_is_browser_playable_h264(media_dir: Path, tmp_path: Path) -> None:
    import subprocess

    import imageio_ffmpeg

    result = analyze_video(media_dir / "video" / "rnhrn_lunges.mp4", tmp_path, workers=2)
    assert result.summary["in_position"] == 0
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", result.outputs["annotated"]],
        capture_output=True,
        text=True,
    )
    assert "h264" in probe.stderr and "yuv420p" in probe.stderr


def test_photo_analysis_writes_png_json_html(media_dir: Path, tmp_path: Path) -> None:
    result = analyze_image(media_dir / "images" / POSITIVE, tmp_path)
    assert result.summary["in_position"] is True
    assert result.summary["hip_extension_deg"] > 10
    assert Path(result.outputs["annotated"]).suffix == ".png"
    assert "data:image/jpeg;base64" in Path(result.outputs["report"]).read_text()


@pytest.mark.parametrize("size", [(3840, 2160), (320, 180)])
def test_extreme_but_usable_resolutions(
    media_dir: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    import cv2

    image = _canvas(cv2.imread(str(media_dir / "images" / POSITIVE)), *size)
    path = tmp_path / f"big_{size[0]}.png"
    cv2.imwrite(str(path), image)
    result = analyze_path(path, tmp_path / "out")
    assert result.summary["person_found"]
    assert result.summary["in_position"] is True


def test_tiny_image_is_rejected(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "tiny.png"
    cv2.imwrite(str(path), np.zeros((16, 16, 3), np.uint8))
    with pytest.raises(MediaError, match="too small"):
        analyze_path(path, tmp_path / "out")


def test_no_person_in_photo(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "wall.png"
    cv2.imwrite(str(path), np.full((360, 640, 3), 200, np.uint8))
    with pytest.raises(MediaError, match="no person"):
        analyze_path(path, tmp_path / "out")


def test_not_an_image_nor_a_video(tmp_path: Path) -> None:
    for name in ("notes.txt", "fake.jpg", "fake.mp4"):
        path = tmp_path / name
        path.write_text("this is not media")
        with pytest.raises(MediaError, match="not"):
            analyze_path(path, tmp_path / "out")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        analyze_path(tmp_path / "missing.mp4", tmp_path / "out")
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    with pytest.raises(MediaError, match="directory"):
        analyze_path(folder, tmp_path / "out")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        analyze_path(empty, tmp_path / "out")


def test_truncated_video(media_dir: Path, tmp_path: Path) -> None:
    data = (media_dir / "video" / "rnhrn_lunges.mp4").read_bytes()
    path = tmp_path / "truncated.mp4"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaError):
        analyze_path(path, tmp_path / "out")


def test_zero_frame_video(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "zero.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 64))
    writer.release()
    with pytest.raises(MediaError):
        analyze_path(path, tmp_path / "out")


def test_missing_camera_is_a_clear_error() -> None:
    with pytest.raises(CameraError, match="camera 97"):
        next(iter(CameraSource(97)))


def test_two_people_one_is_tracked_and_the_report_says_so(media_dir: Path, tmp_path: Path) -> None:
    import cv2

    person = _canvas(cv2.imread(str(media_dir / "images" / POSITIVE)), 640, 360)
    other = _canvas(cv2.imread(str(media_dir / "images" / NEGATIVE)), 480, 360)
    path = tmp_path / "two.png"
    cv2.imwrite(str(path), np.hstack([person, other]))
    result = analyze_path(path, tmp_path / "out")
    assert result.summary["person_found"]
    assert "one person" in str(result.summary["people_tracked"])
