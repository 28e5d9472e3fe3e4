"""User-facing errors. Edges print ``message`` (no traceback) and exit with ``exit_code``."""

from __future__ import annotations

from os import PathLike


class HipflexError(Exception):
    """An error the user can act on: bad input, missing device, unusable data dir."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProtocolError(HipflexError):
    """A protocol file or name is not usable (message is ``FILE:LINE: field: problem``)."""


class DataDirError(HipflexError):
    """The data directory is missing, unwritable or otherwise unusable."""


class DatabaseError(HipflexError):
    """The history database is corrupt, from a newer hipflex, or unreachable."""


class MediaError(HipflexError):
    """An image or video cannot be read, or holds no usable frames."""


class CameraError(HipflexError):
    """The camera is missing, busy or refuses to deliver frames."""


class ImportFileError(HipflexError):
    """An import file is malformed; nothing was imported."""


class CannotWriteError(HipflexError):
    """A file could not be written: ``cannot write PATH: reason`` (the one wording for it)."""

    def __init__(
        self, path: str | PathLike[str], reason: str | OSError, *, hint: str | None = None
    ) -> None:
        if isinstance(reason, OSError):
            reason = reason.strerror or str(reason)
        super().__init__(f"cannot write {path}: {reason}", hint=hint)
        self.path = path


class HistoryWriteError(DatabaseError):
    """The history refused a write (disk full, I/O error). Everything committed before it is
    kept; the write that failed was rolled back whole."""


class ConflictError(Exception):
    """A unique key was already taken (an e-mail, a name); ``what`` says which.

    Raised by the clinic store's transactions; the clinic use cases turn it into words.
    """

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
