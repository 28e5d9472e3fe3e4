"""Every number the camera check decides with lives in the protocol's ``[form]`` table.

A new threshold written into a decision module as a literal or a module constant fails
here; move it to ``FormThresholds`` (and the built-in protocol's ``[form]`` table) instead.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from hipflex.domain.form_thresholds import FormThresholds

SRC = Path(__file__).resolve().parents[2] / "src" / "hipflex"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "vision.md"
DECISION_MODULES = [
    "vision/form.py",
    "vision/form_rules.py",
    "vision/position.py",
    "vision/tracker.py",
    "vision/hold_metrics.py",
]
# Numbers that are arithmetic, not limits: zero, one, halves for midpoints, rounding digits,
# float tolerances.
PLAIN_NUMBERS = {0, 1, -1, 2, 0.5, 1e-6, 1e-9}
# Named constants of how landmarks are read (not limits a person is held to), each explained
# where it is defined in vision/form.py.
MEASUREMENT_CONSTANTS = {
    "MAX_FLOOR_SLOPE",
    "CROSSED_LEGS_RATIO",
    "SIDE_DEPTH_GAP",
    "SIDE_CONFIDENCE_AGREE",
    "SIDE_CONFIDENCE_UNSURE",
    "SIDE_CONFIDENCE_DISAGREE",
}


def _numbers_outside_allowed_constants(tree: ast.Module) -> list[tuple[int, object]]:
    allowed_lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and all(
            isinstance(t, ast.Name) and t.id in MEASUREMENT_CONSTANTS for t in node.targets
        ):
            allowed_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
            and node.value not in PLAIN_NUMBERS
            and node.lineno not in allowed_lines
        ):
            found.append((node.lineno, node.value))
    return found


@pytest.mark.parametrize("module", DECISION_MODULES)
def test_decision_modules_hold_no_thresholds_of_their_own(module: str) -> None:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    assert _numbers_outside_allowed_constants(tree) == [], (
        f"{module}: numbers in code; put thresholds in FormThresholds and the [form] table"
    )


def test_the_check_itself_catches_a_new_threshold() -> None:
    code = "def f(m):\n    return m.back_knee_height < 0.12\n"
    assert _numbers_outside_allowed_constants(ast.parse(code)) == [(2, 0.12)]
    sneaky = "KNEE_LIMIT = 0.12\n"
    assert _numbers_outside_allowed_constants(ast.parse(sneaky)) == [(1, 0.12)]


def test_the_builtin_protocol_lists_every_threshold_with_its_value() -> None:
    path = SRC / "protocols" / "builtin" / "kneeling-hip-flexor.toml"
    table = tomllib.loads(path.read_text(encoding="utf-8"))["form"]
    defaults = FormThresholds().model_dump()
    assert set(table) == set(defaults)
    assert {k: float(v) for k, v in table.items()} == defaults


def test_every_threshold_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in FormThresholds.model_fields if f"`{name}`" not in text]
    assert missing == []
