"""Drill-down: /records (the deals, leads, activities … behind one figure of one scope and
period), its CSV/XLSX export and the JSON twin /api/records."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import Response

from rashinban.service import record_results
from rashinban.web.dashkit import MONTHS, NODE, SPAN, ScopeQ
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

RecordsResult = record_results.RecordsResult
router = APIRouter()
NodeQ = Annotated[str, Query(pattern=NODE, description="KPI node id of the model")]
PeriodQ = Annotated[
    str | None,
    Query(
        pattern=f"({SPAN})|({MONTHS})",
        description="a month, week, fiscal quarter/half/year or a range of months; default: this period",
    ),
]
MeasureQ = Annotated[str | None, Query(pattern=NODE, description="one of the base measures behind the node")]
SortQ = Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$", description="a column key")]
DirQ = Annotated[Literal["asc", "desc"], Query(description="sort direction")]
PageQ = Annotated[int, Query(ge=1, le=1_000_000)]
SizeQ = Annotated[int, Query(ge=25, le=200, description="rows per page: 25, 50, 100 or 200")]


@router.get(
    "/api/records",
    summary="The records (deals, leads, activities …) behind one KPI figure of a scope and period",
    response_model=RecordsResult,
    responses=error_responses(400, 403, 404),
)
def api_records(
    ctx: ApiCtx,
    node: NodeQ,
    scope: ScopeQ = None,
    period: PeriodQ = None,
    measure: MeasureQ = None,
    sort: SortQ = None,
    dir: DirQ = "desc",
    page: PageQ = 1,
    page_size: SizeQ = 50,
) -> RecordsResult:
    return ctx.service.records.listing(
        ctx.model, node, _scope(scope), period, measure, sort, dir == "desc", page, page_size
    )


@router.get(
    "/api/records/export",
    summary="Every record behind one KPI figure as CSV or XLSX",
    responses=error_responses(400, 403, 404),
    response_class=Response,
)
def api_records_export(
    ctx: ApiCtx,
    node: NodeQ,
    format: Literal["csv", "xlsx"] = "csv",
    scope: ScopeQ = None,
    period: PeriodQ = None,
    measure: MeasureQ = None,
    sort: SortQ = None,
    dir: DirQ = "desc",
) -> Response:
    name, media, data = ctx.service.records.export(
        ctx.model, node, format, _scope(scope), period, measure, sort, dir == "desc"
    )
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    return Response(data, media_type=media, headers=headers)


@router.get("/records", include_in_schema=False)
def records_page(
    ctx: PageCtx,
    node: NodeQ,
    scope: ScopeQ = None,
    period: PeriodQ = None,
    measure: MeasureQ = None,
    sort: SortQ = None,
    dir: DirQ = "desc",
    page: PageQ = 1,
    page_size: SizeQ = 50,
) -> Response:
    result = ctx.service.records.listing(
        ctx.model, node, _scope(scope), period, measure, sort, dir == "desc", page, page_size
    )
    return _page(ctx, result, {"node": result.node, "measure": result.measure}, "/api/records", None)


StageQ = Annotated[int, Query(ge=0, le=50, description="the funnel stage's position (0: the first)")]


@router.get(
    "/api/records/funnel",
    summary="The deals behind one stage count of the funnel (scope, period as on /api/funnel)",
    response_model=RecordsResult,
    responses=error_responses(400, 403, 404),
)
def api_funnel_records(
    ctx: ApiCtx,
    stage: StageQ,
    scope: ScopeQ = None,
    period: PeriodQ = None,
    sort: SortQ = None,
    dir: DirQ = "desc",
    page: PageQ = 1,
    page_size: SizeQ = 50,
) -> RecordsResult:
    return ctx.service.records.funnel().listing(
        ctx.model, stage, _scope(scope), period, sort, dir == "desc", page, page_size
    )


@router.get(
    "/api/records/funnel/export",
    summary="Every deal behind one funnel stage count as CSV or XLSX",
    responses=error_responses(400, 403, 404),
    response_class=Response,
)
def api_funnel_records_export(
    ctx: ApiCtx,
    stage: StageQ,
    format: Literal["csv", "xlsx"] = "csv",
    scope: ScopeQ = None,
    period: PeriodQ = None,
    sort: SortQ = None,
    dir: DirQ = "desc",
) -> Response:
    name, media, data = ctx.service.records.funnel().export(
        ctx.model, stage, format, _scope(scope), period, sort, dir == "desc"
    )
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    return Response(data, media_type=media, headers=headers)


@router.get("/records/funnel", include_in_schema=False)
def funnel_records_page(
    ctx: PageCtx,
    stage: StageQ,
    scope: ScopeQ = None,
    period: PeriodQ = None,
    sort: SortQ = None,
    dir: DirQ = "desc",
    page: PageQ = 1,
    page_size: SizeQ = 50,
) -> Response:
    result = ctx.service.records.funnel().listing(
        ctx.model, stage, _scope(scope), period, sort, dir == "desc", page, page_size
    )
    return _page(ctx, result, {"stage": stage}, "/api/records/funnel", "/funnel")


def _page(
    ctx: PageCtx, result: RecordsResult, what: dict[str, object], api: str, back: str | None
) -> Response:
    scope_value = "company" if result.scope.type == "company" else f"{result.scope.type}:{result.scope.id}"
    base = {**what, "scope": scope_value, "period": result.period}

    def link(**kw: object) -> str:
        q: dict[str, object] = {
            **base,
            "sort": result.sort,
            "dir": "desc" if result.desc else "asc",
            "page_size": result.page_size,
        }
        q.update(kw)
        return "?" + urlencode(q)

    back_url = f"{back}?" + urlencode({"scope": scope_value, "period": result.period}) if back else None
    return render(
        ctx,
        "records.html",
        r=result,
        link=link,
        scope_value=scope_value,
        base=urlencode(base),
        api=api,
        back_url=back_url,
    )


def _scope(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    if text == "company":
        return ("company", 0)
    kind, _, ident = text.partition(":")
    return (kind, int(ident))
