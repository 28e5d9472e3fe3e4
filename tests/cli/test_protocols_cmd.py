"""``hipflex protocols ...`` through the real entry point (a subprocess per call)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def hipflex(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hipflex", *args],
        capture_output=True,
        text=True,
        env={"HIPFLEX_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
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
    assert f"{bad}:5: reps: Input should be a valid integer" in result.stderr
    assert "Traceback" not in result.stderr
    good = tmp_path / "good.toml"
    good.write_text(bad.read_text().replace('"four"', "4"))
    ok = hipflex("protocols", "check", str(good), data_dir=tmp_path)
    assert ok.returncode == 0 and "ok" in ok.stdout
