"""Poses of a whole video on both cores: MediaPipe graphs on threads, chunk by chunk.

Threads, not processes: MediaPipe releases the GIL while it runs, and threads share one
interpreter, one mediapipe import and the results without pickling (a spawned process cost
about 1.4 CPU s to start: interpreter, imports, graph). The poses stream out in time order as
they come, so the caller tracks, draws and encodes the current chunk while the threads work
on the next ones. Each chunk starts a fresh track, so the result does not depend on the
number of threads; see docs/vision.md ("Performance") for what a seam changes.
"""

from __future__ import annotations

import itertools
import math
import os
import queue
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hipflex.vision.mediapipe_source import (
    PoseEstimator,
    iter_video_grabs,
    native_logs_muted,
)
from hipflex.vision.pose import ImageArray, Pose

# Frames per chunk at most. Each chunk starts a fresh track (about 60 ms to restart a graph,
# a detection on its first frame, and the figures right after a seam may differ slightly
# from one continuous pass); at the end the caller handles the last chunk alone, so shorter
# chunks shorten that tail. 150 frames (5 s at 30 fps) keeps the seams as few as before.
CHUNK_FRAMES = 150
# Decoded frames handed to the caller (at its output size) are held up to this many bytes;
# beyond it the caller decodes the frame again itself (see ``EstimatedFrame.image``).
HANDOVER_BYTES = 128 * 2**20


@dataclass(frozen=True)
class EstimatedFrame:
    """One frame's pose, and the frame itself at the asked size when it was kept for the
    caller (``None``: the caller decodes it again). ``estimated`` is false for the frames
    between two pose readings (see ``pose_stride``): their ``pose`` is ``None`` because
    the model did not look, not because nobody was there, and they come without an image."""

    pose: Pose | None
    image: ImageArray | None = None
    estimated: bool = True


class _ChunkFailed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_CHUNK_END = object()


def default_workers() -> int:
    """One pose thread per core, at most two (the chunks come in pairs)."""
    return max(1, min(2, os.cpu_count() or 1))


