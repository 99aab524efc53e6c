"""The planning page's read model: the inputs a planner sets, the live reverse calculation,
the per-member split and the field errors — from the form as typed."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from rashinban.analysis.targets import plan_targets
from rashinban.app import plan_input, plan_period, plan_scope
from rashinban.app.context import AppContext
from rashinban.app.planning import Planning
from rashinban.app.results.planning import PlanningView, PlanView
from rashinban.app.tracking import KIND_OF_SPAN, bounded_spans
from rashinban.app.views import plan_view
from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import to_float
from rashinban.kpi.solve import Plan
from rashinban.kpi.units import Unit
from rashinban.org.roles import Permission, allowed
from rashinban.org.scopes import MEMBER, TEAM


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


def member_table(
    ctx: AppContext, plan: Plan, period: str, days: int | None, activity: set[str], mode: AllocationMode
) -> tuple[list[str], list[dict[str, Any]]]:
    """The per-member split as it will be saved: every member who gets a volume target in the
    planner's scope (the model's members first, then those of the owner teams, e.g. inside
    sales for leads), their share and targets, and for activity KPIs what the target means per
    business day of the period (``per_day``)."""
    model = plan.model
    sp = plan_period.span(model, period)
    if sp is None or not ctx.has_store:
        return [], []
    kind = KIND_OF_SPAN.get(sp.kind, model.period)
    label = bounded_spans(sp, kind, model.fiscal_year_start)[0].label
    scopes = plan_scope.index_for(ctx)
    targets = plan_targets(plan, scopes, kind, [label])
    tree = [n for n in model.reachable() if n in plan.values] + [
        n for n in plan.values if n not in model.reachable()
    ]
    values: dict[int, dict[str, Fraction]] = {}
    for (nid, stype, sid, lbl), v in targets.items():
        if stype != MEMBER or sid is None or lbl != label or not plan.additive.get(nid):
            continue
        if plan_scope.keep_row(ctx, model, nid, stype, sid):
            values.setdefault(sid, {})[nid] = v
    share_nodes = [n for n in tree if any(n in vals for vals in values.values())]
    ids = plan_scope.member_ids(ctx, model)
    listed = [ids[m.name] for m in model.members if ids.get(m.name) in values]
    others = sorted(set(values) - set(listed), key=lambda sid: (scopes.member_team.get(sid) or 0, sid))
    equal = mode is AllocationMode.EQUAL
    weight = {ids[m.name]: Fraction(1) if equal else m.weight for m in model.members if m.name in ids}
    total_w = sum(weight.values(), Fraction(0))
    rows = []
    for sid in listed + others:
        scope = scopes.scopes[(MEMBER, sid)]
        team = scopes.scopes.get((TEAM, scopes.member_team.get(sid) or 0))
        vals = values[sid]
        rows.append(
            {
                "member": scope.name,
                "id": scope.external_id or scope.name,
                "team": team.name if team else None,
                "share": weight[sid] / total_w if sid in weight and total_w else None,
                "values": vals,
                "per_day": {n: v / days for n, v in vals.items() if days and n in activity},
            }
        )
    return share_nodes, rows


def plain(v: Fraction | None, unit: str) -> str:
    """A value as the planner types it: 17.8% for rates, 316,600,000 for yen, plain digits
    otherwise."""
    if v is None:
        return ""
    if unit == "ratio":
        pct = v * 100
        return (f"{float(pct):.4f}".rstrip("0").rstrip(".")) + "%"
    if v.denominator == 1:
        return f"{v.numerator:,}" if unit == "yen" else str(v.numerator)
    return f"{float(v):.6f}".rstrip("0").rstrip(".")


def label(model: Model, nid: str, lang: str) -> str:
    node = model.nodes.get(nid)
    if node is None:
        return nid
    return node.name_en if lang == "en" and node.name_en else node.name


def _restore(
    ctx: AppContext, model: Model, names: list[str], period: str
) -> tuple[plan_period.SavedRevision | None, dict[str, str], dict[str, str]]:
    """The saved revision of ``period`` as form values (node values, member weights)."""
    saved = plan_period.saved_revision(ctx, model, names, period)
    if saved is None:
        return None, {}, {}
    values = {nid: plain(v, model.nodes[nid].unit.value) for nid, v in saved.values.items()}
    weights = {m: plain(w, "count") for m, w in plan_period.weights_from_shares(model, saved.weights).items()}
    return saved, values, weights


def page(
    planning: Planning,
    path: str | None,
    form: Mapping[str, str] | None,
    chosen: str | None = None,
    preview: bool = False,
) -> dict[str, Any]:
    """What the planning page (and its live preview) shows; ``errors`` are field codes."""
    ctx = planning.ctx
    model = plan_scope.model_for(ctx, planning.models.load(path))  # the planner's branch only
    scope = plan_scope.plan_scope(ctx)
    values, weights, mode, period, reason = split_form(form or {})
    names = inputs(model)
    period = plan_period.resolve(ctx, model, period if form is not None else chosen)
    saved = None
    if form is None:
        saved, values, weights = _restore(ctx, model, names, period)
        ws = [Fraction(w.replace(",", "")) for w in weights.values()] or [m.weight for m in model.members]
        mode = AllocationMode.EQUAL if len(set(ws)) <= 1 else AllocationMode.WEIGHTS
    plan, codes = planning.live(path, values, weights, mode)
    lang = ctx.lang
    days = plan_period.business_days(model, period)
    member_names = plan_period.member_names(ctx, model)
    activity = plan_period.activity_nodes(model)
    share_nodes, member_rows = member_table(ctx, plan, period, days, activity, mode) if plan else ([], [])
    slots = [(f"node.{nid}", f"err-node-{i}") for i, nid in enumerate(names)]
    slots += [(f"weight.{m.name}", f"err-weight-{i}") for i, m in enumerate(model.members)]
    slots += [("period", "err-period"), ("reason", "err-reason"), ("mode", "err-mode"), ("form", "err-form")]
    field_labels = {f"node.{nid}": label(model, nid, lang) for nid in names}
    field_labels |= {f"weight.{m.name}": member_names.get(m.name, m.name) for m in model.members}
    return {
        "slots": slots,
        "slot_of": dict(slots),
        "plain": plain,
        "model": model,
        "inputs": names,
        "readbacks": _readbacks(model, names, values, lang),
        "formulas": {nid: plan_input.formula_label(model, nid, lang) for nid in model.nodes},
        "plan": plan,
        "mode": mode.value,
        "values": values,
        "weights": weights,
        "period": period,
        "periods": [] if preview else plan_period.options(ctx, model, period),
        "saved_revision": saved,
        "business_days": days,
        "reason": reason,
        "error_codes": codes,
        "field_labels": field_labels,
        "share_nodes": share_nodes,
        "activity_nodes": activity,
        "member_rows": member_rows,
        "member_names": member_names,
        "can_save": allowed(ctx.user, Permission.PLAN),
        "plan_scope": scope.name if scope is not None else None,
        "node_label": lambda nid: label(model, nid, lang),
        "as_float": to_float,
    }


def _readbacks(model: Model, names: list[str], values: Mapping[str, str], lang: str) -> dict[str, str]:
    """Each yen input's value said back (3億1,660万円), or "" when it does not read (and for
    other units, which read as typed)."""
    out = {}
    for nid in names:
        node = model.nodes[nid]
        raw = values.get(nid)
        if raw is None or not str(raw).strip():
            v = node.target if node.target is not None else node.assume
        else:
            v = plan_input.parse_value(raw, node.unit)[0]
        out[nid] = plan_input.readback(v, node.unit, lang) if v is not None and node.unit is Unit.YEN else ""
    return out


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
