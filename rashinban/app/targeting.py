"""What a status read's targets and actuals are made of, for the CLI's status and the pages:

* the plan of each tier (target, stretch, floor) with relative targets (前年比120%)
  resolved from the company's actual of the comparison period, cached per data version;
* every scope's targets per period and tier — stored revisions first, else the plan spread
  by business days — with relative targets resolved per scope from that scope's own actual
  of the comparison period (or a ``relative_no_basis`` note when there is none);
* the range's total (累計) targets: the sum of its periods' targets for volumes;
* the values entered for manual KPIs, as actuals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from fractions import Fraction

from rashinban.analysis.manual import manual_cells
from rashinban.analysis.status import TargetSet
from rashinban.analysis.targets import Key, plan_targets
from rashinban.app.context import AppContext
from rashinban.kpi.allocate import AllocationMode, split_whole
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.findings import Finding, sort_findings
from rashinban.kpi.model import Model
from rashinban.kpi.prorate import spread
from rashinban.kpi.relative import comparison_span, relative_nodes, resolve
from rashinban.kpi.solve import Plan
from rashinban.kpi.tiers import solve_tiers
from rashinban.kpi.units import WHOLE_UNITS, Direction, Period
from rashinban.metrics.actuals import model_measures, node_actuals
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import Cell, MetricsEngine, Value
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store import manual as manual_store
from rashinban.store.targets import current_targets


def plan_span(model: Model, as_of: date) -> Span:
    """The period a model's plan is for: its ``plan_period``, else the current one."""
    if model.plan_period:
        return parse_period(model.plan_period, model.fiscal_year_start)
    return span_of(as_of, model.period, model.fiscal_year_start)


def comparison_actuals(
    ctx: AppContext,
    model: Model,
    scopes: ScopeIndex,
    spans: list[Span],
    kind: Period | None,
    only: Iterable[tuple[str, int]] | None = None,
) -> dict[tuple[str, str], dict[Cell, dict[str, Value]]]:
    """(basis, period label) → the node actuals of its comparison span, per scope."""
    wanted = {nid for nid, _, _, _ in relative_nodes(model)}
    if not wanted or not spans:
        return {}
    names = [m for nid in wanted if (m := model.nodes[nid].measure)]
    for nid in wanted:  # a derived relative node: the measures below it
        names += [model.nodes[c].measure or "" for c in model.reachable(nid) if model.nodes[c].measure]
    names = sorted({n for n in names if n})
    out: dict[tuple[str, str], dict[Cell, dict[str, Value]]] = {}
    if not names:
        return out
    engine = MetricsEngine(ibis_connection(ctx.store), scopes, model.fiscal_year_start, only)
    measures = model_measures(model)
    for basis in sorted({b for _, _, b, _ in relative_nodes(model)}):
        comps = [comparison_span(s, basis, model.fiscal_year_start) for s in spans]
        whole = Span(min(c.start for c in comps), max(c.end for c in comps), "range", "")
        if kind is None:
            results = [engine.compute(measures, names, c, None) for c in comps]
        else:
            results = [engine.compute(measures, names, whole, kind)]
        actuals: dict[Cell, dict[str, Value]] = {}
        for r in results:
            actuals.update(node_actuals(model, r))
        for s, c in zip(spans, comps, strict=True):
            out[(basis, s.label)] = {
                (stype, sid, s.start): v for (stype, sid, p), v in actuals.items() if p == c.start
            }
    return out


def resolve_relative(
    ctx: AppContext, model: Model, as_of: date, period: str | None = None
) -> tuple[Model, list[Finding]]:
    """The model with its relative targets (前年比120%) made numbers from the company's actual
    of the comparison period of ``period`` (default: the plan period); without a store or an
    actual, the tier stays empty with a ``relative_no_basis`` finding."""
    if not relative_nodes(model):
        return model, []
    span = parse_period(period, model.fiscal_year_start) if period else plan_span(model, as_of)
    basis: dict[tuple[str, str], Fraction | None] = {}
    if ctx.has_store or _usable(ctx):
        from rashinban.app import org

        kind = _kind_of(span, model)
        actual = comparison_actuals(ctx, model, org.scope_index(ctx), [span], kind, [(COMPANY, 0)])
        for nid, _, b, _ in relative_nodes(model):
            cell = actual.get((b, span.label), {}).get((COMPANY, 0, span.start), {})
            basis[(nid, b)] = cell.get(nid, Value(None)).value
    return resolve(model, basis, span.label)


