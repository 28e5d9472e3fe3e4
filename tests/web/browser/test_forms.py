"""Every form of the app, driven in a real Chromium at desktop and phone size (issue 9.1).

In-process tests send whatever headers the test writes; a real browser decides Origin,
Referer and Sec-Fetch-Site itself. Under ``Referrer-Policy: no-referrer`` Chromium sent
``Origin: null`` with these posts and the app refused its own forms. Here the browser's own
posts must pass, and forged cross-site posts (even carrying a stolen CSRF token) must fail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser.conftest import RunningServer, watch_errors

from hipflex.settings import load_settings

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@contextmanager
def attacker_site(body: str) -> Iterator[str]:
    """Another site on this machine (``localhost`` is a different site from 127.0.0.1)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def wait_for_answer(page: Any, server: RunningServer, *, framed: bool) -> str:
    """The text the app answered the forged post with, in the page or in its frame."""
    for _ in range(100):
        frame = page.frames[-1] if framed else page.main_frame
        if frame.url.startswith(server.url):
            text = str(frame.locator("body").inner_text())
            if text:
                return text
        page.wait_for_timeout(100)
    return ""


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page_at(browser: Any, viewport: str) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    yield page
    context.close()


def test_settings_form_saves(
    page_at: Any,
    viewport: str,
    start_server: Callable[..., RunningServer],
    artifacts: Path,
) -> None:
    server = start_server(speed=1)
    page = page_at
    errors = watch_errors(page)
    page.goto(server.url + "/settings")
    page.fill("#rest_s", "45")
    page.select_option("#default_protocol", "prone-hip-flexor")
    page.uncheck("input[name=voice]")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_selector(".notice:has-text('Saved.')")
    page.screenshot(path=artifacts / f"form-settings-saved-{viewport}.png", full_page=True)
    settings = load_settings(server.data_dir)
    assert settings.rest_s == 45
    assert settings.default_protocol == "prone-hip-flexor"
    assert settings.voice is False
    [post] = server.posts
    assert post["origin"] == server.url  # a real Origin now, not "null"
    assert post["sec-fetch-site"] == "same-origin"
    # A mistake is shown on the form, not refused as cross-origin.
    page.fill("#work_start", "18:00")
    page.fill("#work_end", "09:00")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_selector(".notice.errors")
    assert "must end after they start" in page.locator(".notice.errors").inner_text()
    page.screenshot(path=artifacts / f"form-settings-error-{viewport}.png", full_page=True)
    assert all("400" in error for error in errors)  # only the 400 of the page with the error


def test_make_it_my_default(
    page_at: Any, viewport: str, start_server: Callable[..., RunningServer], artifacts: Path
) -> None:
    server = start_server(speed=1)
    page = page_at
    errors = watch_errors(page)
    page.goto(server.url + "/protocols")
    section = page.locator("section.protocol:has(h2#protocol-prone-hip-flexor)")
    section.locator("button:has-text('Make it my default')").click()
    page.wait_for_selector("h2#protocol-prone-hip-flexor .badge:has-text('your default')")
    page.screenshot(path=artifacts / f"form-make-default-{viewport}.png", full_page=True)
    assert load_settings(server.data_dir).default_protocol == "prone-hip-flexor"
    assert errors == []


def test_session_setup_and_check_in(
    page_at: Any, viewport: str, start_server: Callable[..., RunningServer], artifacts: Path
) -> None:
    server = start_server(speed=200)
    page = page_at
    errors = watch_errors(page)
    page.goto(server.url + "/session")
    page.click("label.pain-option:has(input[name=pain_before][value='3'])")
    page.uncheck("#voice-toggle")
    page.click("#start-button")
    page.wait_for_selector("#after:not([hidden])", timeout=60_000)
    page.click("label.pain-option:has(input[name=pain_after][value='1'])")
    page.fill("#note", "felt looser")
    page.click("#save-button")
    page.wait_for_selector("#saved-message:has-text('Saved')")
    page.screenshot(path=artifacts / f"form-check-in-{viewport}.png", full_page=True)
    page.goto(server.url + "/history")
    item = page.locator(".session-item").first
    assert "Pain 3 → 1" in item.inner_text()
    assert "felt looser" in item.inner_text()
    assert errors == []


def test_a_post_under_the_old_no_referrer_policy_still_passes(
    browser: Any, start_server: Callable[..., RunningServer]
) -> None:
    """Chromium's ``Origin: null`` with ``Sec-Fetch-Site: same-origin`` is our own page."""
    server = start_server(speed=1)
    context = browser.new_context()
    page = context.new_page()

    def old_policy(route: Any) -> None:
        response = route.fetch()
        headers = {**response.headers, "referrer-policy": "no-referrer"}
        route.fulfill(response=response, headers=headers)

    page.route(f"{server.url}/protocols", old_policy)
    page.goto(server.url + "/protocols")
    page.locator("section.protocol:has(h2#protocol-prone-hip-flexor) button").click()
    page.wait_for_selector("h2#protocol-prone-hip-flexor .badge:has-text('your default')")
    [post] = server.posts
    assert post["origin"] == "null"
    assert post["sec-fetch-site"] == "same-origin"
    assert load_settings(server.data_dir).default_protocol == "prone-hip-flexor"
    context.close()


FORGED_POST = """
<!doctype html><html><body>
<form id="f" method="post" action="{url}/protocols/default">
  <input name="csrf_token" value="{token}"><input name="name" value="prone-hip-flexor">
</form>
<script>document.getElementById("f").submit();</script>
</body></html>
"""
FORGED_SANDBOXED = """
<!doctype html><html><body>
<iframe sandbox="allow-forms allow-scripts" srcdoc='{inner}'></iframe>
</body></html>
"""


@pytest.mark.parametrize("attack", ["cross-site page", "sandboxed frame (Origin: null)"])
def test_forged_cross_site_posts_are_refused_even_with_the_token(
    browser: Any, start_server: Callable[..., RunningServer], attack: str
) -> None:
    server = start_server(speed=1)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/protocols")
    # The worst case: the attacker somehow knows the CSRF token.
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    form = FORGED_POST.format(url=server.url, token=token)
    body = form if attack == "cross-site page" else FORGED_SANDBOXED.format(inner=form)
    with attacker_site(body) as evil_url:
        page.goto(evil_url)
        answer = wait_for_answer(page, server, framed=attack != "cross-site page")
    assert "cross-origin request refused" in answer
    [headers] = server.posts
    assert headers["sec-fetch-site"] == "cross-site"
    if attack.startswith("sandboxed"):
        assert headers["origin"] == "null"
    assert load_settings(server.data_dir).default_protocol != "prone-hip-flexor"
    context.close()
