"""Speech back ends. espeak-ng when installed, else a terminal bell; ``--quiet`` silences.

Speaking never blocks the session: espeak-ng runs as a child process, and a new cue cuts off
one still being spoken (a late cue is worse than a cut one).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Protocol, TextIO


class Speaker(Protocol):
    """Says a short cue."""

    name: str

    def say(self, text: str) -> None: ...

    def close(self) -> None: ...


class SilentSpeaker:
    name = "silent"

    def say(self, text: str) -> None:
        return None

    def close(self) -> None:
        return None


class BellSpeaker:
    """No speech engine: ring the terminal bell (the text is on screen already)."""

    name = "bell"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr

    def say(self, text: str) -> None:
        if self._stream.isatty():
            self._stream.write("\a")
            self._stream.flush()

    def close(self) -> None:
        return None


class EspeakSpeaker:
    """Speaks through the ``espeak-ng`` program."""

    name = "espeak-ng"

    def __init__(self, executable: str, words_per_minute: int = 155) -> None:
        self._executable = executable
        self._wpm = words_per_minute
        self._current: subprocess.Popen[bytes] | None = None

    def command(self, text: str) -> list[str]:
        return [self._executable, "-s", str(self._wpm), "--", text]

    def say(self, text: str) -> None:
        self.close()
        try:
            self._current = subprocess.Popen(
                self.command(text),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._current = None  # no audio is never worth stopping a session for

    def close(self) -> None:
        current, self._current = self._current, None
        if current is None:
            return
        if current.poll() is None:
            current.terminate()
        try:
            current.wait(timeout=1.0)  # reap it: no zombie per cut-off cue
        except subprocess.TimeoutExpired:
            current.kill()
            current.wait()


def make_speaker(quiet: bool = False) -> Speaker:
    """The best speaker this machine has."""
    if quiet:
        return SilentSpeaker()
    executable = shutil.which("espeak-ng") or shutil.which("espeak")
    if executable:
        return EspeakSpeaker(executable)
    return BellSpeaker()
