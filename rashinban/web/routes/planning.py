"""The planning page (live reverse calculation, per-member split, save as a revision) and its
JSON twins.  Planners only (admins, managers): everyone else gets a refusal with no data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid, ModelError
from rashinban.i18n import format as fmt
from rashinban.i18n import render_error, render_finding, t
from rashinban.i18n.format import short_value
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


def _messages(codes: Mapping[str, str], labels: Mapping[str, str], lang: str) -> dict[str, str]:
    """Field errors that say which field and what it expects (売上: 金額として読めません…)."""
    out = {}
    for field, text in field_messages(FormInvalid(dict(codes)), lang).items():
        name = labels.get(field)
        out[field] = t("forms.plan.field_error", lang, field=name, message=text) if name else text
    return out


def _context(
    ctx: Ctx, form: Mapping[str, str] | None = None, period: str | None = None, preview: bool = False
) -> dict[str, Any]:
    data = ctx.service.planning.page(ctx.model, form, period, preview)
    codes = data.pop("error_codes")
    data["errors"] = _messages(codes, data["field_labels"], ctx.lang) if codes else {}
    data["htmx_config"] = HTMX_CONFIG
    data["render_finding"] = lambda f: render_finding(f, ctx.lang)
    data["short_value"] = lambda v, unit: short_value(v, unit, ctx.lang)
    data["per_day"] = lambda v: fmt.number(v, 1)
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


Period = Annotated[str | None, Query(max_length=30, description="the period to open (its saved revision)")]
Page = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/planning", include_in_schema=False)
def planning_page(ctx: PageCtx, period: Period = None) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    try:
        data = _context(ctx, None, period or None)
        history = ctx.service.planning.history_page(ctx.model, 1)
    except ModelError as e:
        return _error_page(ctx, e)
    return render(ctx, "planning.html", history=history, model_error=None, saved=None, **data)


@router.get("/planning/history", include_in_schema=False)
def planning_history(ctx: PageCtx, page: Page = 1) -> Response:
    """One page of the revision history (the history section's pager)."""
    if (denied := _denied(ctx)) is not None:
        return denied
    try:
        history = ctx.service.planning.history_page(ctx.model, page)
    except ModelError as e:
        return _error_page(ctx, e)
    return render(ctx, "partials/planning_history.html", history=history)


@router.post("/planning/preview", include_in_schema=False)
def planning_preview(ctx: PageCtx, form: FormFields) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    try:
        data = _context(ctx, form, preview=True)
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
        errors.update(_messages(e.fields, data["field_labels"], ctx.lang))
    if saved is not None:
        svc.ctx.refresh()
        data = _context(ctx, None, data["period"])  # the page as it reopens: the saved revision
        data.pop("errors")
    history = svc.planning.history_page(ctx.model, 1)
    name = "partials/planning_save.html" if is_htmx(request) else "planning.html"
    response = render(
        ctx,
        name,
        status_code=status,
        oob=True,
        status_main=True,
        save_failed=saved is None,
        saved=saved,
        errors=errors,
        history=history,
        model_error=None,
        **data,
    )
    if saved is not None and is_htmx(request):
        response.headers["HX-Push-Url"] = f"/planning?{urlencode({'period': data['period']})}"
    return response


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
