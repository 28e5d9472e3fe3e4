"""The Camera check page: the in-browser pose model on the person's own camera."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hipflex.web.pose_assets import installed
from hipflex.web.templating import render

router = APIRouter()


@router.get("/camera-check", response_class=HTMLResponse)
def camera_check_page(request: Request) -> HTMLResponse:
    assets = installed()
    return render(request, "camera_check.html", pose_version=assets.version if assets else None)
