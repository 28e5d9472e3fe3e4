"""A malformed protocol file is one short notice, never a broken or 1,500 px page (9.8, 10.6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

GOOD = """\
name = "physio-3x45"
title = "Physio: 3 x 45 s"
steps = ["Kneel on your {side} knee."]
hold_s = 45
reps = 3
"""

# Each passed `protocols check` before 10.6, then crashed every page that rendered it.
HOSTILE = {
    "format-spec.toml": GOOD.replace("physio-3x45", "format-spec").replace("{side}", "{hold_s:zz}"),
    "padding.toml": GOOD.replace("physio-3x45", "padding").replace("{side}", "{hold_s:>300000000}"),
    "bool-reps.toml": GOOD.replace("physio-3x45", "bool-reps").replace("reps = 3", "reps = true"),
}


@pytest.fixture
def hostile_dir(data_dir: Path) -> Path:
    protocols = data_dir / "protocols"
    protocols.mkdir()
    for name, text in HOSTILE.items():
        (protocols / name).write_text(text)
    (protocols / "physio.toml").write_text(GOOD)
    many = "\n".join(f"colour_{n} = {n}" for n in range(40))  # 40 problems, one long line
    (protocols / ("long-" * 30 + "name.toml")).write_text(GOOD.replace("physio-3x45", "x") + many)
    return data_dir


@pytest.mark.parametrize("path", ["/", "/protocols", "/session", "/settings", "/history"])
def test_every_page_renders_with_hostile_protocol_files(
    client: TestClient, hostile_dir: Path, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:2000]


def test_the_session_page_offers_only_usable_protocols(
    client: TestClient, hostile_dir: Path
) -> None:
    page = client.get("/session").text
    assert "physio-3x45" in page
    for name in ("format-spec", "padding", "bool-reps"):
        assert f'value="{name}"' not in page
    assert client.get("/session?protocol=physio-3x45").status_code == 200


def test_a_broken_file_is_one_short_notice_with_the_way_to_see_the_rest(
    client: TestClient, hostile_dir: Path
) -> None:
    page = client.get("/protocols").text
    notices = re.findall(r'<section class="panel protocol-broken".*?</section>', page, re.S)
    assert len(notices) == 4
    long_one = next(n for n in notices if "long-long-" in n)
    assert "line 6: colour_0: unknown field (and 39 more problems)" in long_one
    assert "colour_1:" not in long_one  # only the first problem, not 40 lines
    path = hostile_dir / "protocols" / ("long-" * 30 + "name.toml")
    assert f"hipflex protocols check {path}" in long_one
    bool_one = next(n for n in notices if "bool-reps.toml" in n)
    assert "reps: must be a whole number, not true or false" in bool_one
