"""``hipflex serve`` when the disk fills mid-session (a real file-size limit on the server
process, no mocks): the page gets an error saying what was kept, the log says it, and the
shutdown message no longer claims everything was saved."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from tests.full_disk import hipflex_on_full_disk, holds_kept, migrated
from websockets.sync.client import connect

from hipflex.domain.events import SessionStatus
from hipflex.storage.db import open_database


def session_until_error(url: str) -> list[dict[str, Any]]:
    """Run a sped-up session over the WebSocket; the messages up to the connection's end."""
    host = url.removeprefix("http://")
    messages: list[dict[str, Any]] = []
    with connect(f"ws://{host}/ws/session", origin=url, open_timeout=10) as ws:  # type: ignore[arg-type]
        ws.send(json.dumps({"type": "start"}))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                message = json.loads(ws.recv(timeout=10))
            except Exception:  # the server closed the connection after the error
                return messages
            messages.append(message)
            if message.get("type") == "ended":
                return messages
    pytest.fail(f"the session neither failed nor ended: {messages[-3:]}")


def test_a_full_disk_mid_session_is_told_to_the_page_the_log_and_at_shutdown(
    data_dir: Path,
) -> None:
    migrated(data_dir)
    process = hipflex_on_full_disk(
        "serve", "--port", "0", "--no-browser", "--speed", "200", "--data-dir", str(data_dir)
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "hipflex is running at" in line, line
        url = line.split("running at ")[1].split()[0].rstrip("/")
        messages = session_until_error(url)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    [error] = [m for m in messages if m.get("type") == "error"]
    assert error["fatal"] is True
    text = error["message"]
    assert text.startswith(f"Could not write to the history {data_dir}"), text
    assert "Not saved: the hold that had just ended" in text, text
    assert text.endswith(
        "Free some disk space (or check the disk), then carry on: "
        "everything saved before this is kept."
    ), text
    kept = holds_kept(text)
    assert kept >= 1, text
    # The page is told the session ended; no hold after the error is reported as saved.
    after = messages[messages.index(error) :]
    assert {"type": "ended", "reason": "error"} in after, after
    assert not any(m.get("saved") for m in after), after
    saved_events = [m for m in messages if m.get("event") == "hold_completed" and m.get("saved")]
    assert len(saved_events) == kept

    assert "session not saved: could not write to the history" in err  # the server's log
    assert "Traceback" not in err, err
    assert "anything in progress was saved" not in out, out
    assert process.returncode == 2, out + err
    assert "hipflex stopped, but not everything was saved" in " ".join(err.split()), err

    with open_database(data_dir) as database:
        [session] = database.repository.recent_sessions(5)
    assert len(session.holds) == kept
    assert session.status is SessionStatus.PARTIAL
