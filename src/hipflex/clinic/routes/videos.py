"""Patients' videos: the upload form's target, the list on the patient pages, one video's
analysis (page, JSON for the page's poll, the annotated video).

Every route is scoped like the other patient routes (``Videos`` checks ``patient_for``): a
clinician of another clinic, another clinician or another patient gets 404, an admin 403.
The upload is bounded before its body is read (``Content-Length``), copied to the data dir
under a server-chosen name while counted and hashed, then opened and decoded (a real video,
whatever its name says) before its row and job are written, together.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from hipflex.clinic.auth import check_csrf, page_principal
from hipflex.clinic.context import ClinicContext, clinic_context
from hipflex.clinic.templating import render
from hipflex.domain.clinic import Role
from hipflex.services.clinic.accounts import Principal
from hipflex.services.clinic.errors import ClinicError, InvalidInput, NotFound
from hipflex.services.clinic.video_analysis import UnusableVideo
from hipflex.services.clinic.video_files import VideoFiles, VideoSettings
from hipflex.services.clinic.videos import StagedVideo, VideoView

router = APIRouter(include_in_schema=False)
Context = Annotated[ClinicContext, Depends(clinic_context)]
LoggedIn = Annotated[Principal, Depends(page_principal)]
FORM_OVERHEAD_BYTES = 64 * 1024  # the multipart envelope and the CSRF field
COPY_CHUNK_BYTES = 1 << 20
VIDEO_UPLOAD_PATH = re.compile(r"/patients/[^/]+/videos")  # the one route with large bodies


class TooLarge(ClinicError):
    status = 413


class NotYet(ClinicError):
    status = 409


class VideosOff(ClinicError):
    status = 503


def _settings(context: ClinicContext) -> VideoSettings:
    if context.video_settings is None:
        raise VideosOff("video uploads are not set up on this server (it has no data dir)")
    return context.video_settings


def _page_for(principal: Principal, patient_id: str) -> str:
    return "/me" if principal.account.id == patient_id else f"/patients/{patient_id}"


@router.get("/patients/{patient_id}/videos", response_class=HTMLResponse)
def videos_page(
    request: Request, patient_id: str, context: Context, principal: LoggedIn
) -> Response:
    videos = context.videos.for_patient(principal, patient_id, context.now())
    clinician = principal.account.role is Role.CLINICIAN
    return render(
        request,
        "videos.html",
        principal,
        patient_id=patient_id,
        patient_name=videos.patient_name if clinician else "",
        views=videos.views,
        back=_page_for(principal, patient_id),
        limits=_settings(context),
    )


@router.get("/patients/{patient_id}/videos/list", response_class=HTMLResponse)
def videos_fragment(
    request: Request, patient_id: str, context: Context, principal: LoggedIn
) -> Response:
    """The list alone, for the patient pages' panel (fetched and refreshed by videos.js)."""
    views = context.videos.for_patient(principal, patient_id, context.now()).views
    return render(request, "video_list.html", principal, views=views, patient_id=patient_id)


@router.get("/patients/{patient_id}/videos/status")
def videos_status(patient_id: str, context: Context, principal: LoggedIn) -> JSONResponse:
    uploads = context.videos.statuses(principal, patient_id)
    return JSONResponse(
        [{"id": u.id, "status": u.status.value, "progress_pct": u.progress_pct} for u in uploads],
        headers={"Cache-Control": "no-store"},
    )


@router.post("/patients/{patient_id}/videos")
async def upload_video(
    request: Request, patient_id: str, context: Context, principal: LoggedIn
) -> Response:
    settings = _settings(context)
    # 403/404 before a byte is read; the database work off the event loop, as the copy.
    await run_in_threadpool(context.videos.check_upload, principal, patient_id)
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise ClinicError("send the video as a form upload (its size must be known)")
    if int(declared) > settings.max_bytes + FORM_OVERHEAD_BYTES:
        raise TooLarge(_too_large(settings.max_bytes))
    await check_csrf(request, principal)
    form = await request.form(max_files=1, max_fields=5)
    video = form.get("video")
    if not isinstance(video, UploadFile) or not video.filename:
        raise InvalidInput(["video: choose a video file to upload"])
    files = VideoFiles(settings.data_dir).ensure()
    staged = await run_in_threadpool(_stage, video, files, settings, context)
    try:
        added = await run_in_threadpool(
            context.videos.add, principal, patient_id, staged, context.now()
        )
    except BaseException:
        files.remove_upload(staged.stored_name)  # nothing half-written: no row, no file
        raise
    if not added.keep_file:
        files.remove_upload(staged.stored_name)
    return RedirectResponse(f"/videos/{added.upload.id}", status_code=303)


