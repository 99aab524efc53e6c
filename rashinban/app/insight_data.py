"""The tree's numbers the insights read: node values and targets per scope and month, in
one engine call for all the scopes and months asked (the current month's volumes projected
to its end by business days, as the dashboards' pace does)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from rashinban.analysis.targets import Key, plan_targets
from rashinban.app.models import Bundle
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.model import Model
from rashinban.kpi.units import Period
from rashinban.metrics.actuals import node_actuals
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import MetricsEngine
from rashinban.metrics.measures import Measure, catalogue
from rashinban.org.access import ScopeKey
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store.db import Store
from rashinban.store.targets import current_targets

EXTRA = ("calls", "visits", "emails_sent", "entry_lag_hours", "leads")
BARE: dict[str, object] = {
    "activity_count": {"table": "activities", "agg": "count", "time": "occurred_at"},
    "bare_activities": {
        "table": "activities",
        "agg": "count",
        "filter": "outcome is null or subject is null",
        "time": "occurred_at",
    },
}


def month_span(label: str | None, as_of: date, fys: int) -> Span:
    if label is None:
        return span_of(as_of, Period.MONTH, fys)
    span = parse_period(label, fys)
    return span if span.kind == "month" else span_of(span.start, Period.MONTH, fys)


def months_back(last: Span, n: int, fys: int) -> list[Span]:
    """``n`` months ending with ``last`` (oldest first)."""
    y, m = divmod(last.start.year * 12 + last.start.month - 1 - (n - 1), 12)
    first = parse_period(f"{y:04d}-{m + 1:02d}", fys)
    return spans_in(Span(first.start, last.end, "range", ""), Period.MONTH, fys)


@dataclass
class Frame:
    """Node values (and a few extra measures) and targets per (scope, month label)."""

    values: dict[tuple[ScopeKey, str], dict[str, Fraction | None]]
    extra: dict[tuple[ScopeKey, str], dict[str, Fraction | None]]
    targets: dict[tuple[str, str, int | None, str], Fraction]
    share: dict[str, Fraction]  # month label -> elapsed share of business days on as_of

    def value(self, key: ScopeKey, label: str, node: str) -> Fraction | None:
        return self.values.get((key, label), {}).get(node)

    def target(self, key: ScopeKey, label: str, node: str) -> Fraction | None:
        return self.targets.get((node, key[0], None if key[0] == COMPANY else key[1], label))


def read_frame(
    store: Store,
    bundle: Bundle,
    scopes: ScopeIndex,
    keys: Iterable[ScopeKey],
    spans: list[Span],
    as_of: date,
    extra: bool = False,
    target_labels: list[str] | None = None,
    nodes: list[str] | None = None,
) -> Frame:
    """The frame of ``keys`` over ``spans``; targets of ``target_labels`` only (default: of
    every span; ``[]``: none); values of ``nodes`` only (default: every node)."""
    model = bundle.model
    wanted = [k for k in dict.fromkeys(keys) if k in scopes.scopes]
    measures: dict[str, Measure] = dict(bundle.measures)
    names = list(bundle.bound) if nodes is None else measures_of(model, nodes)
    if extra:
        measures = {**catalogue(BARE), **bundle.measures}
        names += [n for n in (*EXTRA, *BARE) if n in measures]
    engine = MetricsEngine(ibis_connection(store), scopes, model.fiscal_year_start, wanted)
    whole = Span(spans[0].start, spans[-1].end, "range", "")
    results = engine.compute(measures, names, whole, Period.MONTH)
    actuals = node_actuals(model, results)
    cal = BusinessCalendar(model.holidays)
    share = {s.label: cal.elapsed_share(s, as_of) for s in spans}
    by_start = {s.start: s.label for s in spans}
    values: dict[tuple[ScopeKey, str], dict[str, Fraction | None]] = {}
    extras: dict[tuple[ScopeKey, str], dict[str, Fraction | None]] = {}
    additive = bundle.plan.additive
    for (stype, sid, start), row in actuals.items():
        label = by_start.get(start)
        if label is None:
            continue
        f = share[label]
        out: dict[str, Fraction | None] = {}
        for nid, v in row.items():
            val = v.value
            if val is not None and additive.get(nid) and 0 < f < 1:
                val = val / f
            out[nid] = val
        values[((stype, sid), label)] = out
    if extra:
        for (stype, sid, start), row in results.values.items():
            label = by_start.get(start)
            if label is not None:
                extras[((stype, sid), label)] = {
                    n: row[n].value if n in row else None for n in (*EXTRA, *BARE)
                }
    labels = [s.label for s in spans] if target_labels is None else target_labels
    targets = _plan_targets(bundle, scopes, labels)
    if labels:
        targets.update(current_targets(store, model.name, labels))
    return Frame(values, extras, targets, share)


def _plan_targets(b: Bundle, scopes: ScopeIndex, labels: list[str]) -> dict[Key, Fraction]:
    """The plan's monthly targets of every scope, per month (kept on the bundle for the scope
    index they were split over)."""
    cache: dict[str, tuple[ScopeIndex, dict[Key, Fraction]]] = b.extra.setdefault("insight_targets", {})
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


def measures_of(model: Model, nodes: list[str]) -> list[str]:
    """The measures the values of ``nodes`` take: a measured node's own, else its inputs'."""
    out: list[str] = []
    todo, seen = list(nodes), set()
    while todo:
        nid = todo.pop()
        if nid in seen:
            continue
        seen.add(nid)
        node = model.nodes[nid]
        if node.measure:
            out.append(node.measure)
        else:
            todo += node.children
    return list(dict.fromkeys(out))


def heads(scopes: ScopeIndex, key: ScopeKey) -> int:
    """How many members a scope has (a team: with the teams below it)."""
    if key[0] == MEMBER:
        return 1
    if key[0] == TEAM:
        return _team_heads(scopes).get(key[1], 0)
    return len(scopes.member_team)


_HEADS: dict[int, tuple[ScopeIndex, dict[int, int]]] = {}


def _team_heads(scopes: ScopeIndex) -> dict[int, int]:
    """Members per team (``len(scopes.members_of(team))`` of every team in one pass), kept
    for the scope index object it was counted from."""
    hit = _HEADS.get(id(scopes))
    if hit is None or hit[0] is not scopes:
        counts: dict[int, int] = {}
        for team in scopes.member_team.values():
            for t in scopes.team_chain(team):
                counts[t] = counts.get(t, 0) + 1
        if len(_HEADS) > 8:
            _HEADS.clear()
        hit = _HEADS[id(scopes)] = (scopes, counts)
    return hit[1]


def peers_of(scopes: ScopeIndex, key: ScopeKey) -> list[ScopeKey]:
    """Scopes of the same kind under the same parent (members of the same team; sibling teams)."""
    if key[0] == MEMBER:
        team = scopes.member_team.get(key[1])
        return [(MEMBER, m) for m, t in scopes.member_team.items() if t == team and m != key[1]]
    if key[0] == TEAM:
        parent = scopes.team_parent.get(key[1])
        return [(TEAM, t) for t, p in scopes.team_parent.items() if p == parent and t != key[1]]
    return []


def children_of(scopes: ScopeIndex, key: ScopeKey) -> list[ScopeKey]:
    """Direct sub-teams and direct members (the company: its top teams and members without a
    team) — they partition the scope's members."""
    if key[0] == MEMBER:
        return []
    parent = None if key[0] == COMPANY else key[1]
    for _ in range(20):  # a lone intermediate team: look through it (its members are all below)
        teams = [(TEAM, t) for t, p in sorted(scopes.team_parent.items()) if p == parent]
        members = [(MEMBER, m) for m, t in sorted(scopes.member_team.items()) if t == parent]
        if len(teams) == 1 and not members:
            parent = teams[0][1]
            continue
        return teams + members
    return []