def chunk_spans(frame_count: int, chunk_frames: int) -> list[tuple[int, int]]:
    """Consecutive spans of at most ``chunk_frames``, of equal length and an even number of
    them, so neither of two threads is left alone with a long chunk at the end. They do not
    depend on the number of threads, so neither do the poses."""
    count = 2 * math.ceil(frame_count / (2 * chunk_frames))
    bounds = [round(frame_count * i / count) for i in range(count + 1)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def iter_video_poses(
    path: Path,
    fps: float,
    frame_count: int,
    *,
    workers: int | None = None,
    chunk_frames: int | None = None,
) -> Iterator[Pose | None]:
    """Poses of frames ``0 .. frame_count - 1`` in time order (``None``: nobody found).

    ``workers`` threads (default: :func:`default_workers`) each run a graph of their own on
    chunks of at most ``chunk_frames`` frames (default ``CHUNK_FRAMES``). With one worker and
    no ``chunk_frames`` the video is tracked in a single pass (no seams). Stops at the first
    chunk that ends early (a file cut short)."""
    for frame in iter_estimated_frames(
        path, fps, frame_count, workers=workers, chunk_frames=chunk_frames
    ):
        yield frame.pose


def iter_estimated_frames(
    path: Path,
    fps: float,
    frame_count: int,
    *,
    workers: int | None = None,
    chunk_frames: int | None = None,
    handover_size: tuple[int, int] | None = None,
    pose_stride: int = 1,
) -> Generator[EstimatedFrame, None, None]:
    """:func:`iter_video_poses`, with the frames read resized to ``handover_size`` (width,
    height) handed over too, while they fit in ``HANDOVER_BYTES``: the caller then need not
    decode and convert them again.

    The model reads the pose of every ``pose_stride``-th frame only (frame indexes divisible
    by it, the same whatever the chunks); the frames between come with ``estimated=False``
    and no image: they are only decoded (``grab``), never converted to pixels."""
    workers = workers or default_workers()
    stride = max(1, pose_stride)
    with native_logs_muted():  # graphs start and restart on threads: they log at any time
        if workers == 1 and chunk_frames is None:
            with PoseEstimator(static_images=False) as estimator:
                for index, retrieve in enumerate(iter_video_grabs(path, frame_count)):
                    if index % stride:
                        yield EstimatedFrame(None, None, estimated=False)
                        continue
                    if (image := retrieve()) is None:
                        return  # a frame that cannot be converted ends the video (cut short)
                    pose = estimator.estimate(image, index / fps)
                    yield EstimatedFrame(pose, _resized(image, handover_size))
        else:
            spans = chunk_spans(frame_count, chunk_frames or CHUNK_FRAMES)
            yield from _iter_chunked(path, fps, spans, workers, handover_size, stride)


def _resized(image: ImageArray, size: tuple[int, int] | None) -> ImageArray | None:
    if size is None:
        return None
    if (image.shape[1], image.shape[0]) == size:
        return image
    from hipflex.vision.video_io import resize_to

    return resize_to(image, size)


def _iter_chunked(
    path: Path,
    fps: float,
    spans: list[tuple[int, int]],
    workers: int,
    handover_size: tuple[int, int] | None,
    stride: int,
) -> Iterator[EstimatedFrame]:
    outputs: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in spans]
    stopping = threading.Event()
    per_thread = threading.local()
    estimators: list[PoseEstimator] = []
    frame_bytes = 3 * handover_size[0] * handover_size[1] if handover_size else 1
    # Frames kept for the caller and not yet taken: the chunk being consumed flows straight
    # through; a chunk running ahead keeps its first frames, up to the budget.
    budget = threading.BoundedSemaphore(max(1, HANDOVER_BYTES // frame_bytes))

    def estimate_chunk(index: int) -> None:
        output = outputs[index]
        try:
            estimator: PoseEstimator | None = getattr(per_thread, "estimator", None)
            if estimator is None:
                estimator = PoseEstimator(static_images=False)
                per_thread.estimator = estimator
                estimators.append(estimator)  # list.append is atomic
            else:
                estimator.restart()  # a chunk never inherits another chunk's track
            start, stop = spans[index]
            for frame_index, retrieve in enumerate(
                iter_video_grabs(path, stop, start_frame=start), start
            ):
                if stopping.is_set():
                    break
                if frame_index % stride:  # not read: decoded only, never converted
                    output.put(EstimatedFrame(None, None, estimated=False))
                    continue
                handing = handover_size is not None and budget.acquire(blocking=False)
                if (image := retrieve()) is None:
                    if handing:
                        budget.release()
                    break  # a frame that cannot be converted ends the chunk (cut short)
                pose = estimator.estimate(image, frame_index / fps)
                kept = _resized(image, handover_size) if handing else None
                output.put(EstimatedFrame(pose, kept))
            output.put(_CHUNK_END)
        except BaseException as exc:  # handed to the consuming thread, raised there
            output.put(_ChunkFailed(exc))

    pool = ThreadPoolExecutor(max_workers=min(workers, len(spans)), thread_name_prefix="pose")
    try:
        for index in range(len(spans)):
            pool.submit(estimate_chunk, index)
        for (start, stop), output in zip(spans, outputs, strict=True):
            count = 0
            while (item := output.get()) is not _CHUNK_END:
                if isinstance(item, _ChunkFailed):
                    raise item.error
                if item.image is not None:
                    budget.release()  # the caller holds this one now
                count += 1
                yield item
            if count < stop - start:
                return
    finally:
        stopping.set()
        pool.shutdown(wait=True, cancel_futures=True)
        for estimator in estimators:
            estimator.close()


def estimate_video_poses(
    path: Path,
    fps: float,
    frame_count: int,
    *,
    workers: int | None = None,
    chunk_frames: int | None = None,
) -> list[Pose | None]:
    """Poses of every frame of a video (see :func:`iter_video_poses`)."""
    return list(
        iter_video_poses(path, fps, frame_count, workers=workers, chunk_frames=chunk_frames)
    )
