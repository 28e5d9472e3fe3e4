"""What a new user sees, in a real Chromium at desktop and phone size: the session's set-up
(the figure, the steps and the first get-ready before Start, the get-ready a setting), an HTML
404 page (JSON stays under /api/), every page within a phone's width, and the dark scheme."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflex.settings import load_settings

from .conftest import RunningServer, watch_errors
from .test_history_page import seed_weeks

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PAGES = ["/", "/session", "/history", "/protocols", "/settings", "/camera-check", "/no-such-page"]
# The page's background and text colours as [r, g, b] luminance-ish sums (0 black, 765 white).
COLOURS = """() => {
  const sum = (c) => c.match(/\\d+/g).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
  const body = getComputedStyle(document.body);
  const main = getComputedStyle(document.querySelector('main'));
  return [sum(getComputedStyle(document.documentElement).backgroundColor), sum(main.color)];
}"""


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page_at(browser: Any, viewport: str) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    yield page
    context.close()


def test_set_up_shows_the_figure_the_steps_and_the_get_ready(
    page_at: Any,
    viewport: str,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
) -> None:
    server = start_server()
    page = page_at
    errors = watch_errors(page)
    page.goto(f"{server.url}/session")
    setup = page.locator("#setup")
    figure = setup.locator("svg.figure")
    assert figure.is_visible()
    box = figure.bounding_box()
    assert box is not None and box["width"] >= 150
    steps = setup.locator("#setup-steps li")
    assert steps.count() >= 3 and steps.first.is_visible()
    assert "20 s" in page.inner_text("#setup-get-ready")  # the default first get-ready
    assert page.locator("#start-button").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    page.screenshot(path=artifacts / f"session-setup-{viewport}.png", full_page=True)
    # The figure's label is the set-up's own (the player keeps its id): ids stay unique.
    assert page.evaluate("document.querySelectorAll('[id=figure-title]').length") == 1
    assert page.evaluate("document.querySelectorAll('[id=setup-figure-title]').length") == 1

    page.goto(f"{server.url}/settings")
    page.fill("#first_get_ready_s", "45")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings?saved=true")
    assert load_settings(server.data_dir).first_get_ready_s == 45
    page.goto(f"{server.url}/session?protocol=prone-hip-flexor")
    assert "45 s" in page.inner_text("#setup-get-ready")
    assert "strap" in page.inner_text("#setup-steps").lower()  # the chosen stretch's steps
    assert errors == []


def test_a_missing_page_is_a_page_and_the_api_stays_json(
    page_at: Any,
    viewport: str,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
) -> None:
    server = start_server()
    page = page_at
    answer = page.goto(f"{server.url}/no-such-page")
    assert answer is not None and answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert page.locator("h1").inner_text() == "Page not found"
    assert "/no-such-page" in page.inner_text("main")
    page.get_by_role("link", name="Go to Today").click()
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}/history/sessions/gone/edit")
    assert page.locator("h1").inner_text() == "Page not found"
    page.screenshot(path=artifacts / f"not-found-{viewport}.png", full_page=True)
    api = page.goto(f"{server.url}/api/no-such-thing")
    assert api is not None and api.status == 404
    assert api.headers["content-type"].startswith("application/json")
    assert api.json() == {"detail": "Not Found"}


def test_every_page_fits_a_phone_and_follows_the_dark_scheme(
    browser: Any,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    seed_weeks(data_dir)
    server = start_server(data_dir=data_dir)
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=VIEWPORTS["phone"], color_scheme=scheme)
        page = context.new_page()
        errors = watch_errors(page)
        for path in PAGES:
            page.goto(f"{server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide at 390 px"
            background, text = page.evaluate(COLOURS)
            if scheme == "dark":
                assert background < 150 and text > 500, path  # dark page, light text
            else:
                assert background > 600 and text < 250, path
        page.goto(f"{server.url}/history")
        page.screenshot(path=artifacts / f"history-{scheme}-phone.png", full_page=True)
        page.goto(server.url)
        page.screenshot(path=artifacts / f"today-{scheme}-phone.png", full_page=True)
        assert [e for e in errors if "404" not in e] == []
        context.close()
    context = browser.new_context(viewport=VIEWPORTS["desktop"], color_scheme="dark")
    page = context.new_page()
    for path in ("/", "/history", "/session", "/settings"):
        page.goto(f"{server.url}{path}")
        name = path.strip("/") or "today"
        page.screenshot(path=artifacts / f"dark-{name}-desktop.png", full_page=True)
    context.close()
