"""The MediaPipe adapter: the only module that imports mediapipe.

Pose sources for a camera, a video file and image files, all yielding our own
:class:`~hipflex.vision.pose.Frame` / :class:`~hipflex.vision.pose.Pose`.

MediaPipe Pose (``model_complexity=1``, the model shipped in the 0.10.21 wheel) follows
**one** person: its detector picks the most confident person and, in tracking mode, keeps
following that person. With two people in view the form check is for whoever it locked
on to; ask others to step out of the frame. Images are scaled down to at most
``MAX_POSE_SIDE_PX`` before inference (the model works at 256 px anyway), and landmarks are
mapped back to the original pixel size, so 4K input is as fast as 720p.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hipflex.errors import CameraError, MediaError
from hipflex.vision.media_limits import (
    MAX_VIDEO_PIXELS,
    OversizedError,
    check_photo_header,
    check_pixels,
)
from hipflex.vision.person_search import PersonSearch, find_person
from hipflex.vision.pose import LANDMARK_COUNT, Frame, ImageArray, Pose

MAX_POSE_SIDE_PX = 1280
MIN_SIDE_PX = 32
_TOO_BIG_HINT = "scale it down (a person is seen as well at 1280 px) and try again"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg"})


def _quiet_native_logs() -> None:
    # MediaPipe / TFLite print INFO lines on stderr; keep the terminal for the coach.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # libav's own complaints about broken files; we report those ourselves.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")


def _quiet_opencv(cv2: Any) -> None:
    # OPENCV_LOG_LEVEL is read when OpenCV starts; set the level again in case it already had.
    with contextlib.suppress(AttributeError):
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


# MediaPipe's C++ side writes start-up notes (TFLite delegate, absl warnings) straight to file
# descriptor 2 during the first frames, whatever the log-level variables say. They mean nothing
# to a person, so stderr is muted while the graph starts; our own errors are raised, not printed.
_MUTED_FIRST_FRAMES = 3


# Pose estimators run on several threads of one process (``analyze``), and file descriptor 2
# belongs to the process: the muting is counted, so the first thread in saves the terminal and
# the last one out gives it back, whatever the order.
_mute_lock = threading.Lock()
_mute_depth = 0
_saved_stderr_fd: int | None = None


@contextlib.contextmanager
def _native_stderr_muted() -> Iterator[None]:
    global _mute_depth, _saved_stderr_fd
    with _mute_lock:
        if _mute_depth == 0:
            try:
                saved = os.dup(2)
            except OSError:
                saved = None
            if saved is not None:
                sys.stderr.flush()
                with open(os.devnull, "wb") as devnull:
                    os.dup2(devnull.fileno(), 2)
            _saved_stderr_fd = saved
        _mute_depth += 1
    try:
        yield
    finally:
        with _mute_lock:
            _mute_depth -= 1
            if _mute_depth == 0 and _saved_stderr_fd is not None:
                _flush_c_stdio()  # what the C side buffered goes to /dev/null, not later
                os.dup2(_saved_stderr_fd, 2)
                os.close(_saved_stderr_fd)
                _saved_stderr_fd = None


_kept_depth = 0
_kept_stream: Any = None
_stderr_before: Any = None


@contextlib.contextmanager
def native_logs_muted() -> Iterator[None]:
    """Keep MediaPipe's native log lines off the terminal while the body runs, however long.

    For video analysis, where graphs start, restart and run on worker threads: their threads
    write to file descriptor 2 whenever they like, also between frames. Python's own
    ``sys.stderr`` (a progress bar, warnings) is pointed at a copy of the terminal meanwhile,
    so it stays visible; a stream captured earlier (a logging handler) writes to the muted
    descriptor until the body ends. Counted like the muting: the first one in swaps
    ``sys.stderr``, the last one out swaps it back."""
    global _kept_depth, _kept_stream, _stderr_before
    with _native_stderr_muted():
        with _mute_lock:
            if _kept_depth == 0 and _saved_stderr_fd is not None:
                _stderr_before = sys.stderr
                _kept_stream = os.fdopen(
                    os.dup(_saved_stderr_fd),
                    "w",
                    buffering=1,
                    encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                    errors="backslashreplace",
                )
                sys.stderr = _kept_stream
            _kept_depth += 1
        try:
            yield
        finally:
            with _mute_lock:
                _kept_depth -= 1
                if _kept_depth == 0 and _kept_stream is not None:
                    _kept_stream.flush()
                    if sys.stderr is _kept_stream:
                        sys.stderr = _stderr_before
                    _kept_stream.close()
                    _kept_stream = _stderr_before = None


def _flush_c_stdio() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


class PoseEstimator:
    """Runs MediaPipe Pose on BGR images and returns our :class:`Pose`.

    ``static_images=True`` runs detection on every image (photos); ``False`` tracks the
    person from frame to frame (camera and video). Use as a context manager or call
    :meth:`close`.
    """

    def __init__(self, *, static_images: bool, min_detection_confidence: float = 0.5) -> None:
        _quiet_native_logs()
        with _native_stderr_muted():
            import mediapipe as mp  # heavy: imported only when a pose is really needed

            self._pose: Any = mp.solutions.pose.Pose(
                static_image_mode=static_images,
                model_complexity=1,
                smooth_landmarks=True,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=0.5,
            )
            # The graph starts on its own threads, which log as they load the models; one blank
            # frame waits for that while stderr is still muted.
            self._pose.process(np.zeros((64, 64, 3), dtype=np.uint8))
            if not static_images:
                self._pose.reset()
        self._frames_seen = 0

    def estimate(
        self, image_bgr: ImageArray, timestamp_s: float, *, side_px: int | None = None
    ) -> Pose | None:
        """The pose in ``image_bgr`` (pixels of that image), or ``None`` if nobody is found.

        By default the image is scaled down to at most ``MAX_POSE_SIDE_PX``; ``side_px``
        scales its longest side to exactly that many pixels (up or down) instead.
        """
        import cv2

        height_px, width_px = image_bgr.shape[:2]
        if side_px is None:
            scale = min(1.0, MAX_POSE_SIDE_PX / max(height_px, width_px))
        else:
            scale = side_px / max(height_px, width_px)
        small: Any = image_bgr
        if scale != 1.0:
            small = cv2.resize(
                image_bgr,
                (max(1, round(width_px * scale)), max(1, round(height_px * scale))),
                interpolation=cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR,
            )
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        # The landmark model starts only on the first frame with a person: mute until then too.
        if self._frames_seen < _MUTED_FIRST_FRAMES:
            with _native_stderr_muted():
                result = self._pose.process(rgb)
        else:
            result = self._pose.process(rgb)
        if result.pose_landmarks is not None or self._frames_seen > 0:
            self._frames_seen += 1
        if result.pose_landmarks is None:
            return None
        values = np.array(
            [(lm.x, lm.y, lm.z, lm.visibility) for lm in result.pose_landmarks.landmark],
            dtype=np.float64,
        )
        if values.shape[0] != LANDMARK_COUNT:
            return None
        world = None
        if result.pose_world_landmarks is not None:
            world = np.array(
                [(lm.x, lm.y, lm.z) for lm in result.pose_world_landmarks.landmark],
                dtype=np.float64,
            )
        xy_px = values[:, :2] * np.array([width_px, height_px], dtype=np.float64)
        return Pose(
            image_xy_px=xy_px,
            depth_z_px=values[:, 2] * width_px,
            visibility=np.clip(values[:, 3], 0.0, 1.0),
            world_xyz_m=world,
            timestamp_s=timestamp_s,
            image_width_px=int(width_px),
            image_height_px=int(height_px),
        )

    def restart(self) -> None:
        """Forget the person tracked so far (tracking mode): the next frame starts afresh, as
        in a new estimator, without building the graph again (about 60 ms instead of 150)."""
        with _native_stderr_muted():  # the graph's calculators log again as they reopen
            self._pose.reset()
        self._frames_seen = 0

    def find_person(self, image_bgr: ImageArray, timestamp_s: float) -> PersonSearch:
        """Search a photo at several scales and among several people (static mode only);
        see :mod:`hipflex.vision.person_search`."""

        def estimate(image: ImageArray, side_px: int | None) -> Pose | None:
            return self.estimate(image, timestamp_s, side_px=side_px)

        return find_person(image_bgr, estimate)

    def close(self) -> None:
        """Release the model."""
        self._pose.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_readable(path: Path) -> None:
    """Raise :class:`MediaError` unless ``path`` is an existing, readable, non-empty file."""
    if not path.exists():
        raise MediaError(f"{path}: no such file")
    if path.is_dir():
        raise MediaError(f"{path}: is a directory, not an image or video")
    try:
        with path.open("rb") as handle:
            first = handle.read(16)
    except OSError as exc:
        raise MediaError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not first:
        raise MediaError(f"{path}: the file is empty")


def _check_size(path: Path, width_px: int, height_px: int) -> None:
    if min(width_px, height_px) < MIN_SIDE_PX:
        raise MediaError(
            f"{path}: {width_px}x{height_px} is too small to see a person "
            f"(need at least {MIN_SIDE_PX} px on each side)"
        )


def read_image(path: Path) -> ImageArray:
    """Decode an image file to BGR pixels, or raise :class:`MediaError` with the reason.

    The size its header declares is checked first (:mod:`hipflex.vision.media_limits`), so
    an image that would need gigabytes is refused before anything is allocated."""
    import cv2

    check_readable(path)
    try:
        check_photo_header(path)
    except OversizedError as exc:
        raise MediaError(f"{path}: the image {exc}", hint=_TOO_BIG_HINT) from None
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise MediaError(f"{path}: not an image this program can decode")
    _check_size(path, int(image.shape[1]), int(image.shape[0]))
    return np.ascontiguousarray(image, dtype=np.uint8)


class ImageFilesSource:
    """Photos in static mode: one frame per file, timestamps 0, 1, 2 ... s; each photo is
    searched as :meth:`PoseEstimator.find_person` does (other scales, several people).

    A file that cannot be decoded raises :class:`MediaError` when it is reached.
    """

    def __init__(self, paths: Sequence[Path], *, keep_images: bool = True) -> None:
        self._paths = list(paths)
        self._keep_images = keep_images

    def __iter__(self) -> Iterator[Frame]:
        with PoseEstimator(static_images=True) as estimator:
            for index, path in enumerate(self._paths):
                image = read_image(path)
                pose = estimator.find_person(image, float(index)).pose
                yield Frame(float(index), pose, image if self._keep_images else None, index)


class VideoInfo:
    """What a video file says about itself (probed with OpenCV)."""

    def __init__(self, path: Path, fps: float, frame_count: int, width_px: int, height_px: int):
        self.path = path
        self.fps = fps
        self.frame_count = frame_count
        self.width_px = width_px
        self.height_px = height_px

    @property
    def duration_s(self) -> float:
        """Duration from the frame count and rate."""
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def _open_capture(path: Path) -> Any:
    _quiet_native_logs()
    import cv2

    _quiet_opencv(cv2)
    check_readable(path)
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise MediaError(f"{path}: not a video this program can decode")
    return capture


def probe_video(path: Path) -> VideoInfo:
    """Open ``path`` and read its rate, size and frame count; :class:`MediaError` if unusable.

    The frame size the container declares is checked against ``MAX_VIDEO_PIXELS`` before any
    frame is decoded; then the first frame is decoded, so a zero-frame or corrupt file is
    rejected here.
    """
    import cv2

    capture = _open_capture(path)
    try:
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        declared = (
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH) or 0),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0),
        )
        try:
            check_pixels(*declared, max_pixels=MAX_VIDEO_PIXELS)
        except OversizedError as exc:
            raise MediaError(f"{path}: the video {exc}", hint=_TOO_BIG_HINT) from None
        ok, first = capture.read()
    finally:
        capture.release()
    if not ok or first is None:
        raise MediaError(f"{path}: the video holds no readable frames (empty or truncated)")
    if not (0.5 <= fps <= 1000.0):
        fps = 30.0  # rate missing from the container: assume a common camera rate
    height_px, width_px = first.shape[:2]
    _check_size(path, int(width_px), int(height_px))
    return VideoInfo(path, fps, max(count, 1), int(width_px), int(height_px))


def iter_video_images(
    path: Path, fps: float, start_frame: int = 0, stop_frame: int | None = None
) -> Iterator[tuple[int, float, ImageArray]]:
    """Decoded frames ``(index, timestamp_s, bgr)`` of a video; time = index / fps.

    Stops quietly at the end of a truncated file (the frames before it are kept).
    """
    import cv2

    capture = _open_capture(path)
    try:
        if start_frame > 0:
            capture.set(cv2.CAP_PROP_POS_FRAMES, start_frame)
        index = start_frame
        while stop_frame is None or index < stop_frame:
            ok, image = capture.read()
            if not ok or image is None:
                break
            yield index, index / fps, image
            index += 1
    finally:
        capture.release()


def iter_video_grabs(
    path: Path, stop_frame: int | None = None, *, start_frame: int = 0
) -> Generator[Callable[[], ImageArray | None], None, None]:
    """The frames ``start_frame ..`` of a video, decoded but not yet converted to BGR pixels:
    each item is a function that converts its frame (``None`` if that fails), to call before
    taking the next item, or not at all. Decoding alone costs about 1.5 CPU ms for a 720p
    frame of a typical phone video (one decoder thread); the conversion about 0.8 ms more."""
    capture = _open_capture(path)
    try:
        index = start_frame
        if start_frame > 0:
            import cv2

            capture.set(cv2.CAP_PROP_POS_FRAMES, start_frame)
        while (stop_frame is None or index < stop_frame) and capture.grab():

            def retrieve() -> ImageArray | None:
                ok, image = capture.retrieve()
                return image if ok and image is not None else None

            yield retrieve
            index += 1
    finally:
        capture.release()


class VideoFrameReader:
    """Frames of a video by index, decoded only when asked for: a reader that is asked for a
    few frames here and there (those the pose threads did not hand over) decodes those and
    what lies just before them, not the whole video. Forward gaps of up to
    ``SEEK_AFTER_FRAMES`` are decoded through (about 1.5 CPU ms a 720p frame); longer ones,
    and any step back, seek (the decoder restarts at the key frame before). Close it after
    use."""

    SEEK_AFTER_FRAMES = 60

    def __init__(self, path: Path) -> None:
        self._path = path
        self._capture: Any = None
        self._next_index = 0  # the frame the next grab decodes

    def frame_at(self, index: int) -> ImageArray | None:
        """Frame ``index`` as BGR pixels (``None``: past the end or unreadable)."""
        import cv2

        if self._capture is None:
            self._capture = _open_capture(self._path)
        gap = index - self._next_index
        if gap < 0 or gap > self.SEEK_AFTER_FRAMES:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            self._next_index = index
        while self._next_index <= index:
            if not self._capture.grab():
                return None
            self._next_index += 1
        ok, image = self._capture.retrieve()
        return image if ok and image is not None else None

    def close(self) -> None:
        """Release the decoder."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class VideoFileSource:
    """A video file in tracking mode; timestamps come from frame index / fps."""

    def __init__(
        self,
        path: Path,
        *,
        keep_images: bool = True,
        start_frame: int = 0,
        stop_frame: int | None = None,
    ) -> None:
        self.info = probe_video(path)
        self._path = path
        self._keep_images = keep_images
        self._start_frame = start_frame
        self._stop_frame = stop_frame

    def __iter__(self) -> Iterator[Frame]:
        with PoseEstimator(static_images=False) as estimator:
            for index, timestamp_s, image in iter_video_images(
                self._path, self.info.fps, self._start_frame, self._stop_frame
            ):
                pose = estimator.estimate(image, timestamp_s)
                yield Frame(timestamp_s, pose, image if self._keep_images else None, index)


