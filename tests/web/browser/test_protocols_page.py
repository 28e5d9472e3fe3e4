"""The Protocols page with malformed user files, in a real browser at desktop and phone size."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser.conftest import RunningServer, watch_errors
from tests.web.test_protocol_pages import GOOD

pytestmark = pytest.mark.browser


def _broken_files(data_dir: Path) -> Path:
    protocols = data_dir / "protocols"
    protocols.mkdir(parents=True)
    (protocols / "physio.toml").write_text(GOOD)
    # The shape of the report that made the page 1,500 px wide: many problems, one of them a
    # long unbroken regex, in a file with a long name.
    many = "\n".join(f"colour_{n} = {n}" for n in range(40))
    long_name = "physio-plan-from-the-clinic-" * 4 + "v2.toml"
    (protocols / long_name).write_text('name = "Bad Name"\n' + GOOD.split("\n", 1)[1] + many)
    (protocols / "format.toml").write_text(GOOD.replace("{side}", "{hold_s:>300000000}"))
    return data_dir


@pytest.mark.parametrize(
    ("label", "viewport"),
    [("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})],
)
def test_broken_files_are_short_notices_that_fit_the_screen(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
    label: str,
    viewport: dict[str, int],
) -> None:
    server = start_server(data_dir=_broken_files(tmp_path / "data"))
    page = browser.new_page(viewport=viewport)
    errors = watch_errors(page)
    page.goto(server.url + "/protocols")
    page.screenshot(path=artifacts / f"{label}-protocols-broken-file.png", full_page=True)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]} px wide in a {widths[1]} px window"
    notices = page.locator(".protocol-broken")
    assert notices.count() == 2
    long_one = notices.filter(has_text="physio-plan-from-the-clinic").inner_text()
    assert "^[a-z0-9][a-z0-9-]{0,62}$" in long_one  # the whole regex, nothing eaten
    assert "(and 40 more problems)" in long_one
    assert "hipflex protocols check" in long_one
    box = notices.first.bounding_box()
    assert box is not None and box["height"] < viewport["height"]  # short, not 60 lines
    assert page.locator("h2:has-text('Physio: 3 x 45 s')").count() == 1  # the good one shows
    assert errors == []
    page.close()