def solved(plan: Plan, relative: list[Finding]) -> Plan:
    """The plan with the relative findings, a relative KGI's gap said once (not twice)."""
    findings = _without_kgi_gap(plan, relative)
    return replace(plan, findings=sort_findings([*findings, *relative]))


def resolved_plans(ctx: AppContext, model: Model, as_of: date) -> tuple[dict[str, Plan], list[Finding]]:
    """The plan of every tier, relative targets resolved for the plan period (company)."""

    def build() -> tuple[dict[str, Plan], list[Finding]]:
        resolved, findings = resolve_relative(ctx, model, as_of)
        plans = solve_tiers(resolved)
        plans["target"] = solved(plans["target"], findings)
        return plans, findings

    if not (ctx.has_store or _usable(ctx)) or not relative_nodes(model):
        return build()
    shape = tuple((n.id, n.target, n.stretch, n.floor, n.assume, n.relative) for n in model.nodes.values())
    return ctx.cached(("plans", model.name, model.file, model.plan_period, as_of, shape), build)


def _usable(ctx: AppContext) -> bool:
    from rashinban.app.models import Models

    return Models(ctx)._store_usable()


def _kind_of(span: Span, model: Model) -> Period | None:
    from rashinban.kpi.relative import KIND_PERIOD

    return KIND_PERIOD.get(span.kind, None if span.kind == "range" else model.period)


def _without_kgi_gap(plan: Plan, relative: list[Finding]) -> list[Finding]:
    """A relative KGI without its basis says so once (relative_no_basis), not twice."""
    if not any(f.node == plan.model.kgi for f in relative):
        return plan.findings
    return [f for f in plan.findings if f.code != "kgi_no_target"]


def target_set(
    ctx: AppContext,
    model: Model,
    plans: dict[str, Plan],
    scopes: ScopeIndex,
    periods: list[Span],
    kind: Period | None,
    calendar: BusinessCalendar,
    totals: list[Span] = (),  # type: ignore[assignment]
    only: Iterable[tuple[str, int]] | None = None,
) -> TargetSet:
    """Every tier's targets for these periods (and range totals): each period's from the
    targets of the model's own periods it overlaps (stored revisions first, else the plan),
    shared by business days — a week of a monthly plan, a quarter or a range of months."""
    spans = [*periods, *totals]
    units = {u.label: u for sp in spans for u in spans_in(sp, model.period, model.fiscal_year_start)}
    tiers: dict[str, dict[Key, Fraction]] = {}
    for tier, plan in plans.items():
        per_unit = plan_targets(plan, scopes, model.period, list(units), calendar)
        if ctx.has_store:
            per_unit.update(current_targets(ctx.store, model.name, list(units), tier))
        values: dict[Key, Fraction] = {}
        for sp in spans:
            values.update(compose(plan, scopes, per_unit, units, sp, calendar))
        tiers[tier] = values
    notes: dict[Key, str] = {}
    if relative_nodes(model) and ctx.has_store:
        per_kind: dict[tuple[str, str], dict[Cell, dict[str, Value]]] = {}
        if periods:
            per_kind.update(comparison_actuals(ctx, model, scopes, periods, kind, only))
        if totals:
            per_kind.update(comparison_actuals(ctx, model, scopes, list(totals), None, only))
        for nid, tier, basis, factor in relative_nodes(model):
            dest = tiers.setdefault(tier, {})
            for sp in spans:
                cells = per_kind.get((basis, sp.label), {})
                for stype, sid in scopes.scopes:
                    key = (nid, stype, None if stype == COMPANY else sid, sp.label)
                    v = cells.get((stype, sid, sp.start), {}).get(nid, Value(None)).value
                    if v is None:
                        dest.pop(key, None)
                        notes[key] = "relative_no_basis"
                    else:
                        dest[key] = v * factor
    return TargetSet(tiers["target"], tiers.get("stretch", {}), tiers.get("floor", {}), notes)