class CameraSource:
    """A live camera (OpenCV device index) in tracking mode.

    Timestamps are the capture times on the monotonic clock, relative to the first frame:
    the source, not the consumer, owns time. A missing or busy camera raises
    :class:`CameraError` when iteration starts.
    """

    def __init__(
        self,
        index: int = 0,
        *,
        width_px: int = 640,
        height_px: int = 480,
        keep_images: bool = True,
    ) -> None:
        self.index = index
        self._width_px = width_px
        self._height_px = height_px
        self._keep_images = keep_images
        self._stopped = False

    def stop(self) -> None:
        """Ask the iteration to end after the current frame."""
        self._stopped = True

    def _open(self) -> Any:
        _quiet_native_logs()
        import cv2

        _quiet_opencv(cv2)
        # OpenCV's V4L2 back end prints its own failure lines on stderr: we say it better.
        with _native_stderr_muted():
            capture = cv2.VideoCapture(self.index)
            opened = capture.isOpened()
        if not opened:
            capture.release()
            raise CameraError(
                f"camera {self.index} is not available (missing, or busy in another program)",
                hint="check the cable, close other apps using the camera, or pass another index",
            )
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._width_px)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._height_px)
        ok, _ = capture.read()
        if not ok:
            capture.release()
            raise CameraError(
                f"camera {self.index} opened but delivers no frames (busy or blocked?)",
                hint="close other apps using the camera and check camera permissions",
            )
        return capture

    def __iter__(self) -> Iterator[Frame]:
        capture = self._open()
        start = time.monotonic()
        index = 0
        try:
            with PoseEstimator(static_images=False) as estimator:
                while not self._stopped:
                    ok, image = capture.read()
                    timestamp_s = time.monotonic() - start
                    if not ok or image is None:
                        raise CameraError(f"camera {self.index} stopped delivering frames")
                    pose = estimator.estimate(image, timestamp_s)
                    yield Frame(timestamp_s, pose, image if self._keep_images else None, index)
                    index += 1
        finally:
            capture.release()
