"""Planning: KGI target and assumptions → reverse calculation and per-member split (live),
saved as target revisions with a reason; the revision history of every target."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.auth.write_access import require
from rashinban.errors import ModelError
from rashinban.forms import FormInvalid
from rashinban.i18n import render_error, render_finding, t
from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import to_float
from rashinban.kpi.solve import Plan
from rashinban.views import plan_view
from rashinban.web.deps import ApiCtx, Ctx, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, form_data, invalid_json, is_htmx
from rashinban.web.templating import render

router = APIRouter()
CAN_SAVE = ("admin", "manager")


def _model_path(ctx: Ctx) -> str:
    return str(ctx.settings.model)


def _split(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str], AllocationMode, str, str]:
    values = {k[5:]: v for k, v in form.items() if k.startswith("node.")}
    weights = {k[7:]: v for k, v in form.items() if k.startswith("weight.")}
    mode = AllocationMode.EQUAL if form.get("mode") == "equal" else AllocationMode.WEIGHTS
    return values, weights, mode, form.get("period", ""), form.get("reason", "")


def _inputs(model: Model) -> list[str]:
    """The nodes the planner sets: the KGI first, then stated targets and assumptions."""
    out = [model.kgi]
    for nid in model.reachable() + [n for n in model.nodes if n not in model.reachable()]:
        node = model.nodes[nid]
        if nid != model.kgi and (node.assume is not None or node.target is not None):
            out.append(nid)
    return out


def _member_table(plan: Plan) -> tuple[list[str], list[dict[str, Any]]]:
    model = plan.model
    order = [n for n in model.reachable() if n in plan.values] + [
        n for n in plan.values if n not in model.reachable()
    ]
    share_nodes = [n for n in order if any(a.node == n and a.split == "share" for a in plan.allocations)]
    total_w = sum((m.weight for m in model.members), Fraction(0))
    rows: dict[str, dict[str, Any]] = {}
    for m in model.members:
        rows[m.name] = {
            "member": m.name,
            "team": m.team,
            "weight": m.weight,
            "share": m.weight / total_w if total_w else None,
            "values": {},
        }
    for a in plan.allocations:
        if a.member in rows and a.split == "share":
            rows[a.member]["values"][a.node] = a.target
    return share_nodes, list(rows.values())


def _context(ctx: Ctx, form: Mapping[str, str] | None = None) -> dict[str, Any]:
    svc = ctx.service
    path = _model_path(ctx)
    model = svc.load_model(path)
    values, weights, mode, period, reason = _split(form or {})
    if form is None:
        equal = all(m.weight == 1 for m in model.members)
        mode = AllocationMode.EQUAL if equal else AllocationMode.WEIGHTS
    plan, codes = svc.plan_live(path, values, weights, mode)
    errors = field_messages(FormInvalid(codes), ctx.lang) if codes else {}
    share_nodes, member_rows = _member_table(plan) if plan else ([], [])
    inputs = _inputs(model)
    slots = [(f"node.{nid}", f"err-node-{i}") for i, nid in enumerate(inputs)]
    slots += [(f"weight.{m.name}", f"err-weight-{i}") for i, m in enumerate(model.members)]
    slots += [("period", "err-period"), ("reason", "err-reason"), ("mode", "err-mode"), ("form", "err-form")]
    return {
        "slots": slots,
        "slot_of": dict(slots),
        "plain": _plain,
        "model": model,
        "inputs": inputs,
        "plan": plan,
        "mode": mode.value,
        "values": values,
        "weights": weights,
        "period": period or model.plan_period or "",
        "reason": reason,
        "errors": errors,
        "share_nodes": share_nodes,
        "member_rows": member_rows,
        "can_save": ctx.user is not None and ctx.user.role in CAN_SAVE,
        "htmx_config": HTMX_CONFIG,
        "node_label": lambda nid: _label(model, nid, ctx.lang),
        "as_float": to_float,
        "render_finding": lambda f: render_finding(f, ctx.lang),
    }


def _plain(v: Fraction | None, unit: str) -> str:
    """A value as the planner types it: 19.3% for rates, plain digits otherwise."""
    if v is None:
        return ""
    if unit == "ratio":
        pct = v * 100
        return (f"{float(pct):.4f}".rstrip("0").rstrip(".")) + "%"
    if v.denominator == 1:
        return str(v.numerator)
    return f"{float(v):.6f}".rstrip("0").rstrip(".")


def _label(model: Model, nid: str, lang: str) -> str:
    node = model.nodes.get(nid)
    if node is None:
        return nid
    return node.name_en if lang == "en" and node.name_en else node.name


def _error_page(ctx: Ctx, e: ModelError) -> Response:
    return render(
        ctx, "planning.html", status_code=400, model_error=render_error(e, ctx.lang), htmx_config=HTMX_CONFIG
    )


def _denied(ctx: Ctx) -> Response | None:
    """Plans hold every team's and member's targets: planners (admins, managers) only."""
    if ctx.user is not None and ctx.user.role in CAN_SAVE:
        return None
    message = t("forms.plan.read_only", ctx.lang)
    return render(ctx, "planning.html", status_code=403, model_error=message, htmx_config=HTMX_CONFIG)


def _api_denied(ctx: Ctx) -> None:
    require(ctx.user, *CAN_SAVE)


@router.get("/planning", include_in_schema=False)
def planning_page(ctx: PageCtx) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    try:
        data = _context(ctx)
        history = ctx.service.target_history(_model_path(ctx), limit=100)
    except ModelError as e:
        return _error_page(ctx, e)
    return render(ctx, "planning.html", history=history, model_error=None, saved=None, **data)


@router.post("/planning/preview", include_in_schema=False)
async def planning_preview(ctx: PageCtx, request: Request) -> Response:
    if (denied := _denied(ctx)) is not None:
        return denied
    form = await form_data(request)
    try:
        data = _context(ctx, form)
    except ModelError as e:
        return _error_page(ctx, e)
    status = 422 if data["errors"] else 200
    return render(ctx, "partials/planning_result.html", status_code=status, oob=True, **data)


@router.post("/planning/save", include_in_schema=False)
async def planning_save(ctx: PageCtx, request: Request) -> Response:
    form = await form_data(request)
    values, weights, mode, period, reason = _split(form)
    svc = ctx.service
    try:
        data = _context(ctx, form)
    except ModelError as e:
        return _error_page(ctx, e)
    status, saved, errors = 200, None, dict(data.pop("errors"))
    if ctx.user is None or ctx.user.role not in CAN_SAVE:
        status, errors["form"] = 403, t("forms.plan.read_only", ctx.lang)
    else:
        try:
            saved = svc.save_plan_web(_model_path(ctx), values, weights, mode, period or None, reason)
        except FormInvalid as e:
            status = 422
            errors.update(field_messages(e, ctx.lang))
    if saved is not None:
        data["reason"] = ""
    history = svc.target_history(_model_path(ctx), limit=100)
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


def _history_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "old": to_float(r["old"]) if r["old"] is not None else None,
            "new": to_float(r["new"]),
            "created_at": r["created_at"].isoformat(),
        }
        for r in rows
    ]


@router.get("/api/planning", summary="The plan from the model, and the target revision history")
def api_planning(ctx: ApiCtx, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    _api_denied(ctx)
    svc = ctx.service
    path = _model_path(ctx)
    plan, _ = svc.plan_live(path, {}, {}, AllocationMode.WEIGHTS)
    return {
        "plan": plan_view(plan, ctx.lang) if plan else None,
        "history": _history_json(svc.target_history(path, limit=limit)),
        "can_save": ctx.user is not None and ctx.user.role in CAN_SAVE,
    }


@router.post(
    "/api/planning/preview", summary="Reverse calculation with the given KGI, assumptions and weights"
)
def api_preview(ctx: ApiCtx, body: PlanIn) -> Response:
    _api_denied(ctx)
    plan, codes = ctx.service.plan_live(_model_path(ctx), _strs(body.values), _strs(body.weights), body.mode)
    if plan is None:
        return invalid_json(FormInvalid(codes), ctx.lang)
    return JSONResponse(plan_view(plan, ctx.lang))


@router.post("/api/planning/save", summary="Save the plan's targets as a new revision (admin, manager)")
def api_save(ctx: ApiCtx, body: SaveIn) -> Response:
    try:
        saved = ctx.service.save_plan_web(
            _model_path(ctx), _strs(body.values), _strs(body.weights), body.mode, body.period, body.reason
        )
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)
    return JSONResponse({"saved": saved})
