"""Is the process that owns an in-progress session still running on this machine?"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_host() -> str:
    """The name sessions record as their host."""
    return socket.gethostname()


def process_is_alive(pid: int) -> bool:
    """True when ``pid`` is a running process here (a zombie, already dead, counts as gone).

    A pid can be reused after its process dies; then a dead session looks alive and stays
    in progress until that other process ends. That errs on the side of leaving a session
    alone, never on marking a live one partial.
    """
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    # Linux only: a killed child that its parent has not reaped yet is still signalable.
    stat = Path(f"/proc/{pid}/stat")
    try:
        text = stat.read_text()
    except OSError:
        return False
    state = text.rpartition(")")[2].split()
    return bool(state) and state[0] in ("Z", "X")
