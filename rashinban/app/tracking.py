"""Tracking: status (target, actual, pace, projection, grade per scope × KPI × period) and
the funnel, for the CLI and the jobs; the dashboards read the same engine per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from rashinban.analysis.achievability import AchievabilityRule
from rashinban.analysis.funnel import DEFAULT_STAGES, FunnelRow, compute_funnel
from rashinban.analysis.status import StatusRow, status_rows
from rashinban.app import org, targeting
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.errors import LimitError, ModelError, NotFoundError, UsageError
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.findings import Finding
from rashinban.kpi.limits import MAX_PERIODS
from rashinban.kpi.model import Model
from rashinban.kpi.units import Period
from rashinban.metrics.actuals import bound_measures, model_measures, node_actuals
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import MetricsEngine, Value
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store.db import Store

KIND_OF_SPAN = {
    "day": Period.DAY,
    "week": Period.WEEK,
    "month": Period.MONTH,
    "quarter": Period.QUARTER,
    "fiscal_quarter": Period.QUARTER,
    "fiscal_half": Period.HALF,
    "fiscal_year": Period.FISCAL_YEAR,
}
BREAKDOWNS = ("day", "week", "month", "quarter", "half")


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
    total: Span | None = None  # the range whose total (累計) rows close the report
    tiers: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def resolve_periods(
    model: Model, period: str | None, as_of: date, by: str | None = None
) -> tuple[Period, list[Span], Span]:
    """The breakdown kind, its periods, and the whole span asked for (``by``: month, week …)."""
    if by is not None and by not in BREAKDOWNS:
        raise UsageError("option_bad_choice", option="--by", value=by, allowed=", ".join(BREAKDOWNS))
    if period is None:
        span = span_of(as_of, model.period, model.fiscal_year_start)
    else:
        span = parse_period(period, model.fiscal_year_start)
    kind = Period(by) if by else KIND_OF_SPAN.get(span.kind, model.period)
    return kind, bounded_spans(span, kind, model.fiscal_year_start), span


def bounded_spans(span: Span, kind: Period, fiscal_year_start: int = 4) -> list[Span]:
    """The periods of ``kind`` in ``span``; more than ``MAX_PERIODS`` is refused (LimitError)."""
    periods = spans_in(span, kind, fiscal_year_start)
    if len(periods) > MAX_PERIODS:
        raise LimitError(
            "too_many_periods", value=span.label, kind=kind.value, count=len(periods), max=MAX_PERIODS
        )
    return periods


def with_total(span: Span, periods: list[Span]) -> Span | None:
    """A span made of several periods (or cut across them) has a total row (累計)."""
    if len(periods) == 1 and periods[0].start == span.start and periods[0].end == span.end:
        return None
    return span


def scope_team(scopes: ScopeIndex, team: str | None, member: str | None) -> int | None:
    """The team whose bound model a ``--team`` / ``--member`` status uses (None: the default)."""
    if member is not None:
        found = scopes.find(member, MEMBER)
        return found.team_id if found is not None else None
    if team is not None:
        found = scopes.find(team, TEAM)
        return found.id if found is not None else None
    return None


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


def connect(store: Store, engine: str) -> object:
    if engine in ("default", "duckdb", "postgres", "postgresql"):
        return ibis_connection(store)
    if engine == "pyspark":
        from rashinban.metrics.spark import spark_connection

        return spark_connection(store)
    raise UsageError("option_bad_engine", option="--engine", value=engine)


class Tracking:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    def status(
        self,
        model_path: str | Path | None,
        period: str | None = None,
        team: str | None = None,
        member: str | None = None,
        as_of: str | None = None,
        engine: str = "default",
        by: str | None = None,
    ) -> StatusReport:
        """Target (and stretch/floor), actual, achievement, pace, projection, what is still
        needed and a grade per scope × node × period; a range ends with its total (累計)."""
        ctx = self.ctx
        _ = ctx.store  # a store that cannot be opened is the first thing to say
        day = ctx.as_of(as_of)
        access = org.check_scope_args(ctx, team, member)
        store = ctx.store
        scopes = org.scope_index(ctx)
        model = self.models.load(model_path, scope_team(scopes, team, member))  # the team's model
        kind, periods, span = resolve_periods(model, period, day, by)
        total = with_total(span, periods)
        measures = model_measures(model)
        con = connect(store, engine)
        results = MetricsEngine(con, scopes, model.fiscal_year_start).compute(
            measures, bound_measures(model), span, kind
        )
        plans, findings = targeting.resolved_plans(ctx, model, day)
        additive = plans["target"].additive
        cal = BusinessCalendar(model.holidays)
        wanted = wanted_scopes(scopes, team, member)
        manual = targeting.manual_actuals(ctx, model, scopes, periods, day, additive, cal)
        actuals = node_actuals(model, results, manual)
        tset = targeting.target_set(ctx, model, plans, scopes, periods, kind, cal, [total] if total else [])
        rows = status_rows(model, actuals, tset, scopes, periods, day, additive, wanted, cal)
        queries = list(results.queries)
        if total is not None:
            whole = MetricsEngine(con, scopes, model.fiscal_year_start).compute(
                measures, bound_measures(model), total, None
            )
            queries += whole.queries
            manual_total = targeting.manual_actuals(ctx, model, scopes, [total], day, additive, cal)
            total_actuals = node_actuals(model, whole, manual_total)
            rows += status_rows(model, total_actuals, tset, scopes, [total], day, additive, wanted, cal, True)
        if access is not None:
            rows = [r for r in rows if access.can_see((r.scope_type, r.scope_id))]
        order = {key: i for i, key in enumerate(wanted)}
        rows.sort(key=lambda r: (order.get((r.scope_type, r.scope_id), 0), r.total))
        return StatusReport(
            model, rows, periods, kind, day, engine, additive, queries, total, list(plans), findings
        )

    def funnel(
        self,
        model_path: str | Path | None,
        period: str | None = None,
        team: str | None = None,
        member: str | None = None,
        as_of: str | None = None,
        by: str | None = None,
        model: Model | None = None,
    ) -> list[FunnelRow]:
        """Stage counts, conversion, drop-off and days in stage by entry cohort and scope."""
        ctx = self.ctx
        _ = ctx.store
        if model is None:
            try:
                model = self.models.load(model_path)
            except (ModelError, NotFoundError):
                if model_path is not None:
                    raise
                model = None  # no model at all: the default stages
        try:
            kind_by = Period(by) if by else None
        except ValueError:
            raise UsageError("option_not_period_kind", option="--by-period", value=by) from None
        access = org.check_scope_args(ctx, team, member)
        visible = access.visible if access is not None else None
        day = ctx.as_of(as_of)
        fys = model.fiscal_year_start if model else 4
        kind = kind_by or (model.period if model else Period.MONTH)
        if period is None:
            start = span_of(day, Period.MONTH, fys).start
            first = spans_in(Span(start.replace(day=1), start, "range", ""), Period.MONTH, fys)[0]
            y, m = divmod(first.start.year * 12 + first.start.month - 1 - 5, 12)
            span = parse_period(f"{y:04d}-{m + 1:02d}..{day:%Y-%m}", fys)
        else:
            span = parse_period(period, fys)
        bounded_spans(span, kind, fys)
        configured = model.extra.get("funnel") if model else None
        stages = (
            tuple(str(s) for s in configured)
            if isinstance(configured, list) and configured
            else DEFAULT_STAGES
        )
        scopes = org.scope_index(ctx)
        wanted = set(wanted_scopes(scopes, team, member))
        if visible is not None:
            wanted &= visible
        only = wanted if (team or member or visible is not None) else None
        rows = compute_funnel(ibis_connection(ctx.store), scopes, span, kind, fys, stages, only)
        rows = [r for r in rows if (r.scope_type, r.scope_id) in wanted]
        if access is not None:
            rows = [r for r in rows if access.can_see((r.scope_type, r.scope_id))]
        return rows

    def history_for_check(self, model: Model, as_of: date) -> dict[str, list[Fraction | None]]:
        """The company's actuals of every measured node over the last N periods before the plan."""
        rule = AchievabilityRule.from_model(model.extra.get("achievability"))
        anchor = (
            parse_period(model.plan_period, model.fiscal_year_start).start if model.plan_period else as_of
        )
        current = span_of(anchor, model.period, model.fiscal_year_start)
        spans = []
        day = current.start
        for _ in range(rule.periods):
            prev = span_of(day - timedelta(days=1), model.period, model.fiscal_year_start)
            spans.append(prev)
            day = prev.start
        spans.reverse()
        whole = Span(spans[0].start, spans[-1].end, "range", "")
        scopes = org.scope_index(self.ctx)
        results = MetricsEngine(ibis_connection(self.ctx.store), scopes, model.fiscal_year_start).compute(
            model_measures(model), bound_measures(model), whole, model.period
        )
        actuals = node_actuals(model, results)
        return {
            nid: [actuals.get((COMPANY, 0, s.start), {}).get(nid, Value(None)).value for s in spans]
            for nid, node in model.nodes.items()
            if node.measure
        }