def compose(
    plan: Plan,
    scopes: ScopeIndex,
    per_unit: dict[Key, Fraction],
    units: dict[str, Span],
    span: Span,
    calendar: BusinessCalendar,
) -> dict[Key, Fraction]:
    """The targets of ``span`` from the targets of the plan periods (units) it overlaps.

    Volumes: whole units add up; a unit cut by the span gives its share by business days (a
    Golden Week week its two days' worth), counts and yen whole; the members share the
    company's part in proportion to their unit targets (largest remainder), teams add up
    their members.  Rates and unit prices: those of the unit the span starts in."""
    model = plan.model
    fys = model.fiscal_year_start
    mine = [u for u in units.values() if u.start <= span.end and u.end >= span.start]
    mine.sort(key=lambda u: u.start)
    whole_units = all(span.start <= u.start and u.end <= span.end for u in mine)
    by_node: dict[str, dict[tuple[str, int | None], dict[str, Fraction]]] = {}
    for (nid, stype, sid, label), v in per_unit.items():
        if label in {u.label for u in mine}:
            by_node.setdefault(nid, {}).setdefault((stype, sid), {})[label] = v
    out: dict[Key, Fraction] = {}
    for nid, keyed in by_node.items():
        node = model.nodes.get(nid)
        if node is None:
            continue
        if not plan.additive.get(nid):
            for (stype, sid), vals in keyed.items():
                first = next((vals[u.label] for u in mine if u.label in vals), None)
                if first is not None:
                    out[(nid, stype, sid, span.label)] = first
            continue
        if whole_units or span.label in units:
            for (stype, sid), vals in keyed.items():
                if all(u.label in vals for u in mine):
                    out[(nid, stype, sid, span.label)] = sum((vals[u.label] for u in mine), Fraction(0))
            continue
        whole = node.unit in WHOLE_UNITS
        up = node.direction is Direction.HIGHER
        company = keyed.get((COMPANY, None), {})
        part = Fraction(0)
        for u in mine:
            if u.label not in company:
                continue
            piece = Span(max(u.start, span.start), min(u.end, span.end), "range", "")
            part += spread(company[u.label], model.period, piece, calendar, fys, whole, up)
        if not company:
            continue
        out[(nid, COMPANY, None, span.label)] = part
        members = [
            (sid, sum(vals.values(), Fraction(0))) for (stype, sid), vals in keyed.items() if stype == MEMBER
        ]
        members = [(sid, w) for sid, w in members if sid is not None and w > 0]
        if not members:
            continue
        weights = [w for _, w in members]
        parts = (
            split_whole(part, weights, Fraction(1)) if whole else [part * w / sum(weights) for w in weights]
        )
        share = {sid: p for (sid, _), p in zip(members, parts, strict=True)}
        for sid, p in share.items():
            out[(nid, MEMBER, sid, span.label)] = p
        for stype, tid in scopes.scopes:
            if stype == TEAM:
                got = [share[m] for m in scopes.members_of(tid) if m in share]
                if got:
                    out[(nid, TEAM, tid, span.label)] = sum(got, Fraction(0))
    return out


def manual_actuals(
    ctx: AppContext,
    model: Model,
    scopes: ScopeIndex,
    periods: list[Span],
    as_of: date,
    additive: dict[str, bool],
    calendar: BusinessCalendar,
) -> dict[Cell, dict[str, Value]]:
    """The entered values of the model's manual KPIs, per scope and status period."""
    if not any(n.manual for n in model.nodes.values()) or not ctx.has_store:
        return {}
    entries = {
        k: e.value for k, e in manual_store.current(ctx.store, model.name).items() if e.value is not None
    }
    return manual_cells(model, entries, scopes, periods, as_of, additive, calendar)


def default_mode(model: Model) -> AllocationMode:
    """One split for the CLI and the page: by the model's weights when it gives any."""
    return AllocationMode.WEIGHTS if any(m.weight != 1 for m in model.members) else AllocationMode.EQUAL


def plan_tiers(
    ctx: AppContext,
    model: Model,
    sets: Mapping[str, Fraction] | None = None,
    mode: AllocationMode | None = None,
    tier_sets: Mapping[str, Mapping[str, Fraction]] | None = None,
    period: str | None = None,
) -> dict[str, Plan]:
    """The plan of every tier (``--set``, ``--stretch``, ``--floor`` applied), relative
    targets resolved for ``period`` (default: the plan period)."""
    resolved, relative = resolve_relative(ctx, model, ctx.today(), period)
    plans = solve_tiers(resolved, sets or {}, mode or default_mode(model), tier_sets)
    plans["target"] = solved(plans["target"], relative)
    return plans
