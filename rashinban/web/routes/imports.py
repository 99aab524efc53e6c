"""Import page: upload CSV/XLSX, preset or auto-detect, preview, dry-run report, confirm;
long imports run in a background thread and the page polls their progress."""

from __future__ import annotations

import os
import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from rashinban.errors import ForbiddenError
from rashinban.i18n import render_error, t
from rashinban.service import Permission
from rashinban.web import import_jobs as J
from rashinban.web.deps import ApiCtx, Ctx, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, form_data, is_htmx
from rashinban.web.templating import render

router = APIRouter()


def limit_mb() -> int:
    try:
        return max(1, int(os.environ.get("RASHINBAN_UPLOAD_MB", "100")))
    except ValueError:
        return 100


def _allowed(ctx: Ctx) -> bool:
    return ctx.user is not None and ctx.service.can(Permission.IMPORT)


def _page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    data: dict[str, Any] = {
        "allowed": _allowed(ctx),
        "presets": ctx.service.imports.presets() if _allowed(ctx) else [],
        "limit": limit_mb(),
        "errors": {},
        "values": {},
        "job": None,
        "htmx_config": HTMX_CONFIG,
        **extra,
    }
    return render(ctx, "import.html", status_code=status_code, **data)


def _job_view(ctx: Ctx, job: J.Job, status_code: int = 200) -> Response:
    return render(
        ctx, "partials/import_job.html", status_code=status_code, job=job, unit=J.unit_text(job, ctx.lang)
    )


async def _receive(ctx: Ctx, request: Request) -> tuple[J.Job | None, dict[str, str], dict[str, str]]:
    """Store the upload in a temporary folder and start its check.  Returns (job, errors, values)."""
    limit = limit_mb() * 1024 * 1024
    length = request.headers.get("content-length", "")
    too_big = {"file": t("forms.err.file_too_large", ctx.lang, limit=limit_mb())}
    if length.isdigit() and int(length) > limit + 64 * 1024:
        return None, too_big, {}
    try:
        form = await request.form(max_files=2, max_fields=20)
    except Exception:
        return None, {"file": t("forms.err.file_missing", ctx.lang)}, {}
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("file")
    preset = (values.get("preset") or "").strip() or None
    errors: dict[str, str] = {}
    if preset is not None and preset not in {p["name"] for p in ctx.service.imports.presets()}:
        errors["preset"] = t("forms.err.bad_choice", ctx.lang)
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = t("forms.err.file_missing", ctx.lang)
        return None, errors, values
    name = J.safe_name(upload.filename)
    if not name.lower().endswith(J.SUFFIXES):
        errors["file"] = t("forms.err.file_type", ctx.lang)
    if errors:
        return None, errors, values
    folder = J.new_folder()
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        shutil.rmtree(folder, ignore_errors=True)
        return None, too_big, values
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        return None, {"file": t("forms.err.file_missing", ctx.lang)}, values
    skip = values.get("skip_invalid") in ("on", "1", "true")
    return J.start(ctx.service, folder, path, preset, skip), {}, values


@router.get("/import", include_in_schema=False)
def import_page(ctx: PageCtx) -> Response:
    return _page(ctx, 200 if _allowed(ctx) else 403)


@router.post("/import/upload", include_in_schema=False)
async def import_upload(ctx: PageCtx, request: Request) -> Response:
    if not _allowed(ctx):
        return _page(ctx, 403)
    job, errors, values = await _receive(ctx, request)
    if job is None:
        status = 413 if "file" in errors and "MB" in errors["file"] else 422
        if is_htmx(request):
            return render(ctx, "partials/import_errors.html", status_code=status, errors=errors)
        return _page(ctx, status, errors=errors, values=values)
    if is_htmx(request):
        return _job_view(ctx, job, 202)
    return _page(ctx, 202, job=job, unit=J.unit_text(job, ctx.lang))


def _find(ctx: Ctx, job_id: str) -> J.Job | None:
    assert ctx.user is not None
    return J.get(job_id, ctx.user.id, ctx.user.role == "admin")


@router.get("/import/jobs/{job_id}", include_in_schema=False)
def import_job(ctx: PageCtx, job_id: str) -> Response:
    job = _find(ctx, job_id)
    if job is None:
        return render(
            ctx,
            "partials/import_errors.html",
            status_code=404,
            errors={"form": t("forms.import.expired", ctx.lang)},
        )
    return _job_view(ctx, job)


@router.post("/import/jobs/{job_id}/confirm", include_in_schema=False)
async def import_confirm(ctx: PageCtx, request: Request, job_id: str) -> Response:
    form = await form_data(request)
    job = _find(ctx, job_id)
    if job is None or not job.can_confirm or not job.path.exists():
        return render(
            ctx,
            "partials/import_errors.html",
            status_code=404,
            errors={"form": t("forms.import.expired", ctx.lang)},
        )
    if not _allowed(ctx):
        return _page(ctx, 403)
    J.confirm(ctx.service, job, form.get("skip_invalid") in ("on", "1", "true"))
    return _job_view(ctx, job, 202)


# JSON twins ---------------------------------------------------------------------------
@router.get("/api/imports/presets", summary="Import presets (CRM column mappings)")
def api_presets(ctx: ApiCtx) -> dict[str, Any]:
    return {"presets": ctx.service.imports.presets()}


@router.post(
    "/api/imports",
    status_code=202,
    summary="Upload a file (multipart: file, preset, skip_invalid) and check it",
)
async def api_upload(ctx: ApiCtx, request: Request) -> Response:
    if not _allowed(ctx):
        raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
    job, errors, _ = await _receive(ctx, request)
    if job is None:
        status = 413 if "file" in errors and "MB" in errors["file"] else 422
        return JSONResponse({"error": "validation", "fields": errors}, status_code=status)
    return JSONResponse(job.as_dict(), status_code=202)


@router.get("/api/imports/{job_id}", summary="An import job: progress, report, result")
def api_job(ctx: ApiCtx, job_id: str) -> Response:
    job = _find(ctx, job_id)
    if job is None:
        return JSONResponse(
            {"error": "not_found", "message": t("forms.import.expired", ctx.lang)}, status_code=404
        )
    return JSONResponse(job.as_dict())


@router.post(
    "/api/imports/{job_id}/confirm",
    status_code=202,
    summary="Load a checked file (skip_invalid=true loads the valid rows)",
)
def api_confirm(ctx: ApiCtx, job_id: str, skip_invalid: bool = False) -> Response:
    if not _allowed(ctx):
        e = ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        return JSONResponse({"error": e.code, "message": render_error(e, ctx.lang)}, status_code=403)
    job = _find(ctx, job_id)
    if job is None or not job.can_confirm or not job.path.exists():
        return JSONResponse(
            {"error": "not_found", "message": t("forms.import.expired", ctx.lang)}, status_code=404
        )
    J.confirm(ctx.service, job, skip_invalid)
    return JSONResponse(job.as_dict(), status_code=202)
