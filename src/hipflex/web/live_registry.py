"""Which live session is running. One at a time: a second tab must take over explicitly.

One person does one stretch at a time; two tabs each counting the same stretch would double
the history. A second tab is told a session is running and may take it over, which ends the
first one as partial (its completed holds are already saved).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LiveHandle:
    """A running session as the registry sees it: an id and how to stop it from outside."""

    connection_id: str
    stop: Callable[[str], None]  # called with the reason ("taken_over", "shutdown")
    # Set once the connection has told its page and closed (the server waits for it).
    closed: threading.Event = field(default_factory=threading.Event)


class LiveRegistry:
    """Thread-safe: the server's shutdown hook may run outside the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: LiveHandle | None = None
        self.closed = False

    @property
    def active(self) -> LiveHandle | None:
        with self._lock:
            return self._active

    def claim(self, handle: LiveHandle, *, take_over: bool) -> bool:
        """Make ``handle`` the running session. False when another runs and no take-over."""
        with self._lock:
            if self.closed:
                return False
            previous = self._active
            other = previous is not None and previous.connection_id != handle.connection_id
            if other and not take_over:
                return False
            self._active = handle
        if previous is not None and previous.connection_id != handle.connection_id:
            previous.stop("taken_over")
        return True

    def release(self, connection_id: str) -> None:
        with self._lock:
            if self._active is not None and self._active.connection_id == connection_id:
                self._active = None

    def stop_all(self, reason: str = "shutdown") -> LiveHandle | None:
        """Stop the running session (saved as partial) and refuse new ones; returns it."""
        with self._lock:
            self.closed = True
            active, self._active = self._active, None
        if active is not None:
            active.stop(reason)
        return active
