"""``hipflex analyze`` through Typer's in-process runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from tests.vision.video_files import video_stats
from typer.testing import CliRunner

from hipflex.cli import analyze_cmd

MEDIA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "media"
POSITIVE = "pos_steve_hip_flexor_stretch.jpg"
NEGATIVE = "neg_fedb_split_squats_0.jpg"
REQUIRED_SUMMARY = {
    "person_found",
    "in_position",
    "good_form_s",
    "kneeling_side",
    "faults",
}


def _app() -> typer.Typer:
    app = typer.Typer()
    analyze_cmd.register(app)

    @app.callback()
    def _root() -> None:  # keeps "analyze" a named sub-command
        pass

    return app


def _run(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(_app(), ["analyze", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stderr if hasattr(result, "stderr") else ""


@pytest.fixture
def media() -> Path:
    if not (MEDIA_DIR / "images" / POSITIVE).is_file():
        pytest.skip(f"shared media not found at {MEDIA_DIR.resolve()}")
    return MEDIA_DIR


@pytest.mark.media
def test_json_fields_for_photos_and_a_bad_file_does_not_stop_the_rest(
    media: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_text("not an image")
    code, objects, _ = _run(
        str(media / "images" / POSITIVE),
        str(bad),
        str(media / "images" / NEGATIVE),
        "--out",
        str(tmp_path / "out"),
        "--json",
    )
    assert code == 1
    assert [Path(str(o["source"])).name for o in objects] == [POSITIVE, "broken.jpg", NEGATIVE]
    good, error, negative = objects
    assert "error" in error
    for item in (good, negative):
        assert item["kind"] == "image"
        assert item["frames"] == 1
        assert {"duration_s", "processing_fps", "summary"} <= set(item)
        summary = item["summary"]
        assert isinstance(summary, dict)
        assert REQUIRED_SUMMARY | {"hip_extension_deg"} <= set(summary)
    assert good["summary"]["in_position"] is True  # type: ignore[index]
    assert negative["summary"]["in_position"] is False  # type: ignore[index]
    assert (tmp_path / "out" / f"{Path(POSITIVE).stem}.annotated.png").is_file()
    assert (tmp_path / "out" / f"{Path(POSITIVE).stem}.report.html").is_file()


@pytest.mark.media
def test_directory_is_analysed_file_by_file_and_video_fields(media: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(media / "video" / "ucf101_v_Lunges_g18_c05.mp4", folder / "clip.mp4")
    (folder / "readme.txt").write_text("ignored: not a media suffix")
    code, objects, _ = _run(str(folder), "--out", str(tmp_path / "out"), "--json")
    assert code == 0
    assert len(objects) == 1
    video = objects[0]
    assert video["kind"] == "video"
    assert 250 <= video["frames"] <= 256  # UCF101 clip: 10.2 s at 25 fps
    summary = video["summary"]
    assert isinstance(summary, dict)
    assert REQUIRED_SUMMARY | {"max_hip_extension_deg"} <= set(summary)
    assert isinstance(summary["in_position"], float)
    assert summary["kneeling_side"] in ("left", "right", "unknown")
    assert (tmp_path / "out" / "clip.annotated.mp4").stat().st_size > 0
    # 25 fps: the pose is read on every 2nd frame (12.5 a second) by default.
    assert summary["pose_rate_hz"] == 12.5
    assert summary["pose_readings"] == (video["frames"] + 1) // 2
    # The annotated video holds the frames read, at 12.5 frames a second, as long as the clip.
    stats = video_stats(tmp_path / "out" / "clip.annotated.mp4")
    assert stats.frames == summary["annotated_frames"] == summary["pose_readings"]
    assert stats.fps == pytest.approx(12.5, abs=0.01) and summary["annotated_fps"] == 12.5
    assert stats.duration_s == pytest.approx(video["duration_s"], abs=1 / 12.5)


@pytest.mark.media
def test_every_frame_reads_the_pose_on_every_frame(media: Path, tmp_path: Path) -> None:
    from hipflex.vision.mediapipe_source import iter_video_images, probe_video
    from hipflex.vision.video_io import H264Writer

    source = media / "video" / "vid_techbusa_1.mp4"  # 30 fps
    info = probe_video(source)
    clip = tmp_path / "clip.mp4"
    frames = 96  # above the progress bar's threshold: that path is taken too
    with H264Writer(clip, info.width_px, info.height_px, info.fps) as writer:
        for _, _, image in iter_video_images(source, info.fps, 0, frames):
            writer.write(image)
    results, annotated = {}, {}
    for flags in ((), ("--every-frame",)):
        out = tmp_path / ("full" if flags else "sampled")
        code, objects, _ = _run(str(clip), "--out", str(out), "--json", *flags)
        assert code == 0
        results[flags] = objects[0]
        annotated[flags] = video_stats(out / "clip.annotated.mp4")
    sampled, full = results[()], results[("--every-frame",)]
    assert sampled["frames"] == full["frames"] == frames  # every frame is decoded either way
    # The annotated video: the frames read, at the rate read, as long as the clip.
    assert annotated[()].frames == frames // 2
    assert annotated[()].fps == pytest.approx(info.fps / 2, abs=0.01)
    assert annotated[("--every-frame",)].frames == frames
    assert annotated[("--every-frame",)].fps == pytest.approx(info.fps, abs=0.01)
    for stats in annotated.values():
        assert stats.duration_s == pytest.approx(frames / info.fps, abs=1 / stats.fps)
    assert isinstance(full["summary"], dict) and isinstance(sampled["summary"], dict)
    assert full["summary"]["pose_readings"] == frames
    assert full["summary"]["pose_rate_hz"] == pytest.approx(info.fps, abs=0.01)
    assert sampled["summary"]["pose_readings"] == frames // 2
    assert sampled["summary"]["pose_rate_hz"] == pytest.approx(info.fps / 2, abs=0.01)


def test_all_inputs_bad_exits_2_with_clear_messages(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_text("nope")
    result = CliRunner().invoke(
        _app(), ["analyze", str(tmp_path / "a.mp4"), str(tmp_path / "missing.png")]
    )
    assert result.exit_code == 2
    assert "not a video" in result.output
    assert "no such file" in result.output
    assert "Traceback" not in result.output


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["analyze", str(tmp_path)])
    assert result.exit_code == 2
    assert "no photos or videos" in result.output


def test_real_command_keeps_mediapipe_start_up_noise_off_the_terminal(
    media: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    photo = media / "images" / "pos_steve_hip_flexor_stretch.jpg"
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "analyze", str(photo), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "in position: good form" in result.stdout
    assert "XNNPACK" not in result.stderr and "W0000" not in result.stderr


def test_an_image_declaring_32000_px_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    import struct

    import cv2
    import numpy as np

    _, encoded = cv2.imencode(".jpg", np.zeros((16, 16, 3), np.uint8))
    data = bytearray(encoded.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 32000, 32000)
    (tmp_path / "bomb.jpg").write_bytes(bytes(data))
    result = CliRunner().invoke(_app(), ["analyze", str(tmp_path / "bomb.jpg")])
    assert result.exit_code == 2
    assert "megapixels" in result.output and "limit" in result.output
    assert "Traceback" not in result.output


@pytest.mark.media
def test_a_video_analysis_keeps_native_noise_off_the_terminal(media: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    clip = media / "video" / "vid_techbusa_1.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} not in the shared media")
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "analyze", str(clip), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for noise in ("W0000", "I0000", "inference_feedback_manager", "XNNPACK", "WARN:0", "[ERROR"):
        assert noise not in result.stderr, result.stderr
