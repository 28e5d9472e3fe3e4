"""The device token, in a file of its own in the data dir, readable by its owner only (0600).

It is written once when linking and never printed again; ``hipflex clinic unlink`` removes it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from hipflex.errors import HipflexError

TOKEN_FILE = "clinic-device-token"


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def save_token(data_dir: Path, token: str) -> Path:
    """Write the token atomically with mode 0600 (the temporary file is 0600 from birth)."""
    path = token_path(data_dir)
    temporary = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, token.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return path


def load_token(data_dir: Path) -> str | None:
    """The token, or None when there is none. A file others can read is refused."""
    path = token_path(data_dir)
    try:
        mode = path.stat().st_mode & 0o777
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise HipflexError(f"cannot read the clinic token {path}: {exc}") from None
    if mode & 0o077:
        raise HipflexError(
            f"{path} can be read by other users (mode {mode:o}); it holds your clinic token",
            hint=f"chmod 600 {path}, or run hipflex clinic link again",
        )
    return text or None


def forget_token(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        token_path(data_dir).unlink()
