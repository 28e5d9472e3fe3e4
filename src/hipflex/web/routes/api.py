"""The JSON API: the after-session check-in (pain and a note), and a health probe."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hipflex.domain.records import PAIN_MAX, PAIN_MIN
from hipflex.services.session_check_in import CheckIn, UnknownSessionError, check_in_after
from hipflex.web.context import WebContext
from hipflex.web.security import csrf_valid
from hipflex.web.templating import web_context

router = APIRouter(prefix="/api")
Context = Annotated[WebContext, Depends(web_context)]
MAX_NOTE_CHARS = 2000


class CheckInBody(BaseModel):
    """Pain before/after the session and a free-text note; all optional."""

    model_config = ConfigDict(extra="forbid")

    pain_after: int | None = Field(None, ge=PAIN_MIN, le=PAIN_MAX, strict=True)
    pain_before: int | None = Field(None, ge=PAIN_MIN, le=PAIN_MAX, strict=True)
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)


@router.get("/health")
def health() -> dict[str, bool]:
    return {"ok": True}


@router.post("/sessions/{session_id}/checkin")
def check_in(
    session_id: str,
    body: CheckInBody,
    context: Context,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> dict[str, object]:
    if not csrf_valid(x_csrf_token, context.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    what = CheckIn(body.pain_before, body.pain_after, body.note)
    try:
        saved = check_in_after(context.repository, session_id, what, context.clock.now())
    except UnknownSessionError:
        raise HTTPException(status_code=404, detail="no such session") from None
    return {"ok": True, "saved": saved}
