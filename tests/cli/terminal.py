"""``hipflex`` on a pseudo-terminal, driven like a person at the keyboard."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path


class Terminal:
    """A ``hipflex`` process on a pty; :attr:`screen` is everything it printed so far.

    Read while it runs: a full terminal buffer would block the program's output."""

    def __init__(self, args: list[str], data_dir: Path, env: Mapping[str, str] = {}) -> None:
        self._fd, child_fd = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hipflex", *args],
            env={"HIPFLEX_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "TERM": "xterm",
                 **env},
            stdin=child_fd, stdout=child_fd, stderr=child_fd, close_fds=True,
        )  # fmt: skip
        os.close(child_fd)
        self.screen = bytearray()

    def type(self, keys: str) -> None:
        os.write(self._fd, keys.encode())

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self._fd], [], [], 0.05)
            if ready:
                try:
                    self.screen.extend(os.read(self._fd, 65536))
                except OSError:
                    return

    def read_until(self, marker: bytes, seconds: float = 60, *, since: int = 0) -> None:
        """Read until ``marker`` shows after byte ``since`` of the screen (a loaded machine may
        take a while to start Python); fails, showing the screen's end, if it never does."""
        end = time.monotonic() + seconds
        while marker not in self.screen[since:]:
            if time.monotonic() >= end or self.proc.poll() is not None:
                self.read_for(0.1)  # what it printed last
                if marker in self.screen[since:]:
                    return
                raise AssertionError(
                    f"{marker!r} never showed; the screen ends:\n{self.text[-2000:]}"
                )
            self.read_for(0.1)

    def press(self, keys: str, until: bytes, seconds: float = 60) -> None:
        """Type ``keys``, then read until the program shows ``until`` in what it prints next:
        waiting for the answer, not for a fixed time, keeps this right on a loaded machine."""
        since = len(self.screen)
        self.type(keys)
        self.read_until(until, seconds, since=since)

    def close(self, timeout_s: float = 30) -> int:
        """Wait for the program to end (reading what it still prints); its exit code."""
        end = time.monotonic() + timeout_s
        while self.proc.poll() is None and time.monotonic() < end:
            self.read_for(0.1)
        code = self.proc.wait(timeout=1)
        os.close(self._fd)
        return code

    @property
    def text(self) -> str:
        return self.screen.decode(errors="replace")
