"""The agency view (#16 item 2): /agency/{team_id}, its JSON twin and the client's monthly
report (PDF, XLSX).  A few lines over ``svc.agency``, which checks role and scope."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from rashinban.service import agency_results
from rashinban.web.dashkit import SpanQ, TeamId, dash_helpers
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["agency"], responses=error_responses(403, 404))

Fmt = Literal["pdf", "xlsx"]
FormatQ = Annotated[Fmt, Query(alias="format", description="pdf (A4) or xlsx (one sheet per table)")]
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the agency's monthly report",
        "content": {
            "application/pdf": BINARY,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": BINARY,
        },
    }
}


def _send(ctx: PageCtx | ApiCtx, team_id: int, period: str | None, fmt: str) -> Response:
    f = ctx.service.agency.report(team_id, period, fmt)
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}"}
    return Response(f.data, media_type=f.content_type, headers=headers)


@router.get("/agency/{team_id}", include_in_schema=False)
def agency_page(ctx: PageCtx, team_id: TeamId, period: SpanQ = None) -> Response:
    data = ctx.service.agency.page(team_id, period)
    return render(ctx, "agency/agency.html", d=data.model_dump(mode="json"), **dash_helpers(ctx.lang))


@router.get("/agency/{team_id}/report.{fmt}", include_in_schema=False)
def agency_file(ctx: PageCtx, team_id: TeamId, fmt: Fmt, period: SpanQ = None) -> Response:
    return _send(ctx, team_id, period, fmt)


@api.get("/agency/{team_id}", summary="An agency team's own KPIs, costs, ROI and trend")
def api_agency(ctx: ApiCtx, team_id: TeamId, period: SpanQ = None) -> agency_results.AgencyResult:
    return ctx.service.agency.page(team_id, period)


@api.get("/agency/{team_id}/report", summary="The agency's monthly report (PDF or XLSX)", responses=FILE)
def api_agency_report(ctx: ApiCtx, team_id: TeamId, fmt: FormatQ = "pdf", period: SpanQ = None) -> Response:
    return _send(ctx, team_id, period, fmt)
