from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hipflex.domain.clock import FakeClock, ScaledClock


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    assert clock.monotonic() == 0
    clock.advance(2.5)
    assert clock.monotonic() == 2.5
    assert clock.now() == datetime(2026, 3, 1, 12, 0, 2, 500000, tzinfo=UTC)
    clock.set(10)
    assert clock.monotonic() == 10
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(5)


def test_scaled_clock_runs_faster_than_its_base() -> None:
    base = FakeClock()
    fast = ScaledClock(100, base)
    base.advance(1.5)
    assert fast.monotonic() - 0 == pytest.approx(150)
    assert (fast.now() - base.now()).total_seconds() == pytest.approx(148.5)
    with pytest.raises(ValueError):
        ScaledClock(0, base)
