"""Real-browser fixtures: Debian's Chromium driven by Playwright, and the real server.

Never Playwright's own browser download: the executable is /usr/bin/chromium (installed by
``scripts/ensure-system-packages``). The server is uvicorn in a thread on a free loopback
port, over a temporary data dir, with the test-only session speed.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from hipflex.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
REPO_ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "web"
MEDIA = REPO_ROOT.parent / "shared" / "media"


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    server: uvicorn.Server
    thread: threading.Thread
    errors: list[str] = field(default_factory=list)
    # Headers of every state-changing request as the server received them (the browser adds
    # Sec-Fetch-* after Playwright's request events see the request, when routing is on).
    posts: list[dict[str, str]] = field(default_factory=list)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def recording_posts(app: Any, posts: list[dict[str, str]]) -> Any:
    async def recorder(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            posts.append({"path": scope["path"], **headers})
        await app(scope, receive, send)

    return recorder


def run_server(data_dir: Path, speed: float, **app_options: Any) -> RunningServer:
    app = create_app(data_dir, speed=speed, **app_options)
    posts: list[dict[str, str]] = []
    port = free_port()
    config = uvicorn.Config(
        recording_posts(app, posts),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_max_size=1024 * 1024,
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return RunningServer(f"http://127.0.0.1:{port}", data_dir, server, thread, posts=posts)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start a server at a given speed (call it once per test)."""
    servers: list[RunningServer] = []

    def start(
        speed: float = 50.0, data_dir: Path | None = None, **app_options: Any
    ) -> RunningServer:
        directory = data_dir or tmp_path / f"data-{len(servers)}"
        directory.mkdir(parents=True, exist_ok=True)
        running = run_server(directory, speed, **app_options)
        servers.append(running)
        return running

    yield start
    for running in servers:
        running.stop()


# ``playwright_instance`` and ``browser`` live in tests/conftest.py: one Playwright per test
# session for every folder (two sync Playwright instances alive at once refuse to start).


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def watch_errors(page: Any) -> list[str]:
    """Collect uncaught page errors and console errors (CSP violations show up here)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    return errors


def clean_artifacts() -> None:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
