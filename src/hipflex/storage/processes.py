"""Is the process that owns an in-progress session still running on this machine?"""

from __future__ import annotations

import os
import socket
from pathlib import Path

# The largest process id any Unix hands out (pid_t is a signed 32-bit integer); an imported
# session's pid must be within 1..MAX_PID.
MAX_PID = 2**31 - 1


def this_host() -> str:
    """The name sessions record as their host."""
    return socket.gethostname()


def process_is_alive(pid: object) -> bool:
    """True when ``pid`` is a running process here (a zombie, already dead, counts as gone).

    Any stored value is answered, never raised on: a pid that no process can have (None,
    text, a fraction, zero, negative, beyond ``MAX_PID``) is not alive.

    A pid can be reused after its process dies; then a dead session looks alive and stays
    in progress until that other process ends. That errs on the side of leaving a session
    alone, never on marking a live one partial.
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid <= MAX_PID:
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
