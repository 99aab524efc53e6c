"""The planning page (live reverse calculation, per-member split, save as a revision) and its
JSON twins.  Planners only (admins, managers): everyone else gets a refusal with no data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid, ModelError
from rashinban.i18n import render_error, render_finding, t
from rashinban.service import AllocationMode, Permission, PlanningView, PlanSaved, PlanView
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, invalid_json, is_htmx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()


def _split(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str], AllocationMode, str, str]:
    values = {k[5:]: v for k, v in form.items() if k.startswith("node.")}
    weights = {k[7:]: v for k, v in form.items() if k.startswith("weight.")}
    mode = AllocationMode.EQUAL if form.get("mode") == "equal" else AllocationMode.WEIGHTS
    return values, weights, mode, form.get("period", ""), form.get("reason", "")


def _context(ctx: Ctx, form: Mapping[str, str] | None = None) -> dict[str, Any]:
    data = ctx.service.planning.page(ctx.model, form)
    codes = data.pop("error_codes")
    data["errors"] = field_messages(FormInvalid(codes), ctx.lang) if codes else {}
    data["htmx_config"] = HTMX_CONFIG
    data["render_finding"] = lambda f: render_finding(f, ctx.lang)
    return data


def _error_page(ctx: Ctx, e: ModelError) -> Response:
    return render(
        ctx, "planning.html", status_code=400, model_error=render_error(e, ctx.lang), htmx_config=HTMX_CONFIG
    )


def _denied(ctx: Ctx) -> Response | None:
    """Plans hold every team's and member's targets: planners (admins, managers) only."""
    if ctx.service.can(Permission.PLAN):
        return None
    message = t("forms.plan.read_only", ctx.lang)
    return render(ctx, "planning.html", status_code=403, model_error=message, htmx_config=HTMX_CONFIG)


@router.get("/planning", include_in_schema=False)
def planning_page(ctx: PageCtx) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    try:
        data = _context(ctx)
        history = ctx.service.planning.history(ctx.model, limit=100)
    except ModelError as e:
        return _error_page(ctx, e)
    return render(ctx, "planning.html", history=history, model_error=None, saved=None, **data)


@router.post("/planning/preview", include_in_schema=False)
def planning_preview(ctx: PageCtx, form: FormFields) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    try:
        data = _context(ctx, form)
    except ModelError as e:
        return _error_page(ctx, e)
    status = 422 if data["errors"] else 200
    return render(ctx, "partials/planning_result.html", status_code=status, oob=True, **data)


@router.post("/planning/save", include_in_schema=False)
def planning_save(ctx: PageCtx, form: FormFields, request: Request) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    values, weights, mode, period, reason = _split(form)
    svc = ctx.service
    try:
        data = _context(ctx, form)
    except ModelError as e:
        return _error_page(ctx, e)
    status, saved, errors = 200, None, dict(data.pop("errors"))
    try:
        saved = svc.planning.save_form(ctx.model, values, weights, mode, period or None, reason).saved
    except FormInvalid as e:
        status = 422
        errors.update(field_messages(e, ctx.lang))
    if saved is not None:
        data["reason"] = ""
        svc.ctx.refresh()
    history = svc.planning.history(ctx.model, limit=100)
    name = "partials/planning_result.html" if is_htmx(request) else "planning.html"
    return render(
        ctx,
        name,
        status_code=status,
        oob=True,
        saved=saved,
        errors=errors,
        history=history,
        model_error=None,
        **data,
    )


# JSON twins ---------------------------------------------------------------------------
class PlanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    values: dict[str, str | float | int] = Field(
        default_factory=dict, description="node id → value (KGI target, assumptions)"
    )
    weights: dict[str, str | float | int] = Field(default_factory=dict, description="member name → weight")
    mode: AllocationMode = AllocationMode.WEIGHTS


class SaveIn(PlanIn):
    period: str | None = None
    reason: str | None = None


def _strs(d: Mapping[str, object]) -> dict[str, str]:
    return {str(k): str(v) for k, v in d.items()}


@router.get(
    "/api/planning",
    summary="The plan from the model, and the target revision history",
    responses=error_responses(400, 403, 404),
)
def api_planning(ctx: ApiCtx, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> PlanningView:
    return ctx.service.planning.api_view(ctx.model, limit)


@router.post(
    "/api/planning/preview",
    summary="Reverse calculation with the given KGI, assumptions and weights",
    response_model=PlanView,
    responses=error_responses(400, 403, 404, form=True),
)
def api_preview(ctx: ApiCtx, body: PlanIn) -> PlanView | JSONResponse:
    try:
        return ctx.service.planning.preview(ctx.model, _strs(body.values), _strs(body.weights), body.mode)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


@router.post(
    "/api/planning/save",
    summary="Save the plan's targets as a new revision (admin, manager)",
    response_model=PlanSaved,
    responses=error_responses(400, 403, 404, 503, form=True),
)
def api_save(ctx: ApiCtx, body: SaveIn) -> PlanSaved | JSONResponse:
    try:
        return ctx.service.planning.save_form(
            ctx.model, _strs(body.values), _strs(body.weights), body.mode, body.period, body.reason
        )
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)
