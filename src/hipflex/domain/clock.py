"""Clocks. The session engine never reads time itself; it is handed a ``Clock``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of time: ``monotonic()`` for durations (seconds), ``now()`` for records."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Runs ``factor`` times faster than ``base`` (for demos and tests: ``--speed``)."""

    def __init__(self, factor: float, base: Clock) -> None:
        if factor <= 0:
            raise ValueError("speed factor must be positive")
        self._base = base
        self._factor = factor
        self._start_mono = self._base.monotonic()
        self._start_wall = self._base.now()

    def monotonic(self) -> float:
        return self._start_mono + (self._base.monotonic() - self._start_mono) * self._factor

    def now(self) -> datetime:
        elapsed_s = self.monotonic() - self._start_mono
        return self._start_wall + timedelta(seconds=elapsed_s)


class FakeClock:
    """A clock that only moves when told to: whole sessions run in milliseconds in tests."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self._elapsed_s = 0.0

    def monotonic(self) -> float:
        return self._elapsed_s

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed_s)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (must not be negative)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._elapsed_s += seconds

    def set(self, elapsed_s: float) -> None:
        """Set the elapsed time since start, e.g. from a video frame's timestamp."""
        if elapsed_s < self._elapsed_s:
            raise ValueError("a clock cannot go backwards")
        self._elapsed_s = elapsed_s
