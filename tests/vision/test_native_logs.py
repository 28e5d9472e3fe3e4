"""MediaPipe's native log lines stay off the terminal; Python's own stderr does not."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from hipflex.vision.mediapipe_source import native_logs_muted


def test_native_writes_are_muted_and_python_stderr_still_shows(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with native_logs_muted():
        os.write(2, b"W0000 native note\n")  # what the C++ side does
        print("progress 10/20 frames", file=sys.stderr, flush=True)
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "W0000" not in err
    assert "progress 10/20 frames" in err
    assert "after" in err  # the terminal is back


def test_muting_from_several_threads_gives_the_terminal_back_whatever_the_order(
    capfd: pytest.CaptureFixture[str],
) -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with native_logs_muted():
            first_in.set()
            second_in.wait(5)
        first_out.set()  # leaves while the second is still inside

    def second() -> None:
        first_in.wait(5)
        with native_logs_muted():
            second_in.set()
            first_out.wait(5)
            os.write(2, b"W0000 still muted\n")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    os.write(2, b"terminal back\n")
    print("python stderr back", file=sys.stderr, flush=True)  # not a closed copy
    err = capfd.readouterr().err
    assert "W0000" not in err
    assert "terminal back" in err and "python stderr back" in err
