"""``hipflex protocols ...`` through the real entry point (a subprocess per call)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def hipflex(*args: str, data_dir: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hipflex", *args],
        capture_output=True,
        text=True,
        env={"HIPFLEX_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "COLUMNS": str(columns)},
        timeout=60,
    )


def test_list_shows_shipped_and_own_protocols(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "physio.toml").write_text(
        'name = "physio-3x45"\ntitle = "Physio"\nsteps = ["Kneel."]\nhold_s = 45\nreps = 3\n'
    )
    result = hipflex("protocols", "list", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {
        "kneeling-hip-flexor",
        "prone-hip-flexor",
        "standing-hip-flexor",
        "physio-3x45",
    }
    assert rows["physio-3x45"]["builtin"] is False
    table = hipflex("protocols", "list", data_dir=tmp_path)
    assert "Half-kneeling hip flexor stretch" in table.stdout


def test_show_json_round_trips_the_protocol(tmp_path: Path) -> None:
    result = hipflex("protocols", "show", "kneeling-hip-flexor", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["hold_s"], data["reps"], data["sides"]) == (30, 4, ["right", "left"])
    text = hipflex("protocols", "show", "prone-hip-flexor", data_dir=tmp_path).stdout
    assert "When to choose it" in text and "Lie face down" in text


def test_unknown_protocol_names_the_known_ones_without_traceback(tmp_path: Path) -> None:
    result = hipflex("protocols", "show", "pigeon", data_dir=tmp_path)
    assert result.returncode == 2
    assert "unknown protocol 'pigeon'" in result.stderr
    assert "kneeling-hip-flexor" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_file_line_field_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ntitle = "Bad"\nsteps = ["x"]\nhold_s = 30\nreps = "four"\n')
    result = hipflex("protocols", "check", str(bad), data_dir=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:5: reps: must be a whole number, not text" in result.stderr
    assert "Traceback" not in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(bad.read_text().replace('"four"', "4"))
    ok = hipflex("protocols", "check", str(good), data_dir=tmp_path)
    assert ok.returncode == 0 and "ok" in ok.stdout


GOOD = 'name = "physio-3x45"\ntitle = "Physio"\nsteps = ["Kneel."]\nhold_s = 45\nreps = 3\n'


def _hostile_protocols(data_dir: Path) -> Path:
    protocols = data_dir / "protocols"
    protocols.mkdir(parents=True)
    (protocols / "physio.toml").write_text(GOOD)
    many = "\n".join(f"colour_{n} = {n}" for n in range(40))
    broken = protocols / "mine.toml"
    broken.write_text('name = "Bad Name"\n' + GOOD.split("\n", 1)[1] + many + "\n")
    return broken


def test_list_at_80_columns_keeps_names_whole_and_a_broken_file_short(tmp_path: Path) -> None:
    broken = _hostile_protocols(tmp_path)
    result = hipflex("protocols", "list", data_dir=tmp_path, columns=80)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    command = f"  hipflex protocols check {broken}"
    assert command in lines  # on a line of its own, whole, to copy
    assert max(len(line) for line in lines if line != command) <= 80
    names = ("kneeling-hip-flexor", "prone-hip-flexor", "standing-hip-flexor", "physio-3x45")
    for name in names:
        assert any(name in line for line in lines), result.stdout  # whole, on one line
    assert len(lines) <= 24, result.stdout  # not 60 lines for one broken file
    text = " ".join(line.strip() for line in lines)
    assert "mine.toml cannot be used: line 1: name: must be lowercase" in text
    assert "^[a-z0-9][a-z0-9-]{0,62}$" in text  # Rich markup must not eat [a-z0-9]
    assert "(and 40 more problems)" in text
    assert "colour_1" not in text


def test_list_marks_only_the_real_default(tmp_path: Path) -> None:
    _hostile_protocols(tmp_path)
    result = hipflex("protocols", "list", data_dir=tmp_path, columns=80)
    [physio] = [line for line in result.stdout.splitlines() if "physio-3x45" in line]
    [kneeling] = [line for line in result.stdout.splitlines() if "kneeling-hip-flexor" in line]
    assert "default" not in physio and "your file" in physio
    assert "your default" in kneeling
    (tmp_path / "settings.json").write_text('{"default_protocol": "physio-3x45"}')
    again = hipflex("protocols", "list", "--json", data_dir=tmp_path, columns=80)
    rows = {row["name"]: row for row in json.loads(again.stdout)}
    assert rows["physio-3x45"]["default"] is True
    assert rows["kneeling-hip-flexor"]["default"] is False
    assert rows["mine"]["error"].count("\n") == 40  # --json keeps every problem
    assert rows["mine"]["summary"].startswith("line 1: name:")


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("Hold {hold_s:zz} s.", "{hold_s:zz}: a placeholder takes no format"),
        ("Hold {hold_s:>300000000} s.", "{hold_s:>300000000}: a placeholder takes no format"),
    ],
)
def test_check_refuses_what_would_crash_start(tmp_path: Path, step: str, words: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(GOOD.replace("Kneel.", step))
    result = hipflex("protocols", "check", str(path), data_dir=tmp_path)
    assert result.returncode == 2
    assert f"{path}:3: steps.0: {words}" in result.stderr
    assert "Traceback" not in result.stderr


def test_deep_nesting_and_booleans_are_messages(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(GOOD + "sides = " + "[" * 5000 + "]" * 5000 + "\n")
    result = hipflex("protocols", "check", str(deep), data_dir=tmp_path)
    assert result.returncode == 2
    assert f"{deep}:6: toml: nested more than 8 levels deep" in result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    flag = tmp_path / "flag.toml"
    flag.write_text(GOOD.replace("reps = 3", "reps = true"))
    result = hipflex("protocols", "check", str(flag), data_dir=tmp_path)
    assert result.returncode == 2
    assert f"{flag}:5: reps: must be a whole number, not true or false" in result.stderr


def test_start_and_show_work_beside_a_hostile_file(tmp_path: Path) -> None:
    _hostile_protocols(tmp_path)
    (tmp_path / "protocols" / "spec.toml").write_text(
        GOOD.replace("physio-3x45", "spec").replace("Kneel.", "{hold_s:>300000000}")
    )
    show = hipflex("protocols", "show", "physio-3x45", data_dir=tmp_path)
    assert show.returncode == 0, show.stderr
    start = hipflex(
        "start", "--no-input", "--speed", "200", "--protocol", "physio-3x45", data_dir=tmp_path
    )
    assert start.returncode == 0, start.stderr
    refused = hipflex("protocols", "show", "spec", data_dir=tmp_path)
    assert refused.returncode == 2 and "a placeholder takes no format" in refused.stderr


def test_square_brackets_in_a_protocol_are_text_not_terminal_markup(tmp_path: Path) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "brackets.toml").write_text(
        'name = "brackets"\ntitle = "Hips [/] [bold]"\nsteps = ["Kneel [/] on [a-z] {side}."]\n'
        'hold_s = 30\nreps = 1\nnote = "[/i]"\n'
    )
    show = hipflex("protocols", "show", "brackets", data_dir=tmp_path)
    assert show.returncode == 0, show.stderr
    assert "Hips [/] [bold] (brackets)" in show.stdout
    assert "1. Kneel [/] on [a-z] right." in show.stdout and "[/i]" in show.stdout
    start = hipflex(
        "start", "--no-input", "--speed", "200", "--protocol", "brackets", data_dir=tmp_path
    )
    assert start.returncode == 0, start.stderr
    assert "Kneel [/] on [a-z] left." in start.stdout
