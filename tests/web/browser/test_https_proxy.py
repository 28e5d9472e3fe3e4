"""The documented Caddy set-up for real: Chromium → Caddy (HTTPS, its internal CA) → hipflex on
loopback with ``--behind-proxy --name``. Everything listens on 127.0.0.1; the browser maps the
name to it. Checks what only a real browser and a real proxy show: a secure context (the
camera API exists), the in-browser model, the WebSocket over wss, and the forms.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RunningServer,
    free_port,
    watch_errors,
)

from hipflex.settings import load_settings
from hipflex.web.context import LOOPBACK_HOSTS
from hipflex.web.pose_assets import installed

pytestmark = pytest.mark.browser

NAME = "hipflex.test"
CADDYFILE = """
{{
	admin off
	auto_https disable_redirects
	skip_install_trust
	storage file_system {storage}
}}
https://{name}:{port} {{
	bind 127.0.0.1
	tls internal
	reverse_proxy 127.0.0.1:{upstream}
}}
"""


@pytest.fixture
def caddy_in_front(
    start_server: Callable[..., RunningServer], tmp_path: Path
) -> Iterator[tuple[RunningServer, str]]:
    beside_python = Path(sys.executable).parent / "caddy"
    caddy = shutil.which("caddy") or (str(beside_python) if beside_python.exists() else None)
    if caddy is None:
        pytest.fail("caddy is missing: scripts/ensure-system-packages puts it in .venv/bin")
    server = start_server(speed=200, allowed_hosts={*LOOPBACK_HOSTS, NAME}, trusted_proxy=True)
    upstream = server.url.rsplit(":", 1)[1]
    port = free_port()
    config = tmp_path / "Caddyfile"
    config.write_text(
        CADDYFILE.format(storage=tmp_path / "caddy", name=NAME, port=port, upstream=upstream)
    )
    log = (tmp_path / "caddy.log").open("w")
    process = subprocess.Popen(
        [caddy, "run", "--config", str(config), "--adapter", "caddyfile"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while "serving initial configuration" not in (tmp_path / "caddy.log").read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "caddy.log").read_text()[-2000:])
            time.sleep(0.1)
        yield server, f"https://{NAME}:{port}"
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture
def proxied_page(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {NAME} 127.0.0.1"],
    )
    # Caddy's internal CA is not in the test browser's store (a phone installs it once).
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 390, "height": 844})
    yield context.new_page()
    browser.close()


def test_through_caddy_the_page_is_secure_and_forms_and_the_websocket_work(
    caddy_in_front: tuple[RunningServer, str], proxied_page: Any, artifacts: Path
) -> None:
    server, url = caddy_in_front
    page = proxied_page
    errors = watch_errors(page)
    page.goto(f"{url}/camera-check")
    assert page.evaluate("window.isSecureContext") is True
    assert page.evaluate("Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)")
    expected_mode = "browser" if installed() is not None else "server"
    page.wait_for_selector(f"#camera-check[data-mode='{expected_mode}']")
    page.screenshot(path=artifacts / "https-camera-check-phone.png", full_page=True)

    page.goto(f"{url}/settings")
    page.fill("#rest_s", "20")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_selector(".notice:has-text('Saved.')")
    assert load_settings(server.data_dir).rest_s == 20
    [post] = server.posts
    assert post["origin"] == url and post["x-forwarded-proto"] == "https"
    assert post["host"] == f"{NAME}:{url.rsplit(':', 1)[1]}"  # Caddy passes the Host through

    page.goto(f"{url}/session")
    page.uncheck("#voice-toggle")
    page.click("#start-button")
    page.wait_for_selector("#after:not([hidden])", timeout=60_000)
    assert "8 of 8 holds" in page.locator("#summary").inner_text()
    assert errors == []
