"""``hipflex start`` when the disk fills mid-session: a clear message, a non-zero exit, and
the holds saved before the error still in the history (a real file-size limit, no mocks)."""

from __future__ import annotations

from pathlib import Path

from tests.full_disk import hipflex_on_full_disk, holds_kept, migrated

from hipflex.domain.events import SessionStatus
from hipflex.storage.db import open_database


def test_a_full_disk_mid_session_says_what_was_kept(data_dir: Path) -> None:
    migrated(data_dir)
    process = hipflex_on_full_disk(
        "start", "--no-input", "--quiet", "--speed", "1000", "--data-dir", str(data_dir)
    )
    out, err = process.communicate(timeout=120)

    assert process.returncode == 2, out + err
    assert "Traceback" not in err and "sqlalchemy" not in err.lower(), err
    message = " ".join(err.split())
    assert message.startswith(f"error: could not write to the history {data_dir}"), message
    assert "disk I/O error" in message or "database or disk is full" in message, message
    assert "Not saved: the hold that had just ended" in message, message
    assert "hint: free some disk space" in message, message
    # Nothing after the failure claims to be saved, and no summary of a saved session.
    assert "Saved:" not in out and "Session saved" not in out, out
    kept = holds_kept(message)
    assert kept >= 1, message  # the limit leaves room for a few holds: a mid-session failure
    with open_database(data_dir) as database:  # no limit now: the next run opens it
        [session] = database.repository.recent_sessions(5)
    assert len(session.holds) == kept, (session, message)
    assert session.status is SessionStatus.PARTIAL
