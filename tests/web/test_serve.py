"""``hipflex serve`` for real: prints its URL, and Ctrl-C mid-session keeps a partial session."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.sync.client import connect

from hipflex.storage.db import open_database


def start_server(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hipflex",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            *list(extra),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "hipflex is running at http://127.0.0.1:" in line, line + process.stderr.read()
    url = line.split("running at ")[1].split()[0].rstrip("/")
    return process, url


def test_ctrl_c_mid_session_saves_a_partial_session(data_dir: Path) -> None:
    process, url = start_server(data_dir, "--no-browser", "--speed", "40")
    try:
        host = url.removeprefix("http://")
        with connect(f"ws://{host}/ws/session", origin=url, open_timeout=10) as ws:  # type: ignore[arg-type]
            ws.send(json.dumps({"type": "start"}))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                message = json.loads(ws.recv(timeout=10))
                if message.get("event") == "hold_completed":
                    break
            else:
                pytest.fail("no hold completed")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "hipflex stopped" in out
    with open_database(data_dir) as db:
        [record] = db.repository.recent_sessions(5)
    assert record.status.value == "partial"
    assert record.reps_done >= 1


def test_a_busy_port_is_a_clear_error(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "hipflex",
                "serve",
                "--no-browser",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
