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


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for hipflex.test and 127.0.0.1 (what mkcert makes, minus its local CA)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hipflex.test",
            "-addext", "subjectAltName=DNS:hipflex.test,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _https_get(url: str, cert: Path, host: str) -> tuple[int, dict[str, str]]:
    import http.client
    import ssl
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    context = ssl.create_default_context(cafile=str(cert))
    connection = http.client.HTTPSConnection(
        parts.hostname or "", parts.port, context=context, timeout=10
    )
    try:
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def test_https_with_a_certificate_and_extra_names(data_dir: Path, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    process = subprocess.Popen(
        [
            sys.executable, "-m", "hipflex", "serve", "--no-browser", "--port", "0",
            "--data-dir", str(data_dir), "--certfile", str(cert), "--keyfile", str(key),
            "--name", "hipflex.test",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("hipflex is running at https://127.0.0.1:"), line
        url = line.split("running at ")[1].split()[0]
        port = url.rstrip("/").rsplit(":", 1)[1]
        status, headers = _https_get(url, cert, f"hipflex.test:{port}")
        assert status == 200
        # The page's own wss: is covered by 'self'; the Host header never reaches the policy.
        assert "connect-src 'self';" in headers["content-security-policy"]
        assert "hipflex.test" not in headers["content-security-policy"]
        assert _https_get(url, cert, f"127.0.0.1:{port}")[0] == 200
        assert _https_get(url, cert, f"evil.test:{port}")[0] == 403
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert "WARNING" not in err  # loopback: nothing is exposed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--certfile", "cert.pem"], "needs both --certfile and --keyfile"),
        (["--certfile", "missing.pem", "--keyfile", "missing.pem"], "missing.pem: no such file"),
        (["--certfile", "junk.pem", "--keyfile", "junk.pem"], "not a certificate and its key"),
        (["--behind-proxy"], "--behind-proxy needs the name the proxy serves"),
        (["--name", "https://hipflex.test"], "is not a host name or IP address"),
        (["--host", "no-such-host.invalid"], "cannot find the address of"),
    ],
)
def test_bad_listening_options_are_clear_errors(
    data_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "cert.pem").write_text("x")
    (tmp_path / "junk.pem").write_text("not a pem")
    result = subprocess.run(
        [sys.executable, "-m", "hipflex", "serve", "--no-browser", "--port", "0",
         "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
