"""Small statistics without scipy: Student's t quantiles, a t interval, a seeded bootstrap."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20260105  # fixed: the same history always gives the same interval

# Two-sided 95 % quantiles of Student's t (t_0.975) by degrees of freedom.
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064,
    25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 50: 2.009,
    60: 2.000, 80: 1.990, 100: 1.984, 120: 1.980,
}  # fmt: skip
_Z975 = 1.960


@dataclass(frozen=True)
class Interval:
    """A point estimate with a 95 % interval."""

    estimate: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def t_quantile_975(df: int) -> float:
    """t_0.975 for ``df`` degrees of freedom; between table rows the smaller df (wider, safe)."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df in _T975:
        return _T975[df]
    if df > max(_T975):
        return _Z975
    return _T975[max(key for key in _T975 if key < df)]


def mean_interval(values: Sequence[float]) -> Interval | None:
    """Mean with a t interval; None for fewer than 2 values."""
    n = len(values)
    if n < 2:
        return None
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    half = t_quantile_975(n - 1) * float(data.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half)


def bootstrap_mean_difference(
    first: Sequence[float],
    second: Sequence[float],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval | None:
    """mean(first) - mean(second) with a percentile bootstrap interval (each group resampled
    with replacement). None when either group has fewer than 2 values."""
    if len(first) < 2 or len(second) < 2:
        return None
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    rng = np.random.default_rng(seed)
    means_a = rng.choice(a, size=(resamples, a.size), replace=True).mean(axis=1)
    means_b = rng.choice(b, size=(resamples, b.size), replace=True).mean(axis=1)
    differences = means_a - means_b
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return Interval(float(a.mean() - b.mean()), float(low), float(high))
