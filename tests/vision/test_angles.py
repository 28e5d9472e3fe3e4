"""Geometry tables: exact angles on hand-made vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hipflex.vision.angles import (
    angle_between_deg,
    forward_inclination_deg,
    inclination_from_vertical_deg,
    joint_angle_deg,
    signed_angle_deg,
    signed_angle_towards_deg,
)


def v(x: float, y: float) -> np.ndarray:
    return np.array([x, y], dtype=np.float64)


def unit(deg_from_up: float, forward_x: float = 1.0) -> np.ndarray:
    """A unit vector leaning ``deg_from_up`` towards ``forward_x`` (image coords, y down)."""
    rad = math.radians(deg_from_up)
    return v(math.sin(rad) * forward_x, -math.cos(rad))


@pytest.mark.parametrize(
    ("a", "b", "expected_deg"),
    [
        (v(1, 0), v(1, 0), 0.0),
        (v(1, 0), v(0, 1), 90.0),
        (v(1, 0), v(-1, 0), 180.0),
        (v(1, 0), v(1, 1), 45.0),
        (v(1, 0), v(1, math.sqrt(3)), 60.0),
        (v(2, 0), v(-1, math.sqrt(3)), 120.0),
        (v(0, -5), v(3, -3), 45.0),
        (v(1, 1), v(-1, -1), 180.0),
        (v(3, 4), v(4, -3), 90.0),
    ],
)
def test_angle_between(a: np.ndarray, b: np.ndarray, expected_deg: float) -> None:
    assert angle_between_deg(a, b) == pytest.approx(expected_deg, abs=1e-9)


def test_angle_with_zero_vector_is_nan() -> None:
    assert math.isnan(angle_between_deg(v(0, 0), v(1, 0)))
    assert math.isnan(signed_angle_towards_deg(v(0, 1), v(0, 0), 1.0))


@pytest.mark.parametrize(
    ("a", "b", "expected_deg"),
    [
        (v(1, 0), v(0, -1), 90.0),  # right -> up: counter-clockwise on screen
        (v(1, 0), v(0, 1), -90.0),
        (v(0, -1), v(-1, 0), 90.0),
        (v(1, 0), v(1, -1), 45.0),
        (v(1, 0), v(-1, 0), 180.0),
    ],
)
def test_signed_angle(a: np.ndarray, b: np.ndarray, expected_deg: float) -> None:
    assert signed_angle_deg(a, b) == pytest.approx(expected_deg, abs=1e-9)


@pytest.mark.parametrize("expected_deg", [10.0, 30.0, 45.0, 60.0, 90.0, 120.0, 150.0, 179.0])
@pytest.mark.parametrize("rotation_deg", [0.0, 37.0, 90.0, 200.0, -75.0])
def test_joint_angle_any_orientation(expected_deg: float, rotation_deg: float) -> None:
    joint = v(100, 200)
    first = unit(rotation_deg)
    second = unit(rotation_deg + expected_deg)
    assert joint_angle_deg(joint + 50 * first, joint, joint + 80 * second) == pytest.approx(
        expected_deg, abs=1e-9
    )


@pytest.mark.parametrize("lean_deg", [-60.0, -15.0, -10.0, -3.0, 0.0, 5.0, 15.0, 44.0, 89.0])
@pytest.mark.parametrize("forward_x", [1.0, -1.0])
def test_forward_inclination(lean_deg: float, forward_x: float) -> None:
    lower = v(320, 400)
    upper = lower + 150 * unit(lean_deg, forward_x)
    assert forward_inclination_deg(lower, upper, forward_x) == pytest.approx(lean_deg, abs=1e-9)
    assert inclination_from_vertical_deg(lower, upper) == pytest.approx(abs(lean_deg), abs=1e-9)


@pytest.mark.parametrize("extension_deg", [-30.0, -5.0, 0.0, 5.0, 10.0, 25.0, 60.0])
@pytest.mark.parametrize("trunk_deg", [-20.0, 0.0, 15.0])
@pytest.mark.parametrize("forward_x", [1.0, -1.0])
def test_signed_angle_towards_back(
    extension_deg: float, trunk_deg: float, forward_x: float
) -> None:
    trunk_down = -unit(trunk_deg, forward_x)  # from the shoulders down through the hips
    thigh = -unit(trunk_deg + extension_deg, forward_x)
    assert signed_angle_towards_deg(trunk_down, 90 * thigh, -forward_x) == pytest.approx(
        extension_deg, abs=1e-9
    )
