"""The clinic worker's log lines are not lost while video analysis mutes MediaPipe's output."""

from __future__ import annotations

import logging
import os

from hipflex.cli.clinic_worker import worker_log_stream
from hipflex.vision.mediapipe_source import native_logs_muted


def test_worker_log_lines_survive_the_native_log_muting() -> None:
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    handler = None
    try:
        os.dup2(write_end, 2)  # descriptor 2 is "the terminal" for this test
        handler = worker_log_stream()
        logger = logging.getLogger("hipflex.test.worker")
        logger.addHandler(handler)
        logger.propagate = False
        with native_logs_muted():
            os.write(2, b"native line\n")  # what MediaPipe writes: muted
            logger.warning("job 7 failed: no person found")
        logger.removeHandler(handler)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write_end)
        if handler is not None:
            handler.close()
    output = os.read(read_end, 65536).decode()
    os.close(read_end)
    assert "job 7 failed: no person found" in output
    assert "worker" in output  # the worker's format, with its process id
    assert "native line" not in output
