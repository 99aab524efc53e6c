"""What one dashboard read works with: the model bundle, the scopes, the user's access and
the day — and the status rows of just the scopes and months a page shows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from rashinban.analysis.status import StatusRow, status_rows
from rashinban.analysis.targets import Key, plan_targets
from rashinban.app.models import Bundle
from rashinban.app.results.common import (
    CompanyOption,
    CompanyRef,
    MemberOption,
    MemberRef,
    ScopeOption,
    ScopeRef,
    TeamKind,
    TeamOption,
    TeamRef,
)
from rashinban.app.results.dashboards import PeriodOption
from rashinban.errors import ForbiddenError, NotFoundError
from rashinban.i18n.format import short_value
from rashinban.i18n.format import value as value_text
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.model import Model
from rashinban.kpi.prorate import remaining_business_days
from rashinban.kpi.units import Period
from rashinban.metrics.actuals import node_actuals
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import MetricsEngine
from rashinban.org.access import Access, ScopeKey
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store.db import Store
from rashinban.store.targets import current_targets

TREND_MONTHS = 12
# the period kinds a page may show (a span's kind → the engine's period kind)
PAGE_KINDS = {
    "month": Period.MONTH,
    "week": Period.WEEK,
    "quarter": Period.QUARTER,
    "fiscal_quarter": Period.QUARTER,
    "fiscal_half": Period.HALF,
    "fiscal_year": Period.FISCAL_YEAR,
    "day": Period.DAY,
}
VALUE_KEYS: tuple[str, ...] = ("target", "actual", "achievement", "pace", "projected", "status", "reason")
VALUE_KEYS += ("target_text", "actual_text")


def num(v: Fraction | None) -> float | None:
    return float(v) if v is not None else None


def values_of(fields: dict[str, Any]) -> dict[str, Any]:
    """The numbers of a node's fields (``Board.node_fields``): the fields of ``StatusValues``."""
    return {k: fields[k] for k in VALUE_KEYS}


def _plan_targets(b: Bundle, scopes: ScopeIndex, labels: list[str]) -> dict[Key, Fraction]:
    """The plan's monthly targets for every scope (cached on the bundle per scope index)."""
    cache: dict[str, tuple[ScopeIndex, dict[Key, Fraction]]] = b.extra.setdefault("plan_targets", {})
    out: dict[Key, Fraction] = {}
    for label in labels:
        hit = cache.get(label)
        if hit is None or hit[0] is not scopes:
            if len(cache) > 64:
                cache.clear()
            hit = (scopes, plan_targets(b.plan, scopes, Period.MONTH, [label]))
            cache[label] = hit
        out.update(hit[1])
    return out


