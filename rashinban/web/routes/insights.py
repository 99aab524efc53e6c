"""Insights pages and their JSON twins: bottleneck, drivers (waterfall), miss diagnosis, review
section, segments, next actions, A/B tests, churn and LTV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from rashinban.errors import RashinbanError
from rashinban.service import (
    BottleneckResult,
    ChurnResult,
    DiagnosisResult,
    ExperimentDef,
    ExperimentResult,
    ExperimentsResult,
    ExplainResult,
    NextActionsResult,
    Ok,
    ReviewSection,
    SegmentsResult,
)
from rashinban.web.dashkit import PeriodQ, RangeQ, ScopeQ, dash_helpers
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

VsQ = Annotated[
    str | None,
    Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2])|target)$", description="a month to compare with, or 'target'"),
]
BasisQ = Annotated[str | None, Query(pattern=r"^(target|history|peers)$", description="what to compare with")]
MethodQ = Annotated[str, Query(pattern=r"^(shapley|log)$", description="attribution method")]
DealId = Annotated[int, PathParam(ge=1, le=10**15, description="deal id")]
ExpName = Annotated[str, PathParam(min_length=1, max_length=100, description="experiment name")]

api = APIRouter(prefix="/api", tags=["insights"], responses=error_responses(400, 403, 404))


class ExperimentIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kpi: str = Field(pattern=r"^(open_rate|reply_rate|appointment_rate|deal_rate|win_rate|avg_deal_size)$")
    target: str = Field("other", pattern=r"^(script|email|landing_page|proposal|other)$")
    unit_type: str | None = Field(None, pattern=r"^(lead|deal)$")
    variants: list[str] = Field(min_length=2, max_length=10)
    description: str | None = Field(None, max_length=2000)
    mde: float = Field(0.2, gt=0, lt=10)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, ge=0.5, lt=1)
    baseline: float | None = Field(None, gt=0)


class AssignIn(BaseModel):
    unit_id: int = Field(ge=1, le=10**15)
    variant: str = Field(min_length=1, max_length=50)


# JSON --------------------------------------------------------------------------------------
@api.get("/insights/bottleneck", summary="The KPI whose shortfall costs the KGI most, and the runner-up")
def api_bottleneck(
    ctx: ApiCtx, period: PeriodQ = None, scope: ScopeQ = None, basis: BasisQ = None
) -> BottleneckResult:
    return ctx.service.insights.bottleneck(ctx.model, period, scope, basis)


@api.get("/insights/explain", summary="The KGI change split over the tree's KPIs and over teams/members")
def api_explain(
    ctx: ApiCtx, period: PeriodQ = None, vs: VsQ = None, scope: ScopeQ = None, method: MethodQ = "shapley"
) -> ExplainResult:
    return ctx.service.insights.explain(ctx.model, period, vs, scope, None, method)


@api.get("/insights/diagnosis", summary="Why the KGI was (or will be) missed: design, execution, market")
def api_diagnosis(ctx: ApiCtx, period: PeriodQ = None, scope: ScopeQ = None) -> DiagnosisResult:
    return ctx.service.insights.diagnose(ctx.model, period, scope)


@api.get("/insights/review", summary="The review agenda's insights: bottleneck, drivers, diagnosis")
def api_review(ctx: ApiCtx, period: PeriodQ = None, scope: ScopeQ = None) -> ReviewSection:
    return ctx.service.insights.review_section(ctx.model, period, scope)


@api.get("/insights/segments", summary="Segments that differ beyond chance; lost reasons as Paretos")
def api_segments(ctx: ApiCtx, period: RangeQ = None, scope: ScopeQ = None) -> SegmentsResult:
    return ctx.service.segments.analyse(period, scope)


@api.get("/deals/{deal_id}/next-actions", summary="What preceded wins at a deal's stage (with counts)")
def api_next_actions(ctx: ApiCtx, deal_id: DealId) -> NextActionsResult:
    return ctx.service.segments.next_actions(deal_id)


@api.get("/experiments", summary="A/B tests: definitions and assigned units")
def api_experiments(ctx: ApiCtx) -> ExperimentsResult:
    return ctx.service.experiments.list()


@api.get("/experiments/{name}", summary="An A/B test's result per variant")
def api_experiment(ctx: ApiCtx, name: ExpName) -> ExperimentResult:
    return ctx.service.experiments.result(name)


@api.post("/experiments", summary="Define (or change) an A/B test", responses=error_responses(403, form=True))
def api_define(ctx: ApiCtx, body: Annotated[ExperimentIn, Body()]) -> ExperimentDef:
    return ctx.service.experiments.define(body.model_dump())


@api.post(
    "/experiments/{name}/assign",
    summary="Put a lead or deal in a variant",
    responses=error_responses(403, 503),
)
def api_assign(ctx: ApiCtx, name: ExpName, body: Annotated[AssignIn, Body()]) -> Ok:
    ctx.service.experiments.assign(name, body.unit_id, body.variant)
    return Ok(ok=True)


@api.get("/customers/churn", summary="Churn risk per customer with its factors, backtest, LTV")
def api_churn(ctx: ApiCtx, scope: ScopeQ = None) -> ChurnResult:
    return ctx.service.customers.churn(ctx.model, scope)


# pages -------------------------------------------------------------------------------------
router = APIRouter()
router.include_router(api)


def _page(ctx: PageCtx, name: str, **kw: Any) -> Response:
    return render(ctx, name, scopes=ctx.service.dashboards.scopes(ctx.model), **dash_helpers(ctx.lang), **kw)


@router.get("/insights", include_in_schema=False)
def insights_page(ctx: PageCtx, period: PeriodQ = None, scope: ScopeQ = None, vs: VsQ = None) -> Response:
    svc = ctx.service.insights
    b = svc.bottleneck(ctx.model, period, scope)
    try:
        e: Any = svc.explain(ctx.model, b.period, vs, scope).model_dump(mode="json")
    except RashinbanError:  # no values to explain: the page shows the rest
        e = None
    d = svc.diagnose(ctx.model, b.period, scope)
    return _page(ctx, "insights/index.html", b=b.model_dump(mode="json"), e=e, d=d.model_dump(mode="json"))


@router.get("/insights/bottleneck-card", include_in_schema=False)
def bottleneck_card(ctx: PageCtx, period: PeriodQ = None, scope: ScopeQ = None) -> Response:
    b = ctx.service.insights.bottleneck(ctx.model, period, scope)
    return render(ctx, "insights/_bottleneck_card.html", b=b.model_dump(mode="json"))


@router.get("/insights/waterfall", include_in_schema=False)
def waterfall(ctx: PageCtx, period: PeriodQ = None, scope: ScopeQ = None, vs: VsQ = None) -> Response:
    try:
        e: Any = ctx.service.insights.explain(ctx.model, period, vs, scope).model_dump(mode="json")
    except RashinbanError:
        e = None
    return render(ctx, "insights/_waterfall.html", e=e)


@router.get("/insights/segments", include_in_schema=False)
def segments_page(ctx: PageCtx, period: RangeQ = None, scope: ScopeQ = None) -> Response:
    s = ctx.service.segments.analyse(period, scope)
    return _page(ctx, "insights/segments.html", s=s.model_dump(mode="json"))


@router.get("/experiments", include_in_schema=False)
def experiments_page(ctx: PageCtx) -> Response:
    return _page(ctx, "insights/experiments.html", x=ctx.service.experiments.list().model_dump(mode="json"))


@router.get("/experiments/{name}", include_in_schema=False)
def experiment_page(ctx: PageCtx, name: ExpName) -> Response:
    return _page(
        ctx, "insights/experiment.html", r=ctx.service.experiments.result(name).model_dump(mode="json")
    )


@router.get("/customers/churn", include_in_schema=False)
def churn_page(ctx: PageCtx, scope: ScopeQ = None) -> Response:
    return _page(
        ctx, "insights/churn.html", c=ctx.service.customers.churn(ctx.model, scope).model_dump(mode="json")
    )
