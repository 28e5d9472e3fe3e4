"""Shipped protocols and the loader's error messages (FILE:LINE: field: problem)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.protocol import Position, Side, SideOrder
from hipflex.errors import ProtocolError
from hipflex.protocols.loader import discover, load_protocol, load_protocol_file, parse_protocol

ARTICLE_STEPS = [
    "Start with your right knee on the ground and your left foot a few feet out in front of "
    "you, with both knees bent.",
    "Slowly slide your hips and trunk forward until you feel a gentle stretch in your right hip "
    "flexor. Try not to let your back flex (arch) too much during the stretch.",
    "Hold the stretch for 30 seconds and repeat it 4 times on each side, daily.",
]

VALID = """\
name = "physio-3x45"
title = "Physio: 3 x 45 s"
steps = ["Kneel on your {side} knee."]
hold_s = 45
reps = 3
"""


def test_default_protocol_is_the_article_word_for_word() -> None:
    protocol = load_protocol("kneeling-hip-flexor")
    assert protocol.steps_for(Side.RIGHT) == ARTICLE_STEPS
    assert (protocol.hold_s, protocol.reps, protocol.frequency) == (30, 4, "daily")
    assert protocol.sides == (Side.RIGHT, Side.LEFT)
    assert protocol.order is SideOrder.BLOCKED
    assert protocol.weekly_dose_s() == 4 * 30 * 7
    assert "prone hip flexor stretch" in protocol.note
    left = protocol.steps_for(Side.LEFT)[0]
    assert left.startswith("Start with your left knee on the ground and your right foot")


@pytest.mark.parametrize("name", ["prone-hip-flexor", "standing-hip-flexor"])
def test_variations_say_when_to_choose_them(name: str) -> None:
    protocol = load_protocol(name)
    assert protocol.position in (Position.PRONE, Position.STANDING)
    assert "kneel" in protocol.when_to_choose.lower()
    assert len(protocol.steps) >= 2


def test_shipped_protocols_keep_form_thresholds_with_the_protocol() -> None:
    form = load_protocol("kneeling-hip-flexor").form
    assert form.hip_extension_good_deg == 10
    assert (form.front_knee_min_deg, form.front_knee_max_deg) == (30, 150)
    assert form.trunk_forward_max_deg == 15 and form.trunk_back_max_deg == 10
    # The file states the code defaults explicitly, so the two cannot drift apart unseen.
    assert form == FormThresholds()


def test_unknown_name_lists_known_protocols() -> None:
    with pytest.raises(ProtocolError) as err:
        load_protocol("pigeon-pose")
    assert "unknown protocol 'pigeon-pose'" in err.value.message
    assert "kneeling-hip-flexor, prone-hip-flexor, standing-hip-flexor" in err.value.message


def test_user_protocols_come_from_the_data_dir(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "physio.toml").write_text(VALID)
    protocol = load_protocol("physio-3x45", tmp_path)
    assert (protocol.hold_s, protocol.reps) == (45, 3)
    assert protocol.weekly_dose_s() == 45 * 3 * 7
    names = [e.name for e in discover(tmp_path)]
    assert names[-1] == "physio-3x45" and "kneeling-hip-flexor" in names


def test_a_broken_user_file_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "bad.toml").write_text('name = "bad"\nhold_s = "long"\n')
    entries = discover(tmp_path)
    bad = [e for e in entries if e.protocol is None]
    assert len(bad) == 1 and "bad.toml:2: hold_s:" in (bad[0].error or "")
    assert len([e for e in entries if e.protocol is not None]) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            VALID.replace("hold_s = 45", 'hold_s = "long"'),
            "p.toml:4: hold_s: must be a whole number, not text",
        ),
        (VALID.replace("hold_s = 45", "hold_s = 2"), "p.toml:4: hold_s: must be at least 5"),
        (VALID.replace("reps = 3\n", ""), "p.toml:1: reps: required field is missing"),
        (VALID + "colour = 'red'\n", "p.toml:6: colour: unknown field"),
        (
            VALID.replace('"Kneel on your {side} knee."', '"Kneel on your {leg}"'),
            "p.toml:3: steps.0:",
        ),
        (VALID + "[form]\nenter_s = -1\n", "p.toml:7: form.enter_s: must be at least 0"),
        (VALID + "[cues]\nrest = 3\n", "p.toml:7: cues.rest: must be text in quotes"),
        (VALID.replace("reps = 3", "reps = "), "p.toml:5: toml: Invalid value"),
        (VALID + 'sides = ["right", "right"]\n', "p.toml:6: sides: each side may appear once"),
        (
            VALID.replace('name = "physio-3x45"', 'name = "Physio 3x45"'),
            "p.toml:1: name: must be lowercase",
        ),
    ],
)
def test_malformed_files_name_file_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(ProtocolError) as err:
        parse_protocol(text, "p.toml")
    assert expected in err.value.message


def test_multiline_array_items_point_at_their_own_line() -> None:
    text = VALID.replace('steps = ["Kneel on your {side} knee."]', 'steps = [\n  "ok",\n  "  ",\n]')
    with pytest.raises(ProtocolError) as err:
        parse_protocol(text, "p.toml")
    assert "p.toml:5: steps.1: a step must not be empty" in err.value.message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="no such file"):
        load_protocol_file(tmp_path / "nope.toml")
