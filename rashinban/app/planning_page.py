"""The planning page's read model: the inputs a planner sets, the live reverse calculation,
the per-member split and the field errors — from the form as typed."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from rashinban.app import plan_scope
from rashinban.app.planning import Planning
from rashinban.app.results.planning import PlanningView, PlanView
from rashinban.app.views import plan_view
from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import to_float
from rashinban.kpi.solve import Plan
from rashinban.org.roles import Permission, allowed


def split_form(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str], AllocationMode, str, str]:
    """(node values, member weights, mode, period, reason) from the planning form."""
    values = {k[5:]: v for k, v in form.items() if k.startswith("node.")}
    weights = {k[7:]: v for k, v in form.items() if k.startswith("weight.")}
    mode = AllocationMode.EQUAL if form.get("mode") == "equal" else AllocationMode.WEIGHTS
    return values, weights, mode, form.get("period", ""), form.get("reason", "")


def inputs(model: Model) -> list[str]:
    """The nodes the planner sets: the KGI first, then stated targets and assumptions."""
    out = [model.kgi]
    for nid in model.reachable() + [n for n in model.nodes if n not in model.reachable()]:
        node = model.nodes[nid]
        if nid != model.kgi and (node.assume is not None or node.target is not None):
            out.append(nid)
    return out


def member_table(plan: Plan) -> tuple[list[str], list[dict[str, Any]]]:
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


def plain(v: Fraction | None, unit: str) -> str:
    """A value as the planner types it: 19.3% for rates, plain digits otherwise."""
    if v is None:
        return ""
    if unit == "ratio":
        pct = v * 100
        return (f"{float(pct):.4f}".rstrip("0").rstrip(".")) + "%"
    if v.denominator == 1:
        return str(v.numerator)
    return f"{float(v):.6f}".rstrip("0").rstrip(".")


def label(model: Model, nid: str, lang: str) -> str:
    node = model.nodes.get(nid)
    if node is None:
        return nid
    return node.name_en if lang == "en" and node.name_en else node.name


def page(planning: Planning, path: str | None, form: Mapping[str, str] | None) -> dict[str, Any]:
    """What the planning page (and its live preview) shows; ``errors`` are field codes."""
    ctx = planning.ctx
    model = plan_scope.model_for(ctx, planning.models.load(path))  # the planner's branch only
    scope = plan_scope.plan_scope(ctx)
    values, weights, mode, period, reason = split_form(form or {})
    if form is None:
        equal = all(m.weight == 1 for m in model.members)
        mode = AllocationMode.EQUAL if equal else AllocationMode.WEIGHTS
    plan, codes = planning.live(path, values, weights, mode)
    share_nodes, member_rows = member_table(plan) if plan else ([], [])
    names = inputs(model)
    slots = [(f"node.{nid}", f"err-node-{i}") for i, nid in enumerate(names)]
    slots += [(f"weight.{m.name}", f"err-weight-{i}") for i, m in enumerate(model.members)]
    slots += [("period", "err-period"), ("reason", "err-reason"), ("mode", "err-mode"), ("form", "err-form")]
    lang = ctx.lang
    return {
        "slots": slots,
        "slot_of": dict(slots),
        "plain": plain,
        "model": model,
        "inputs": names,
        "plan": plan,
        "mode": mode.value,
        "values": values,
        "weights": weights,
        "period": period or model.plan_period or "",
        "reason": reason,
        "error_codes": codes,
        "share_nodes": share_nodes,
        "member_rows": member_rows,
        "can_save": allowed(ctx.user, Permission.PLAN),
        "plan_scope": scope.name if scope is not None else None,
        "node_label": lambda nid: label(model, nid, lang),
        "as_float": to_float,
    }


def plan_result(plan: Plan, lang: str) -> PlanView:
    """The plan as data: the view the CLI prints (``plan --json``), typed."""
    return PlanView.model_validate(plan_view(plan, lang))


def api_view(planning: Planning, path: str | None, limit: int) -> PlanningView:
    """The JSON twin of the planning page: the model's plan and the revision history."""
    plan, _ = planning.live(path, {}, {}, AllocationMode.WEIGHTS)
    return PlanningView(
        plan=plan_result(plan, planning.ctx.lang) if plan else None,
        history=planning.history(path, limit=limit),
        can_save=allowed(planning.ctx.user, Permission.PLAN),
    )
