"""A genuinely full disk for a child process, without root: a file-size limit.

``RLIMIT_FSIZE`` caps the size any file the process writes may reach; a write past it fails
in the kernel (``EFBIG``, or a short write), exactly as on a full disk, and SQLite answers
"disk I/O error" / "database or disk is full". Tests run hipflex in a subprocess under the
limit, so the test process itself (pytest, screenshots, the browser) writes freely.
SIGXFSZ, which would kill the process at the limit, is ignored so the write error surfaces.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# SQLite's shared-memory index (-shm) is 32 KiB and must fit; the write-ahead log then gets
# the rest: about 8 pages of 4 KiB, which a session fills after a few holds.
WAL_ROOM_BYTES = 65_536
KEPT = re.compile(r"Kept in your history: the session's start and (\d+) completed holds?")


def limit_file_size(limit_bytes: int = WAL_ROOM_BYTES) -> Callable[[], None]:
    """A ``preexec_fn`` that caps every file the child writes at ``limit_bytes``."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


def hipflex_on_full_disk(*args: str, **popen: Any) -> subprocess.Popen[str]:
    """``python -m hipflex ARGS`` in a child whose files cannot grow past the limit."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.Popen(
        [sys.executable, "-m", "hipflex", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=limit_file_size(),
        **popen,
    )


def holds_kept(message: str) -> int:
    """The number of holds a "not saved" message says the history kept."""
    found = KEPT.search(" ".join(message.split()))
    assert found, message
    return int(found.group(1))


def migrated(data_dir: Path) -> None:
    """Create the history before the limit applies (its file is then only rewritten)."""
    from hipflex.storage.db import open_database

    with open_database(data_dir):
        pass
