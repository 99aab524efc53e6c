"""Forecast pages and their JSON twins: /forecast (a scope's period forecast and its deals),
/forecast/leads, /forecast/model (the stage table and the backtest), /forecast/accuracy
(submissions vs model vs outcome); writes: a deal's category, a manager's adjustment, a
weekly submission."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.service import Ok, forecast_results
from rashinban.web.dashkit import ScopeQ, dash_helpers
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
R = forecast_results
LimitQ = Annotated[int, Query(ge=1, le=500, description="at most this many rows")]
DealId = Annotated[int, Path(ge=1, le=10**15, description="deal id")]


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str | None = Field(description="commit | best_case | pipeline | omitted; null: the default")


class AdjustIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: str | None = Field(default=None, pattern=r"^(company|team:\d{1,9}|member:\d{1,9})$")
    kpi: str = Field(default="revenue", pattern=r"^(revenue|won_deals)$")
    value: float = Field(ge=0, le=1e15)
    reason: str = Field(min_length=1, max_length=2000)


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: str | None = Field(default=None, pattern=r"^(company|team:\d{1,9}|member:\d{1,9})$")
    kpi: str = Field(default="revenue", pattern=r"^(revenue|won_deals)$")
    value: float = Field(ge=0, le=1e15)
    note: str | None = Field(default=None, max_length=2000)


def _page(ctx: PageCtx, name: str, **data: Any) -> Response:
    return render(ctx, name, **data, **dash_helpers(ctx.lang))


# pages ----------------------------------------------------------------------------------
@router.get("/forecast", include_in_schema=False)
def forecast_page(ctx: PageCtx, scope: ScopeQ = None) -> Response:
    svc = ctx.service.forecasts
    f = svc.scope(ctx.model, scope)
    deals = svc.deals(ctx.model, scope, 50)
    return _page(
        ctx, "forecast/forecast.html", f=f.model_dump(mode="json"), deals=deals.model_dump(mode="json")
    )


@router.get("/forecast/leads", include_in_schema=False)
def leads_page(ctx: PageCtx, scope: ScopeQ = None) -> Response:
    f = ctx.service.forecasts.scope(ctx.model, scope)
    leads = ctx.service.forecasts.leads(ctx.model, scope, 100)
    return _page(ctx, "forecast/leads.html", f=f.model_dump(mode="json"), leads=leads.model_dump(mode="json"))


@router.get("/forecast/model", include_in_schema=False)
def model_page(ctx: PageCtx) -> Response:
    svc = ctx.service.forecasts
    bt = svc.last_backtest()
    return _page(
        ctx,
        "forecast/model.html",
        stages=svc.stages().model_dump(mode="json"),
        bt=bt.model_dump(mode="json") if bt else None,
    )


@router.get("/forecast/accuracy", include_in_schema=False)
def accuracy_page(ctx: PageCtx) -> Response:
    return _page(
        ctx, "forecast/accuracy.html", a=ctx.service.forecasts.accuracy(ctx.model).model_dump(mode="json")
    )


# JSON twins -----------------------------------------------------------------------------
api = APIRouter(prefix="/api/forecast", tags=["forecasts"], responses=error_responses(400, 403))


@api.get(
    "",
    summary="A scope's forecast of the period: P10/P50/P90, P(target), run-rate, commit",
    responses=error_responses(404),
)
def api_forecast(ctx: ApiCtx, scope: ScopeQ = None) -> R.ForecastResult:
    return ctx.service.forecasts.scope(ctx.model, scope)


@api.get(
    "/deals", summary="Open deals with win probability, factors and category", responses=error_responses(404)
)
def api_deals(ctx: ApiCtx, scope: ScopeQ = None, limit: LimitQ = 100) -> R.DealsResult:
    return ctx.service.forecasts.deals(ctx.model, scope, limit)


@api.get("/leads", summary="Open leads with their scores and factors", responses=error_responses(404))
def api_leads(ctx: ApiCtx, scope: ScopeQ = None, limit: LimitQ = 100) -> R.LeadsResult:
    return ctx.service.forecasts.leads(ctx.model, scope, limit)


@api.get("/stages", summary="The stage model: P(won) by stage and days in stage")
def api_stages(ctx: ApiCtx) -> R.StagesResult:
    return ctx.service.forecasts.stages()


@api.get("/backtest", summary="The latest stored backtest (null: none yet)")
def api_backtest(ctx: ApiCtx) -> R.BacktestResult | None:
    return ctx.service.forecasts.last_backtest()


@api.get("/accuracy", summary="Submitted forecasts, the model and the outcome per rep")
def api_accuracy(ctx: ApiCtx) -> R.AccuracyResult:
    return ctx.service.forecasts.accuracy(ctx.model)


@api.post(
    "/deals/{deal_id}/category",
    summary="Set an open deal's forecast category (its owner or an admin)",
    responses=error_responses(404, 503),
)
def api_category(ctx: ApiCtx, deal_id: DealId, body: CategoryIn) -> Ok:
    return ctx.service.forecasts.set_category(deal_id, body.category)


@api.post(
    "/adjustments", summary="A manager's judgment on a scope's forecast", responses=error_responses(404, 503)
)
def api_adjust(ctx: ApiCtx, body: AdjustIn) -> Ok:
    return ctx.service.forecasts.adjust(ctx.model, body.scope, body.value, body.reason, body.kpi)


@api.post(
    "/submissions", summary="Submit this week's forecast for a scope", responses=error_responses(404, 503)
)
def api_submit(ctx: ApiCtx, body: SubmitIn) -> Ok:
    return ctx.service.forecasts.submit(ctx.model, body.scope, body.value, body.note, body.kpi)


@api.get(
    "/band",
    summary="The revenue band the home page draws (null: no stored forecast)",
    responses=error_responses(404),
)
def api_band(ctx: ApiCtx, scope: ScopeQ = None) -> R.HomeBand | None:
    return ctx.service.forecasts.band(ctx.model, scope)
