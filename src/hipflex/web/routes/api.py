"""The JSON API: the after-session check-in (pain and a note), and a health probe."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hipflex.web.context import WebContext
from hipflex.web.security import csrf_valid
from hipflex.web.templating import web_context

router = APIRouter(prefix="/api")
Context = Annotated[WebContext, Depends(web_context)]
MAX_NOTE_CHARS = 2000


class CheckIn(BaseModel):
    """Pain after the session (0-10) and a free-text note; both optional."""

    model_config = ConfigDict(extra="forbid")

    pain_after: int | None = Field(None, ge=0, le=10, strict=True)
    pain_before: int | None = Field(None, ge=0, le=10, strict=True)
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)


@router.get("/health")
def health() -> dict[str, bool]:
    return {"ok": True}


@router.post("/sessions/{session_id}/checkin")
def check_in(
    session_id: str,
    body: CheckIn,
    context: Context,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> dict[str, object]:
    if not csrf_valid(x_csrf_token, context.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    repository = context.repository
    if repository.get_session(session_id) is None:
        raise HTTPException(status_code=404, detail="no such session")
    now = context.new_clock().now()
    saved: list[str] = []
    if body.pain_before is not None:
        repository.record_pain(session_id, "before", body.pain_before, now)
        saved.append("pain_before")
    if body.pain_after is not None:
        repository.record_pain(session_id, "after", body.pain_after, now)
        saved.append("pain_after")
    if body.note is not None and body.note.strip():
        repository.add_note(session_id, body.note.strip(), now)
        saved.append("note")
    return {"ok": True, "saved": saved}
