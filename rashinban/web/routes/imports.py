"""Import pages: upload → check (dry run, with a preview and a report) → confirm → load.

Checks and loads run as durable jobs (``svc.imports.jobs``): their progress and report live
in the store, so any worker answers the polling page and a restart loses nothing.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rashinban.errors import ForbiddenError, IngestError, NotFoundError
from rashinban.i18n import render_error, t
from rashinban.service import ImportJob, Permission, Reject, reject_text, safe_upload_name
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, is_htmx
from rashinban.web.templating import render

router = APIRouter()
SUFFIXES = (".csv", ".xlsx", ".txt", ".tsv")


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


def note_text(note: dict[str, Any], lang: str) -> str:
    params = dict(note)
    by = params.pop("by", None)
    params["by_text"] = " (" + ", ".join(f"{k}: {v:,}" for k, v in by.items()) + ")" if by else ""
    return t(f"import.note.{note['code']}", lang, **params)


def job_json(job: ImportJob, lang: str) -> dict[str, Any]:
    """The job with its texts in the reader's language."""
    out = job.as_dict(render_error(job.error, lang) if job.error is not None else None)
    out["rejects"] = [
        {**{k: r[k] for k in ("row", "column", "value", "reason")}, "message": reject_text(Reject(**r), lang)}
        for r in job.rejects
    ]
    if out["result"] is not None:
        out["result"] = dict(out["result"])
        out["result"]["notes_text"] = [note_text(n, lang) for n in out["result"].get("notes") or []]
    return out


def _job_view(ctx: Ctx, job: ImportJob, status_code: int = 200, mapping_error: str = "") -> Response:
    """The job's card; while it can be confirmed, with the mapping step for the owners that
    match no member (a member each, or a team to create them in) and the unknown stages."""
    data = job_json(job, ctx.lang)
    unit = t(f"forms.import.unit_{'rows' if job.unit == 'rows' else 'bytes'}", ctx.lang)
    view = {**data, "rate": job.rate}
    people = job.people
    scopes = (
        ctx.service.dashboards.scopes(ctx.model) if people.get("owners_unmatched") and job.can_confirm else []
    )
    return render(
        ctx,
        "partials/import_job.html",
        status_code=status_code,
        job=view,
        unit=unit,
        people=people,
        scopes=scopes,
        mapping_error=mapping_error,
    )


def form_choices(form: dict[str, str]) -> dict[str, Any]:
    """The mapping step's fields (owner_label_N/owner_choice_N, stage_value_N/stage_choice_N,
    owners_team) as an import's choices."""
    owners = {
        form[k]: form.get(k.replace("owner_label_", "owner_choice_"), "")
        for k in form
        if k.startswith("owner_label_")
    }
    stages = {
        form[k]: form.get(k.replace("stage_value_", "stage_choice_"), "")
        for k in form
        if k.startswith("stage_value_")
    }
    team = form.get("owners_team", "").removeprefix("team:")
    return {"owners": owners, "stages": stages, "team": team if team.isdigit() else None}


async def _receive(ctx: Ctx, request: Request) -> tuple[ImportJob | None, dict[str, str], dict[str, str]]:
    """Store the upload in the spool and queue its check.  Returns (job, errors, values)."""
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
    svc = ctx.service
    if preset is not None and preset not in svc.imports.preset_names():
        errors["preset"] = t("forms.err.bad_choice", ctx.lang)
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = t("forms.err.file_missing", ctx.lang)
        return None, errors, values
    name = safe_upload_name(upload.filename)
    if not name.lower().endswith(SUFFIXES):
        errors["file"] = t("forms.err.file_type", ctx.lang)
    if errors:
        return None, errors, values
    folder = await run_in_threadpool(svc.imports.jobs.new_folder)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit or size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        return None, too_big if size else {"file": t("forms.err.file_missing", ctx.lang)}, values
    skip = values.get("skip_invalid") in ("on", "1", "true")

    def queue() -> ImportJob:
        jobs = svc.imports.jobs
        return jobs.get(jobs.start(path, preset, skip))

    return await run_in_threadpool(queue), {}, values


@router.get("/import", include_in_schema=False)
def import_page(ctx: PageCtx) -> Response:
    return _page(ctx, 200 if _allowed(ctx) else 403)


