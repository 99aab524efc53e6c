"""Breakdowns: /breakdown (the model's KPIs by channel, lead origin, product, industry,
region, company size or new vs existing customer, over any period) and /api/breakdown."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from rashinban.errors import RashinbanError
from rashinban.i18n import render_error
from rashinban.service import trust_results
from rashinban.web.dashkit import ScopeQ
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

BreakdownResult = trust_results.BreakdownResult
router = APIRouter()
By = Literal["channel", "origin", "product", "industry", "region", "size", "customer"]
SpanQ = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^[0-9A-Za-z\-\.年度上下期]+$",
        description="a period: 2026-11, 2026-Q3, FY2026, FY2026-H1, 2026-04..2026-09 (default: this month)",
    ),
]


def _parse_scope(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    if text == "company":
        return ("company", 0)
    kind, _, ident = text.partition(":")
    return (kind, int(ident))


@router.get(
    "/api/breakdown",
    summary="A scope's KPIs by channel, origin, product, industry, region, size or customer type",
    response_model=BreakdownResult,
    responses=error_responses(400, 403, 404),
)
def api_breakdown(
    ctx: ApiCtx, by: By = "channel", period: SpanQ = None, scope: ScopeQ = None
) -> BreakdownResult:
    return ctx.service.breakdowns.report(ctx.model, by, period, scope=_parse_scope(scope))


@router.get("/breakdown", include_in_schema=False)
def breakdown_page(
    ctx: PageCtx, by: str = "channel", period: str | None = None, scope: str | None = None
) -> Response:
    svc = ctx.service
    choices = svc.dashboards.scopes(ctx.model)
    try:
        key = _parse_scope(scope) if scope and scope in {c.value for c in choices} else None
        result = svc.breakdowns.report(
            ctx.model, by if by in svc.breakdowns.DIMENSIONS else "channel", period or None, scope=key
        )
        error = None
    except RashinbanError as e:
        result, error = None, render_error(e, ctx.lang)
    return render(
        ctx,
        "breakdown.html",
        status_code=200 if error is None else 400,
        result=result,
        error=error,
        dims=svc.breakdowns.DIMENSIONS,
        by=by,
        period=period or "",
        scope=scope or "",
        choices=choices,
    )
