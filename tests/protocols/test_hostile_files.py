"""A file that passes ``protocols check`` never crashes when used (issues 10.6 and 9.8).

Everything a template may do beyond the documented placeholders is refused at load time, as is
what would only be coerced (``reps = true``); a broken file is reported in plain words, in file
order, and never takes the other protocols down with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hipflex.domain.protocol import Side
from hipflex.errors import ProtocolError
from hipflex.protocols.loader import (
    MAX_FILE_BYTES,
    MAX_NESTING,
    discover,
    load_protocol,
    load_protocol_file,
    parse_protocol,
)

from .test_loader import VALID


def _problem(text: str) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "p.toml")
    return caught.value.message


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("Hold {hold_s:zz} s.", "{hold_s:zz}: a placeholder takes no format"),
        ("Hold {hold_s:>300000000} s.", "{hold_s:>300000000}: a placeholder takes no format"),
        ("Hold {hold_s:,} s.", "{hold_s:,}: a placeholder takes no format"),
        ("Kneel on your {side!r} knee.", "{side!r}: a placeholder takes no format"),
        ("Kneel on your {side.upper} knee.", "unknown placeholder {side.upper}"),
        ("Kneel on your {side[0]} knee.", "unknown placeholder {side[0]}"),
        ("Kneel on your {} knee.", "unknown placeholder {}"),
        ("Kneel on your {0} knee.", "unknown placeholder {0}"),
        ("Kneel on your {side knee.", "a { without its }"),
        ("Kneel on your side} knee.", "a } without its {"),
    ],
)
def test_steps_allow_only_the_documented_placeholders(template: str, words: str) -> None:
    message = _problem(VALID.replace("Kneel on your {side} knee.", template))
    assert message.startswith("p.toml:3: steps.0: "), message
    assert words in message
    assert "{{ and }}" in message or "unknown placeholder" in message  # says how to fix it


@pytest.mark.parametrize("cue", ["get_ready", "hold_start", "switch_side", "done"])
def test_cues_allow_only_the_documented_placeholders(cue: str) -> None:
    message = _problem(VALID + f'[cues]\n{cue} = "Hold {{hold_s:>300000000}} s."\n')
    assert message.startswith(f"p.toml:7: cues.{cue}: "), message


def test_doubled_braces_are_literal_braces() -> None:
    text = VALID.replace("Kneel on your {side} knee.", "Say {{{side}}} then {{hold_s}}.")
    assert parse_protocol(text, "p.toml").steps_for(Side.LEFT) == ["Say {left} then {hold_s}."]


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("reps = true", "reps", "must be a whole number, not true or false"),
        ("reps = 3.0", "reps", "must be a whole number"),
        ("hold_s = false", "hold_s", "must be a whole number, not true or false"),
        ("get_ready_s = true", "get_ready_s", "must be a whole number"),
        ("max_hold_factor = true", "max_hold_factor", "must be a number, not true or false"),
        ("title = 1979-05-27", "title", "must be text in quotes"),
        ('reps = "3"', "reps", "must be a whole number, not text"),
    ],
)
def test_values_are_never_coerced(line: str, field: str, words: str) -> None:
    key = line.split(" =")[0]
    lines = [text for text in VALID.splitlines() if not text.startswith(f"{key} =")]
    message = _problem("\n".join([*lines, line]) + "\n")
    assert f"p.toml:{len(lines) + 1}: {field}: {words}" in message, message


def test_form_numbers_are_never_booleans() -> None:
    message = _problem(VALID + "[form]\nenter_s = true\n")
    assert "p.toml:7: form.enter_s: must be a number, not true or false" in message


@pytest.mark.parametrize("depth", [5_000, 300, MAX_NESTING + 1])
def test_deeply_nested_arrays_are_a_clear_error(depth: int) -> None:
    text = VALID + "sides = " + "[" * depth + "]" * depth + "\n"
    message = _problem(text)
    assert f"nested more than {MAX_NESTING} levels deep" in message
    assert message.startswith("p.toml:6: "), message


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(VALID + "#" * MAX_FILE_BYTES)
    with pytest.raises(ProtocolError, match=r"huge.toml: .* bytes is over the limit"):
        load_protocol_file(path)


def test_problems_are_in_plain_words_and_in_file_order() -> None:
    text = (
        'name = "Bad Name"\n'  # 1
        'title = "Mine"\n'  # 2
        "steps = []\n"  # 3
        "hold_s = 2\n"  # 4
        "reps = 50\n"  # 5
        'sides = ["up"]\n'  # 6
        "colour = 1\n"  # 7
        "[cues]\n"  # 8
        'rest = "Rest {side:>9}"\n'  # 9
    )
    lines = _problem(text).splitlines()
    assert [line.split(":")[1] for line in lines] == ["1", "3", "4", "5", "6", "7", "9"]
    assert lines[0] == (
        "p.toml:1: name: must be lowercase letters, digits and hyphens, starting with a letter "
        "or digit, at most 63 characters (pattern ^[a-z0-9][a-z0-9-]{0,62}$)"
    )
    assert lines[1] == "p.toml:3: steps: must have at least 1 item"
    assert lines[2] == "p.toml:4: hold_s: must be at least 5"
    assert lines[3] == "p.toml:5: reps: must be at most 20"
    assert lines[4] == "p.toml:6: sides.0: must be 'right' or 'left'"
    assert lines[5] == "p.toml:7: colour: unknown field"
    jargon = ("Input should", "Tuple should", "Value error", "after validation", "String should")
    assert not any(word in line for line in lines for word in jargon)


def test_a_problem_with_the_whole_protocol_points_at_its_field() -> None:
    message = _problem(VALID + 'sides = ["right", "right"]\n')
    assert message == "p.toml:6: sides: each side may appear once"


def test_a_bad_file_never_takes_down_the_others(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    hostile = {
        "format.toml": VALID.replace("physio-3x45", "format").replace("{side}", "{hold_s:zz}"),
        "huge-pad.toml": VALID.replace("physio-3x45", "huge-pad").replace(
            "{side}", "{hold_s:>300000000}"
        ),
        "deep.toml": VALID.replace("physio-3x45", "deep") + "x = " + "[" * 5000 + "]" * 5000,
        "bool.toml": VALID.replace("physio-3x45", "bool").replace("reps = 3", "reps = true"),
        "binary.toml": "\x00\xff",
    }
    for name, text in hostile.items():
        (tmp_path / "protocols" / name).write_text(text, encoding="latin-1")
    (tmp_path / "protocols" / "good.toml").write_text(VALID)
    entries = discover(tmp_path)
    broken = {e.path.name for e in entries if e.protocol is None}
    assert broken == set(hostile)
    for entry in entries:
        if entry.protocol is not None:
            for side in entry.protocol.sides:
                entry.protocol.steps_for(side)  # every usable one renders
    assert load_protocol("physio-3x45", tmp_path).reps == 3
    assert load_protocol("kneeling-hip-flexor", tmp_path).reps == 4
    with pytest.raises(ProtocolError, match=r"format\.toml:3: steps\.0"):
        load_protocol("format", tmp_path)


def test_an_entry_summarises_its_problems_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    path = tmp_path / "protocols" / "mine.toml"
    path.write_text('name = "mine"\ntitle = "Mine"\nsteps = []\nhold_s = true\nreps = "x"\n')
    [entry] = [e for e in discover(tmp_path) if e.protocol is None]
    assert entry.summary == "line 3: steps: must have at least 1 item (and 2 more problems)"
    assert entry.error is not None and len(entry.error.splitlines()) == 3
