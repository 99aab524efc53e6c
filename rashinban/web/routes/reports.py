"""Report files (PDF, XLSX, HTML) of the status, the KPI tree, the funnel, a review meeting
and a 1on1 — the buttons on each page and the API — and the 運用診断 (/admin/diagnose)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid
from rashinban.service import review_results as R
from rashinban.web.dashkit import RangeQ, ScopeQ
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["reports"], responses=error_responses(403))

Fmt = Literal["pdf", "xlsx", "html"]
ScopeKind = Literal["status", "tree", "funnel"]
FormatQ = Annotated[Fmt, Query(alias="format", description="pdf (A4), xlsx (one sheet per table) or html")]
MeetingId = Annotated[int, Path(ge=1, le=10**15, description="review meeting id")]
OneId = Annotated[int, Path(ge=1, le=10**15, description="1on1 id")]
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE = {
    200: {
        "description": "the report file",
        "content": {
            "application/pdf": BINARY,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": BINARY,
            "text/html": {"schema": {"type": "string"}},
        },
    },
    **error_responses(400, 404, 503),
}


class InputRulesIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    required: list[Literal["outcome", "deal", "lead", "account", "duration", "subject"]] = Field(
        default_factory=list, max_length=6
    )
    timing_hours: int | None = Field(default=None, ge=1, le=336)
    note: str | None = Field(default=None, max_length=4000)


def _send(f: Any, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(f.name)}"}
    return Response(f.data, media_type=f.content_type, headers=headers)


def _scope_report(ctx: Ctx, kind: str, scope: str | None, period: str | None, fmt: str) -> Response:
    reports = ctx.service.reviews.reports
    make = {"status": reports.status, "tree": reports.tree, "funnel": reports.funnel}[kind]
    return _send(make(scope, period, fmt, ctx.model), inline=fmt == "html")


# files -----------------------------------------------------------------------------------------
@router.get("/reports/{kind}.{fmt}", include_in_schema=False)
def scope_file(
    ctx: PageCtx, kind: ScopeKind, fmt: Fmt, scope: ScopeQ = None, period: RangeQ = None
) -> Response:
    return _scope_report(ctx, kind, scope, period, fmt)


@router.get("/reviews/{meeting_id:int}/report.{fmt}", include_in_schema=False)
def review_file(ctx: PageCtx, meeting_id: MeetingId, fmt: Fmt) -> Response:
    return _send(ctx.service.reviews.reports.review(meeting_id, fmt), inline=fmt == "html")


@router.get("/one-on-ones/{one_id:int}/report.{fmt}", include_in_schema=False)
def one_file(ctx: PageCtx, one_id: OneId, fmt: Fmt) -> Response:
    return _send(ctx.service.reviews.reports.oneonone(one_id, fmt), inline=fmt == "html")


@api.get(
    "/reports/{kind}",
    summary="The status, KPI tree or funnel of a scope as PDF, XLSX or HTML",
    response_class=Response,
    responses=FILE,
)
def api_scope_file(
    ctx: ApiCtx, kind: ScopeKind, fmt: FormatQ = "pdf", scope: ScopeQ = None, period: RangeQ = None
) -> Response:
    return _scope_report(ctx, kind, scope, period, fmt)


@api.get(
    "/reviews/{meeting_id}/report",
    summary="A review meeting as PDF, XLSX or HTML",
    response_class=Response,
    responses=FILE,
)
def api_review_file(ctx: ApiCtx, meeting_id: MeetingId, fmt: FormatQ = "pdf") -> Response:
    return _send(ctx.service.reviews.reports.review(meeting_id, fmt))


@api.get(
    "/one-on-ones/{one_id}/report",
    summary="A 1on1 as PDF, XLSX or HTML",
    response_class=Response,
    responses=FILE,
)
def api_one_file(ctx: ApiCtx, one_id: OneId, fmt: FormatQ = "pdf") -> Response:
    return _send(ctx.service.reviews.reports.oneonone(one_id, fmt))


# 運用診断 ------------------------------------------------------------------------------------------
@router.get("/admin/diagnose", include_in_schema=False)
def diagnose_page(ctx: PageCtx) -> Response:
    d = ctx.service.reviews.diagnose.run(ctx.model)
    return render(ctx, "reviews/diagnose.html", d=d, errors={}, values={})


@router.post("/admin/diagnose/input-rules", include_in_schema=False)
def input_rules_page(ctx: PageCtx, form: FormFields) -> Response:
    svc = ctx.service.reviews.diagnose
    data = dict(form)
    data["required"] = [k.removeprefix("req_") for k in form if k.startswith("req_")]  # type: ignore[assignment]
    try:
        svc.save_input_rules(data)
    except FormInvalid as e:
        d = svc.run(ctx.model)
        return render(ctx, "reviews/diagnose.html", 422, d=d, errors=field_messages(e, ctx.lang), values=form)
    return RedirectResponse("/admin/diagnose#input-rules", status_code=303)


@api.get("/diagnose", summary="運用診断: seed 004's checklist and data readiness, from the system's state")
def api_diagnose(ctx: ApiCtx) -> R.DiagnoseResult:
    return ctx.service.reviews.diagnose.run(ctx.model)


@api.post(
    "/diagnose/input-rules",
    summary="The written input rules (required fields, timing)",
    response_model=R.InputRules,
    responses=error_responses(400, 503, form=True),
)
def api_input_rules(ctx: ApiCtx, body: InputRulesIn) -> Any:
    try:
        return ctx.service.reviews.diagnose.save_input_rules(body.model_dump())
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


__all__ = ["api", "router"]
