"""What the clinic's use cases refuse, with the HTTP status an edge answers with."""

from __future__ import annotations

from hipflex.errors import HipflexError


class ClinicError(HipflexError):
    """A request the clinic refuses; ``status`` is the HTTP status that fits."""

    status = 400


class NotFound(ClinicError):
    """No such thing, or not one the person may know about (another clinic's, another
    patient's): the two are answered the same way so ids cannot be probed."""

    status = 404


class Forbidden(ClinicError):
    """The person's role may not do this (a patient opening the dashboard)."""

    status = 403


class InvalidInput(ClinicError):
    """Input that cannot be used; ``problems`` lists each, in plain words."""

    status = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Conflict(ClinicError):
    status = 409


class AuthFailed(ClinicError):
    """Wrong e-mail or password, unknown/expired/used invite, revoked session or token."""

    status = 401


class RateLimited(ClinicError):
    """Too many failed attempts: locked out for ``retry_after_s`` seconds."""

    status = 429

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