def _too_large(max_bytes: int) -> str:
    return f"the video is larger than {max_bytes / 1e6:.0f} MB; upload a shorter or smaller one"


def _stage(
    video: UploadFile, files: VideoFiles, settings: VideoSettings, context: ClinicContext
) -> StagedVideo:
    """Copy the upload to the data dir (server-chosen name), counting and hashing it, then
    check it is a video within the limits; the copy is removed on any refusal."""
    import hashlib

    name = files.new_upload_name()
    path = files.upload_path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("xb") as out:
            video.file.seek(0)
            while chunk := video.file.read(COPY_CHUNK_BYTES):
                size += len(chunk)
                if size > settings.max_bytes:
                    raise TooLarge(_too_large(settings.max_bytes))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput(["video: the file is empty"])
        try:
            duration_s = context.probe_video(path)
        except UnusableVideo as exc:
            raise InvalidInput([f"video: {exc}"]) from None
        if duration_s > settings.max_duration_s:
            raise InvalidInput(
                [
                    f"video: it lasts {duration_s / 60:.1f} minutes; the limit is "
                    f"{settings.max_duration_s / 60:.0f} minutes"
                ]
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    original = Path(video.filename or "video").name
    return StagedVideo(name, original, size, duration_s, digest.hexdigest())


@router.get("/videos/{video_id}", response_class=HTMLResponse)
def video_page(request: Request, video_id: str, context: Context, principal: LoggedIn) -> Response:
    view = context.videos.view(principal, video_id, context.now())
    return render(
        request,
        "video.html",
        principal,
        view=view,
        back=_page_for(principal, view.upload.patient_id),
        show_patient_link=principal.account.role is Role.CLINICIAN,
    )


@router.get("/videos/{video_id}/status")
def video_status(video_id: str, context: Context, principal: LoggedIn) -> JSONResponse:
    """The upload's state and, once done, its result (the page polls this)."""
    view = context.videos.view(principal, video_id, context.now())
    return JSONResponse(video_json(view), headers={"Cache-Control": "no-store"})


@router.get("/videos/{video_id}/annotated.mp4")
def annotated_video(video_id: str, context: Context, principal: LoggedIn) -> Response:
    view = context.videos.view(principal, video_id, context.now())
    if view.result is None:
        raise NotYet("the analysis of this video is not finished")
    if view.result.annotated_name is None:
        raise NotFound("this video has no annotated copy")
    path = VideoFiles(_settings(context).data_dir).result_path(view.result.annotated_name)
    if not path.exists():
        raise NotFound("the annotated video is no longer on the server")
    return FileResponse(
        path,
        media_type="video/mp4",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def video_json(view: VideoView) -> dict[str, Any]:
    upload, result = view.upload, view.result
    data: dict[str, Any] = {
        "id": upload.id,
        "patient_id": upload.patient_id,
        "name": upload.original_name,
        "uploaded_at": upload.uploaded_at.isoformat(),
        "status": upload.status.value,
        "progress_pct": upload.progress_pct,
        "error": upload.error or None,
        "result": None,
    }
    if result is not None:
        data["result"] = {
            "duration_s": round(result.duration_s, 2),
            "good_form_s": result.good_form_s,
            "in_position_s": result.in_position_s,
            "good_form_s_by_side": result.good_form_s_by_side,
            "max_hip_extension_deg": result.max_hip_extension_deg,
            "median_hip_extension_good_form_deg": result.median_hip_extension_good_form_deg,
            "kneeling_side": result.kneeling_side,
            "per_second": [asdict(s) for s in result.per_second],  # every field, in order
            "warnings": list(result.warnings),
            "annotated_video": f"/videos/{upload.id}/annotated.mp4"
            if result.annotated_name
            else None,
        }
    return data
