"""One Euro filter: less jitter at rest, follows movement, time-driven."""

from __future__ import annotations

import numpy as np
import pytest

from hipflex.vision.smoothing import OneEuroFilter, PoseSmoother
from hipflex.vision.synthetic import kneeling_pose


def test_first_value_passes_through() -> None:
    f = OneEuroFilter()
    assert f(np.array([3.0, 4.0]), 0.0).tolist() == [3.0, 4.0]


def test_reduces_jitter_at_rest() -> None:
    rng = np.random.default_rng(1)
    f = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0)
    noisy = 0.5 + rng.normal(0.0, 0.01, size=300)
    out = np.array([f(np.array([x]), i / 30)[0] for i, x in enumerate(noisy)])
    assert np.std(out[30:]) < 0.5 * np.std(noisy[30:])


def test_follows_a_step_within_a_fraction_of_a_second() -> None:
    f = OneEuroFilter()
    values = [f(np.array([0.0 if i < 30 else 1.0]), i / 30)[0] for i in range(60)]
    assert values[-1] == pytest.approx(1.0, abs=0.02)


def test_same_timestamp_returns_previous_value() -> None:
    f = OneEuroFilter()
    f(np.array([1.0]), 1.0)
    assert f(np.array([5.0]), 1.0)[0] == 1.0


def test_pose_smoother_resets_after_a_gap() -> None:
    smoother = PoseSmoother(reset_after_s=1.0)
    a = kneeling_pose(timestamp_s=0.0)
    b = kneeling_pose(timestamp_s=5.0, hip_extension_deg=40.0)
    smoother(a)
    out = smoother(b)
    assert np.allclose(out.image_xy_px, b.image_xy_px)
