"""Ctrl-C with a session running: the page is told ``ended: shutdown``, not just close 1012."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

from tests.web.test_serve import start_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def test_sigint_tells_the_page_the_session_ended_with_shutdown(data_dir: Path) -> None:
    process, url = start_server(data_dir, "--no-browser", "--speed", "40")
    received: list[dict[str, Any]] = []
    close_code = None
    try:
        host = url.removeprefix("http://")
        with connect(f"ws://{host}/ws/session", origin=url, open_timeout=10) as ws:  # type: ignore[arg-type]
            ws.send(json.dumps({"type": "start"}))
            while not any(m.get("type") == "started" for m in received):
                received.append(json.loads(ws.recv(timeout=10)))
            process.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 20
            try:
                while time.monotonic() < deadline:
                    received.append(json.loads(ws.recv(timeout=10)))
            except ConnectionClosed as closed:
                close_code = closed.rcvd.code if closed.rcvd else None
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    finished = [m for m in received if m.get("event") == "session_finished"]
    assert finished and finished[0]["ended_by"] == "shutdown"
    assert {"type": "ended", "reason": "shutdown"} in received
    assert close_code == 1001, close_code  # going away, after the message; not 1012 alone
    assert "hipflex stopped" in out


def test_the_shutdown_message_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text()
    assert "`ended` (`taken_over` / `shutdown`)" in docs