@dataclass
class Board:
    """Everything one dashboard read works with."""

    store: Store
    bundle: Bundle
    scopes: ScopeIndex
    access: Access
    as_of: date
    ctx: Any = None  # the AppContext: tiers, manual values and relative targets (app/targeting.py)

    @property
    def model(self) -> Model:
        return self.bundle.model

    def month(self, label: str | None) -> Span:
        """The page's period: a month by default; a week, quarter, half or fiscal year as asked
        (its targets shared by business days, see ``app/targeting.py``)."""
        if label is None:
            return span_of(self.as_of, Period.MONTH, self.model.fiscal_year_start)
        span = parse_period(label, self.model.fiscal_year_start)
        if span.kind not in PAGE_KINDS:
            span = span_of(span.start, Period.MONTH, self.model.fiscal_year_start)
        return span

    def months(self, n: int = TREND_MONTHS, last: Span | None = None) -> list[Span]:
        """``n`` months ending with the month of ``last``'s end (a half's trend ends with its
        last month)."""
        end = span_of(last.end, Period.MONTH, self.model.fiscal_year_start) if last else self.month(None)
        y, m = divmod(end.start.year * 12 + end.start.month - 1 - (n - 1), 12)
        first = parse_period(f"{y:04d}-{m + 1:02d}", self.model.fiscal_year_start)
        return spans_in(Span(first.start, end.end, "range", ""), Period.MONTH, self.model.fiscal_year_start)

    def scope(self, key: ScopeKey) -> ScopeRef:
        s = self.scopes.scopes[key]
        if s.type == MEMBER:
            return self.member(s.id)
        if s.type == TEAM:
            return self.team(s.id)
        return CompanyRef(type="company", id=s.id, name=s.name)

    def team(self, team_id: int) -> TeamRef:
        s = self.scopes.scopes[(TEAM, team_id)]
        kind: TeamKind = "agency" if s.id in self.scopes.agency_teams else "in_house"
        return TeamRef(type="team", id=s.id, name=s.name, kind=kind)

    def member(self, member_id: int) -> MemberRef:
        s = self.scopes.scopes[(MEMBER, member_id)]
        return MemberRef(type="member", id=s.id, name=s.name, team_id=s.team_id)

    def resolve(self, key: ScopeKey | None) -> ScopeKey:
        """The asked scope (404 unknown, 403 not visible) or the user's home scope."""
        if key is None:
            if self.access.home is None:
                raise ForbiddenError("forbidden_scope", kind="scope", value="-")
            return self.access.home
        if key not in self.scopes.scopes:
            raise NotFoundError("scope_unknown", kind=key[0], value=str(key[1]))
        self.access.check(key)
        return key

    def status(
        self, keys: Iterable[ScopeKey], spans: list[Span], nodes: list[str] | None = None
    ) -> dict[tuple[ScopeKey, str], dict[str, StatusRow]]:
        """Status rows by (scope, period label) → node, for these scopes and months only."""
        wanted = [k for k in dict.fromkeys(keys) if k in self.scopes.scopes]
        if not wanted or not spans:
            return {}
        model = self.model
        engine = MetricsEngine(ibis_connection(self.store), self.scopes, model.fiscal_year_start, wanted)
        names = self.bundle.bound
        if nodes is not None:
            keep = set()
            for nid in nodes:
                keep.update(model.reachable(nid))
            names = [model.nodes[n].measure or "" for n in keep if model.nodes[n].measure]
        if self.ctx is not None:
            return self._status(engine, names, wanted, spans, nodes)
        whole = Span(spans[0].start, spans[-1].end, "range", "")
        results = engine.compute(self.bundle.measures, names, whole, Period.MONTH)
        actuals = node_actuals(model, results)
        labels = [s.label for s in spans]
        targets = _plan_targets(self.bundle, self.scopes, labels)
        targets.update(current_targets(self.store, model.name, labels))
        rows = status_rows(
            model,
            actuals,
            targets,
            self.scopes,
            spans,
            self.as_of,
            self.bundle.plan.additive,
            wanted,
            BusinessCalendar(model.holidays),
        )
        out: dict[tuple[ScopeKey, str], dict[str, StatusRow]] = {}
        for r in rows:
            if nodes is None or r.node in nodes:
                out.setdefault(((r.scope_type, r.scope_id), r.period), {})[r.node] = r
        return out

    def _status(
        self,
        engine: MetricsEngine,
        names: list[str],
        wanted: list[ScopeKey],
        spans: list[Span],
        nodes: list[str] | None,
    ) -> dict[tuple[ScopeKey, str], dict[str, StatusRow]]:
        """Status through the same targets as ``rashinban status``: tiers, manual KPIs,
        relative targets, any period kind."""
        from rashinban.app import targeting

        model = self.model
        plans, _ = targeting.resolved_plans(self.ctx, model, self.as_of)
        additive = plans["target"].additive
        cal = BusinessCalendar(model.holidays)
        kinds = {PAGE_KINDS.get(s.kind) for s in spans}
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is not None:
            whole = Span(spans[0].start, spans[-1].end, "range", "")
            results = [engine.compute(self.bundle.measures, names, whole, kind)]
        else:
            results = [engine.compute(self.bundle.measures, names, s, None) for s in spans]
        manual = targeting.manual_actuals(self.ctx, model, self.scopes, spans, self.as_of, additive, cal)
        actuals: dict[Any, Any] = {}
        for res in results:
            actuals.update(node_actuals(model, res, manual))
        tset = targeting.target_set(self.ctx, model, plans, self.scopes, spans, kind, cal, only=wanted)
        rows = status_rows(model, actuals, tset, self.scopes, spans, self.as_of, additive, wanted, cal)
        out: dict[tuple[ScopeKey, str], dict[str, StatusRow]] = {}
        for r in rows:
            if nodes is None or r.node in nodes:
                out.setdefault(((r.scope_type, r.scope_id), r.period), {})[r.node] = r
        return out

    def node_fields(self, nid: str, row: StatusRow | None, lang: str) -> dict[str, Any]:
        """The fields of a ``NodeStatus`` card (the node, then its numbers in ``row``)."""
        node = self.model.nodes[nid]
        label = node.name_en if lang == "en" and node.name_en else node.name
        out: dict[str, Any] = {
            "id": nid,
            "name": node.name,
            "name_en": node.name_en,
            "label": label,
            "unit": str(node.unit),
            "direction": str(node.direction),
            "role": node.role,
        }
        if row is None:
            out.update(target=None, actual=None, achievement=None, pace=None, projected=None)
            out.update(status="no_data", reason="no_data", target_text="—", actual_text="—")
            return out
        out.update(
            stretch=num(row.stretch),
            stretch_achievement=num(row.stretch_achievement),
            floor=num(row.floor),
            remaining=num(row.remaining),
            remaining_text=short_value(row.remaining, out["unit"], lang),
            days_left=row.days_left,
            per_day=num(row.per_day),
            per_day_text=value_text(row.per_day, out["unit"], lang),
            note=row.note,
            target=num(row.target),
            actual=num(row.actual),
            achievement=num(row.achievement),
            pace=num(row.pace),
            projected=num(row.projected),
            status=row.status,
            reason=row.reason,
            target_text=short_value(row.target, out["unit"], lang),
            actual_text=short_value(row.actual, out["unit"], lang),
        )
        return out

    def main_kpis(self) -> list[str]:
        model = self.model
        mains = [nid for nid, n in model.nodes.items() if n.role == "main" and nid != model.kgi]
        if not mains:
            mains = [c for c in model.nodes[model.kgi].children]
        return mains[: max(1, min(model.max_main_kpis, 5))]

    def head(self, key: ScopeKey, span: Span) -> dict[str, Any]:
        """The fields every scope page starts with."""
        return {"model": self.model.name, "scope": self.scope(key), **self.period_head(span)}

    def period_head(self, span: Span) -> dict[str, Any]:
        """The period shown, the choices of the selector and the period's business days."""
        cal = BusinessCalendar(self.model.holidays)
        return {
            "period": span.label,
            "as_of": self.as_of,
            "periods": [s.label for s in reversed(self.months())],
            "other_periods": self.other_periods(span),
            "business_days": cal.business_days(span.start, span.end),
            "days_left": remaining_business_days(span, self.as_of, cal),
        }

    def other_periods(self, shown: Span | None = None) -> list[PeriodOption]:
        """This week, quarter, half (and the fiscal year's other half) and fiscal year, and
        next month (planning); the period shown when it is none of these nor a month (last
        year's Q4), so that the selector names what the page shows."""
        fys = self.model.fiscal_year_start
        day = self.as_of
        half = span_of(day, Period.HALF, fys)
        year = span_of(day, Period.FISCAL_YEAR, fys)
        # the fiscal year's other half: 上期 to look back on in the second half, 下期 ahead
        first = half.start == year.start
        other = span_of(half.end + timedelta(days=1) if first else year.start, Period.HALF, fys)
        out = [
            PeriodOption(label=span_of(day, Period.WEEK, fys).label, kind="week"),
            PeriodOption(label=span_of(day, Period.QUARTER, fys).label, kind="quarter"),
            PeriodOption(label=half.label, kind="half"),
            PeriodOption(label=other.label, kind="second_half" if first else "first_half"),
            PeriodOption(label=year.label, kind="fiscal_year"),
        ]
        month = span_of(day, Period.MONTH, fys)
        nxt = span_of(month.end + timedelta(days=1), Period.MONTH, fys)
        out.append(PeriodOption(label=nxt.label, kind="next_month"))
        if shown is not None and shown.kind != "month" and all(o.label != shown.label for o in out):
            out.append(PeriodOption(label=shown.label, kind="shown"))
        return out

    def choices(self) -> list[ScopeOption]:
        """The visible scopes for a selector: company, teams in hierarchy order, members."""
        out: list[ScopeOption] = []
        if self.access.can_see((COMPANY, 0)):
            company = self.scopes.scopes[(COMPANY, 0)]
            out.append(CompanyOption(type="company", id=0, name=company.name, value=COMPANY, depth=0))

        def walk(parent: int | None, depth: int, seen: set[int]) -> None:
            for t, p in sorted(self.scopes.team_parent.items()):
                if p == parent and t not in seen and depth < 20:
                    seen.add(t)
                    if self.access.can_see((TEAM, t)):
                        team = self.team(t).model_dump()
                        out.append(TeamOption(**team, value=f"team:{t}", depth=depth))
                    walk(t, depth + 1, seen)

        walk(None, 0, set())
        for m in sorted(self.scopes.member_team):
            if self.access.can_see((MEMBER, m)):
                member = self.member(m).model_dump()
                out.append(MemberOption(**member, value=f"member:{m}", depth=0))
        return out


def parse_scope(text: str | None) -> ScopeKey | None:
    """``company``, ``team:7`` or ``member:3`` (validated by the route's pattern)."""
    if not text:
        return None
    if text == COMPANY:
        return (COMPANY, 0)
    kind, _, ident = text.partition(":")
    return (kind, int(ident))
