"""Single key presses from a terminal, without waiting for Enter."""

from __future__ import annotations

import os
import select
import sys
import time
from types import TracebackType
from typing import Any


class KeyReader:
    """Reads keys from stdin in cbreak mode; does nothing when stdin is not a terminal."""

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled and sys.stdin.isatty()
        self._saved: list[Any] | None = None

    def __enter__(self) -> KeyReader:
        if self._enabled:
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    def poll(self, timeout_s: float) -> str | None:
        """A key pressed within ``timeout_s`` seconds, or None (waits ``timeout_s`` either way
        when there is no key, so it also paces a loop)."""
        if not self._enabled:
            if timeout_s > 0:
                time.sleep(timeout_s)
            return None
        ready, _, _ = select.select([sys.stdin], [], [], timeout_s)
        if not ready:
            return None
        data = os.read(sys.stdin.fileno(), 1)
        return data.decode(errors="ignore") or None