@router.post("/import/upload", include_in_schema=False)
async def import_upload(ctx: PageCtx, request: Request) -> Response:
    if not _allowed(ctx):
        return await run_in_threadpool(_page, ctx, 403)
    job, errors, values = await _receive(ctx, request)
    if job is None:
        status = 413 if "file" in errors and "MB" in errors["file"] else 422
        if is_htmx(request):
            return render(ctx, "partials/import_errors.html", status_code=status, errors=errors)
        return await run_in_threadpool(_page, ctx, status, errors=errors, values=values)
    if is_htmx(request):
        return _job_view(ctx, job, 202)
    view = {**job_json(job, ctx.lang), "rate": job.rate}
    unit = t(f"forms.import.unit_{'rows' if job.unit == 'rows' else 'bytes'}", ctx.lang)
    return await run_in_threadpool(_page, ctx, 202, job=view, unit=unit)


def _id(text: str) -> int:
    """A job id from the URL (anything else is an unknown job: 404)."""
    if not text.isdigit() or len(text) > 18:
        raise NotFoundError("import_expired", id=text[:40])
    return int(text)


def _expired(ctx: Ctx) -> Response:
    errors = {"form": t("forms.import.expired", ctx.lang)}
    return render(ctx, "partials/import_errors.html", status_code=404, errors=errors)


@router.get("/import/jobs/{job_id}", include_in_schema=False)
def import_job(ctx: PageCtx, job_id: str) -> Response:
    try:
        return _job_view(ctx, ctx.service.imports.jobs.get(_id(job_id)))
    except NotFoundError:
        return _expired(ctx)


@router.post("/import/jobs/{job_id}/confirm", include_in_schema=False)
def import_confirm(ctx: PageCtx, form: FormFields, job_id: str) -> Response:
    if not _allowed(ctx):
        return _page(ctx, 403)
    jobs = ctx.service.imports.jobs
    try:
        new = jobs.confirm(_id(job_id), form.get("skip_invalid") in ("on", "1", "true"), form_choices(form))
    except NotFoundError:
        return _expired(ctx)
    except IngestError as e:  # an owner left without a member or a team: the same step again
        message = t("forms.import.owners_unmapped", ctx.lang, owners=e.params.get("owners", ""))
        return _job_view(ctx, jobs.get(_id(job_id)), 422, mapping_error=message)
    return _job_view(ctx, jobs.get(new), 202)


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
    return JSONResponse(job_json(job, ctx.lang), status_code=202)


def _not_found(ctx: Ctx) -> JSONResponse:
    return JSONResponse(
        {"error": "not_found", "message": t("forms.import.expired", ctx.lang)}, status_code=404
    )


@router.get("/api/imports/{job_id}", summary="An import job: progress, report, result")
def api_job(ctx: ApiCtx, job_id: str) -> Response:
    try:
        return JSONResponse(job_json(ctx.service.imports.jobs.get(_id(job_id)), ctx.lang))
    except NotFoundError:
        return _not_found(ctx)


class ImportChoices(BaseModel):
    """The mapping step: owners the file names that match no member, and stages not in the funnel."""

    model_config = ConfigDict(extra="ignore")
    owners: dict[str, str] = Field(
        default_factory=dict, description="owner label → member id, or new:TEAM_ID to create it in that team"
    )
    stages: dict[str, str] = Field(default_factory=dict, description="the file's stage → a funnel stage")
    team: int | None = Field(default=None, description="create every other unmatched owner in this team")


@router.post(
    "/api/imports/{job_id}/confirm",
    status_code=202,
    summary="Load a checked file (skip_invalid=true loads the valid rows); answers the load job",
)
def api_confirm(
    ctx: ApiCtx, job_id: str, skip_invalid: bool = False, choices: ImportChoices | None = None
) -> Response:
    if not _allowed(ctx):
        e = ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        return JSONResponse({"error": e.code, "message": render_error(e, ctx.lang)}, status_code=403)
    jobs = ctx.service.imports.jobs
    try:
        new = jobs.confirm(_id(job_id), skip_invalid, choices.model_dump() if choices else None)
    except NotFoundError:
        return _not_found(ctx)
    except IngestError as e:  # owners matching no member, without a choice: nothing queued
        body = {"error": e.code, "message": render_error(e, ctx.lang), "owners": e.params.get("labels", [])}
        return JSONResponse(body, status_code=422)
    return JSONResponse(job_json(jobs.get(new), ctx.lang), status_code=202)
