"""Putting the metrics layer together for ``status`` and ``plan --save``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from rashinban.analysis.achievability import AchievabilityRule
from rashinban.analysis.funnel import DEFAULT_STAGES, FunnelRow, compute_funnel
from rashinban.analysis.status import StatusRow, status_rows
from rashinban.analysis.targets import plan_targets
from rashinban.errors import UsageError
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.model import Model
from rashinban.kpi.solve import Plan, solve
from rashinban.kpi.units import Period
from rashinban.metrics.actuals import bound_measures, model_measures, node_actuals
from rashinban.metrics.backends import ibis_connection, load_scope_index
from rashinban.metrics.engine import MetricsEngine, Value
from rashinban.metrics.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store import Store
from rashinban.store.targets import TargetRow, current_targets, save_targets

StoreLike = Store | str | None


@contextmanager
def opened(db: StoreLike) -> Iterator[Store]:
    """The given store, or one opened (and disposed of) for this call."""
    if isinstance(db, Store):
        yield db
        return
    store = Store.open(db)
    try:
        yield store
    finally:
        store.dispose()


KIND_OF_SPAN = {
    "day": Period.DAY,
    "week": Period.WEEK,
    "month": Period.MONTH,
    "quarter": Period.QUARTER,
    "fiscal_quarter": Period.QUARTER,
    "fiscal_year": Period.FISCAL_YEAR,
}


@dataclass
class StatusReport:
    model: Model
    rows: list[StatusRow]
    periods: list[Span]
    kind: Period
    as_of: date
    engine: str
    additive: dict[str, bool] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)


def resolve_periods(model: Model, period: str | None, as_of: date) -> tuple[Period, list[Span], Span]:
    if period is None:
        span = span_of(as_of, model.period, model.fiscal_year_start)
        return model.period, [span], span
    span = parse_period(period, model.fiscal_year_start)
    kind = KIND_OF_SPAN.get(span.kind, model.period)
    return kind, spans_in(span, kind, model.fiscal_year_start), span


def wanted_scopes(scopes: ScopeIndex, team: str | None, member: str | None) -> list[tuple[str, int]]:
    if member is not None:
        found = scopes.find(member, MEMBER)
        if found is None:
            raise UsageError("scope_unknown", kind="member", value=member)
        return [(MEMBER, found.id)]
    if team is not None:
        t = scopes.find(team, TEAM)
        if t is None:
            raise UsageError("scope_unknown", kind="team", value=team)
        teams = [tid for (st, tid) in scopes.scopes if st == TEAM and t.id in scopes.team_chain(tid)]
        return [(TEAM, tid) for tid in teams] + [(MEMBER, m) for m in scopes.members_of(t.id)]
    return list(scopes.scopes)


def build_status(
    model: Model,
    db: StoreLike,
    period: str | None,
    team: str | None,
    member: str | None,
    as_of: date,
    engine: str = "default",
) -> StatusReport:
    with opened(db) as store:
        scopes = load_scope_index(store)
        kind, periods, span = resolve_periods(model, period, as_of)
        con = _connect(store, engine)
        measures = model_measures(model)
        results = MetricsEngine(con, scopes, model.fiscal_year_start).compute(
            measures, bound_measures(model), span, kind
        )
        actuals = node_actuals(model, results)
        plan = solve(model)
        labels = [p.label for p in periods]
        targets = plan_targets(plan, scopes, kind, labels)
        targets.update(current_targets(store, model.name, labels))
        rows = status_rows(
            model,
            actuals,
            targets,
            scopes,
            periods,
            as_of,
            plan.additive,
            wanted_scopes(scopes, team, member),
            BusinessCalendar(model.holidays),
        )
        return StatusReport(model, rows, periods, kind, as_of, engine, plan.additive, results.queries)


def build_funnel(
    model: Model | None,
    db: StoreLike,
    period: str | None,
    team: str | None,
    member: str | None,
    as_of: date,
    by_period: Period | None = None,
    visible: frozenset[tuple[str, int]] | None = None,
) -> list[FunnelRow]:
    """Funnel rows for the wanted scopes; stages from the model's ``funnel:`` or the default."""
    fys = model.fiscal_year_start if model else 4
    kind = by_period or (model.period if model else Period.MONTH)
    if period is None:
        start = span_of(as_of, Period.MONTH, fys).start
        first = spans_in(Span(start.replace(day=1), start, "range", ""), Period.MONTH, fys)[0]
        y, m = divmod(first.start.year * 12 + first.start.month - 1 - 5, 12)
        span = parse_period(f"{y:04d}-{m + 1:02d}..{as_of:%Y-%m}", fys)
    else:
        span = parse_period(period, fys)
    configured = model.extra.get("funnel") if model else None
    stages = (
        tuple(str(s) for s in configured) if isinstance(configured, list) and configured else DEFAULT_STAGES
    )
    with opened(db) as store:
        scopes = load_scope_index(store)
        wanted = set(wanted_scopes(scopes, team, member))
        if visible is not None:
            wanted &= visible
        only = wanted if (team or member or visible is not None) else None
        rows = compute_funnel(ibis_connection(store), scopes, span, kind, fys, stages, only)
        return [r for r in rows if (r.scope_type, r.scope_id) in wanted]


def history_for_check(
    model: Model, db: StoreLike, as_of: date
) -> tuple[dict[str, list[Fraction | None]], int]:
    """The company's actuals of every measured node over the last N periods before the plan."""
    rule = AchievabilityRule.from_model(model.extra.get("achievability"))
    anchor = parse_period(model.plan_period, model.fiscal_year_start).start if model.plan_period else as_of
    current = span_of(anchor, model.period, model.fiscal_year_start)
    spans = []
    day = current.start
    for _ in range(rule.periods):
        prev = span_of(day - timedelta(days=1), model.period, model.fiscal_year_start)
        spans.append(prev)
        day = prev.start
    spans.reverse()
    whole = Span(spans[0].start, spans[-1].end, "range", "")
    with opened(db) as store:
        scopes = load_scope_index(store)
        results = MetricsEngine(ibis_connection(store), scopes, model.fiscal_year_start).compute(
            model_measures(model), bound_measures(model), whole, model.period
        )
    actuals = node_actuals(model, results)
    history = {
        nid: [actuals.get((COMPANY, 0, s.start), {}).get(nid, Value(None)).value for s in spans]
        for nid, node in model.nodes.items()
        if node.measure
    }
    return history, rule.periods


def _connect(store: Store, engine: str) -> object:
    if engine in ("default", "duckdb", "postgres", "postgresql"):
        return ibis_connection(store)
    if engine == "pyspark":
        from rashinban.metrics.spark import spark_connection

        return spark_connection(store)
    raise UsageError("option_bad_engine", option="--engine", value=engine)


def save_plan_targets(
    plan: Plan, db: StoreLike, period: str | None, author: str | None, reason: str | None
) -> int:
    model = plan.model
    label = period or model.plan_period
    if label is None:
        raise UsageError("plan_period_missing", option="--period")
    span = parse_period(label, model.fiscal_year_start)
    kind = KIND_OF_SPAN.get(span.kind, model.period)
    with opened(db) as store:
        scopes = load_scope_index(store)
        labels = [p.label for p in spans_in(span, kind, model.fiscal_year_start)]
        targets = plan_targets(plan, scopes, kind, labels)
        rows = [
            TargetRow(node, stype, sid, plabel, value)
            for (node, stype, sid, plabel), value in targets.items()
            if stype in (COMPANY, TEAM, MEMBER)
        ]
        return save_targets(store, model.name, rows, author, reason)
