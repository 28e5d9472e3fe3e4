"""422 answers that say what was wrong without echoing what was sent.

FastAPI's own answer repeats each invalid value in full: a 10 MB body came back as a 10 MB
error. Here each value is cut to a short preview, and only the first errors are listed.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ERRORS = 20  # listed; the rest are counted
MAX_ECHO_CHARS = 100  # of any value sent (an input, a field name) that an error repeats


def capped(value: Any) -> Any:
    """``value`` when short; else the start of its JSON text and its full length."""
    text = value if isinstance(value, str) else json.dumps(jsonable_encoder(value))
    if len(text) <= MAX_ECHO_CHARS:
        return value
    return f"{text[:MAX_ECHO_CHARS]}… ({len(text):,} characters)"


def capped_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The body of a 422: the first ``MAX_ERRORS`` errors, each echo cut short."""
    detail = []
    for error in errors[:MAX_ERRORS]:
        entry = {key: value for key, value in error.items() if key not in ("input", "ctx")}
        entry["loc"] = [capped(part) for part in error.get("loc", ())]
        if "input" in error:
            entry["input"] = capped(error["input"])
        if "ctx" in error:
            entry["ctx"] = {key: capped(value) for key, value in error["ctx"].items()}
        detail.append(entry)
    body: dict[str, Any] = {"detail": jsonable_encoder(detail)}
    if len(errors) > MAX_ERRORS:
        body["more_errors"] = len(errors) - MAX_ERRORS
    return body


async def validation_error_response(_request: Request, exc: Exception) -> JSONResponse:
    """The app's handler for :class:`RequestValidationError`."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(capped_errors(list(exc.errors())), status_code=422)
