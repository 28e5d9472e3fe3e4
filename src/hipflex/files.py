"""Writing files so that a reader never sees half of one: a temp file, then a rename.

Edges (exports, reports, calendars) and adapters (settings, reminder state, autostart entries)
all write through here, so every failure reads the same: ``cannot write PATH: reason``. Files
are created readable by their owner only (``mkstemp``): they hold health records.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from hipflex.errors import CannotWriteError


@contextmanager
def atomic_file(
    path: Path, *, binary: bool = False, newline: str | None = None, hint: str | None = None
) -> Iterator[IO[Any]]:
    """A stream (UTF-8 text, or bytes when ``binary``) that becomes ``path`` when the block
    ends without an error.

    The temp file is created next to ``path`` (a rename is atomic only within one file
    system) and removed on any failure; an ``OSError`` becomes :class:`CannotWriteError`.
    """
    target = path.expanduser()
    try:
        handle, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise CannotWriteError(path, exc, hint=hint) from None
    tmp = Path(tmp_name)
    try:
        if binary:
            with os.fdopen(handle, "wb") as stream:
                yield stream
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
                yield stream
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CannotWriteError(path, exc, hint=hint) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomically(path: Path, content: str | bytes, *, hint: str | None = None) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` in one step: all of it or nothing."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_file(path, binary=True, hint=hint) as stream:
        stream.write(data)
