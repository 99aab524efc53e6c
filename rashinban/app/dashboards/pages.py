"""The dashboard pages' data: home, KPI tree, node detail, teams, team, member, funnel.

Each computes only the scopes and months its page shows; the JSON twins return exactly this.
"""

from __future__ import annotations

from typing import Any

from rashinban.analysis.funnel import FunnelRow
from rashinban.app.dashboards.board import Board, num, values_of
from rashinban.errors import NotFoundError
from rashinban.kpi.calendar import Span, parse_period
from rashinban.org.access import ScopeKey
from rashinban.org.scopes import COMPANY, MEMBER, TEAM

FUNNEL_MONTHS = 6


def home(b: Board, key: ScopeKey, period: str | None, lang: str) -> dict[str, Any]:
    """The KGI and the main KPIs of one scope in one month."""
    span = b.month(period)
    kgi = b.model.kgi
    kpis = b.main_kpis()
    rows = b.status([key], [span], [kgi, *kpis]).get((key, span.label), {})
    return {
        **b.head(key, span),
        "kgi": b.node_json(kgi, rows.get(kgi), lang),
        "kpis": [b.node_json(n, rows.get(n), lang) for n in kpis],
    }


def tree(b: Board, key: ScopeKey, period: str | None, lang: str) -> dict[str, Any]:
    """Every node of the model with its status, linked by formulas (roots: the KGI first)."""
    span = b.month(period)
    rows = b.status([key], [span]).get((key, span.label), {})
    model = b.model
    parents = model.parents()
    nodes = []
    for nid in model.nodes:
        item = b.node_json(nid, rows.get(nid), lang)
        item["children"] = [c for c in model.nodes[nid].children if c in model.nodes]
        item["formula"] = model.nodes[nid].formula_text
        item["definition"] = model.nodes[nid].definition
        nodes.append(item)
    roots = [model.kgi] + [nid for nid in model.nodes if not parents[nid] and nid != model.kgi]
    return {**b.head(key, span), "kgi": model.kgi, "roots": roots, "nodes": nodes}


def _child_scopes(b: Board, key: ScopeKey) -> list[ScopeKey]:
    """Direct sub-teams and members of a scope (the company: its top teams), skipping a lone
    intermediate team so that the breakdown shows more than one bar."""
    scopes = b.scopes
    if key[0] == MEMBER:
        return []
    parent = None if key[0] == COMPANY else key[1]
    for _ in range(10):
        teams = [(TEAM, t) for t, p in scopes.team_parent.items() if p == parent]
        members = [(MEMBER, m) for m, t in scopes.member_team.items() if t == parent and t is not None]
        if len(teams) == 1 and not members:
            parent = teams[0][1]
            continue
        return teams + members
    return []


def node_detail(b: Board, nid: str, key: ScopeKey, period: str | None, lang: str) -> dict[str, Any]:
    """A node's trend over the last twelve months and its breakdown by team/member."""
    if nid not in b.model.nodes:
        raise NotFoundError("node_unknown", node=nid)
    span = b.month(period)
    months = b.months(last=span)
    trend_rows = b.status([key], months, [nid])
    children = b.access.filter(_child_scopes(b, key))
    parts = b.status(children, [span], [nid])
    trend = []
    for s in months:
        r = trend_rows.get((key, s.label), {}).get(nid)
        trend.append({"period": s.label, **values_of(b.node_json(nid, r, lang))})
    breakdown = []
    for c in children:
        r = parts.get((c, span.label), {}).get(nid)
        breakdown.append({"scope": b.scope(c), **values_of(b.node_json(nid, r, lang))})
    return {
        **b.head(key, span),
        "node": b.node_json(nid, trend_rows.get((key, span.label), {}).get(nid), lang),
        "trend": trend,
        "breakdown": breakdown,
    }


def _ranking(b: Board, members: list[ScopeKey], span: Span, lang: str) -> list[dict[str, Any]]:
    kgi = b.model.kgi
    rows = b.status(members, [span], [kgi])
    out = []
    for m in members:
        r = rows.get((m, span.label), {}).get(kgi)
        out.append({"member": b.scope(m), **values_of(b.node_json(kgi, r, lang))})
    out.sort(key=lambda x: (x["achievement"] is None, -(x["achievement"] or 0), x["member"]["name"]))
    for i, item in enumerate(out, 1):
        item["rank"] = i
    return out


def _scope_page(b: Board, key: ScopeKey, period: str | None, lang: str) -> dict[str, Any]:
    span = b.month(period)
    kgi = b.model.kgi
    kpis = b.main_kpis()
    rows = b.status([key], [span], [kgi, *kpis]).get((key, span.label), {})
    months = b.months(last=span)
    trend_rows = b.status([key], months, [kgi])
    return {
        **b.head(key, span),
        "kgi": b.node_json(kgi, rows.get(kgi), lang),
        "kpis": [b.node_json(n, rows.get(n), lang) for n in kpis],
        "trend": [
            {
                "period": s.label,
                **values_of(b.node_json(kgi, trend_rows.get((key, s.label), {}).get(kgi), lang)),
            }
            for s in months
        ],
    }


def team(b: Board, team_id: int, period: str | None, lang: str) -> dict[str, Any]:
    key = b.resolve((TEAM, team_id))
    out = _scope_page(b, key, period, lang)
    span = b.month(period)
    members = b.access.filter([(MEMBER, m) for m in sorted(b.scopes.members_of(team_id))])
    out["ranking"] = _ranking(b, members, span, lang)
    subs = [(TEAM, t) for t, p in sorted(b.scopes.team_parent.items()) if p == team_id]
    out["subteams"] = [b.scope(k) for k in b.access.filter(subs)]
    parent = b.scopes.team_parent.get(team_id)
    out["parent"] = b.scope((TEAM, parent)) if parent and b.access.can_see((TEAM, parent)) else None
    return out


def member(b: Board, member_id: int, period: str | None, lang: str) -> dict[str, Any]:
    key = b.resolve((MEMBER, member_id))
    out = _scope_page(b, key, period, lang)
    team_id = b.scopes.member_team.get(member_id)
    visible_team = team_id is not None and b.access.can_see((TEAM, team_id))
    out["team"] = b.scope((TEAM, team_id)) if visible_team and team_id is not None else None
    return out


def team_order(b: Board) -> tuple[list[ScopeKey], dict[int, int]]:
    """Every team in hierarchy order, with its depth."""
    order: list[ScopeKey] = []
    depths: dict[int, int] = {}

    def walk(parent: int | None, depth: int) -> None:
        for t, p in sorted(b.scopes.team_parent.items()):
            if p == parent and (TEAM, t) not in order and depth < 20:
                order.append((TEAM, t))
                depths[t] = depth
                walk(t, depth + 1)

    walk(None, 0)
    return order, depths


def team_items(
    b: Board, keys: list[ScopeKey], depths: dict[int, int], period: str | None, lang: str
) -> list[dict[str, Any]]:
    """Teams with their KGI for the month (all teams under one model)."""
    span = b.month(period)
    kgi = b.model.kgi
    rows = b.status(keys, [span], [kgi])
    items = []
    for k in keys:
        r = rows.get((k, span.label), {}).get(kgi)
        item: dict[str, Any] = {"team": b.scope(k), "depth": depths.get(k[1], 0)}
        item["members"] = len(b.scopes.members_of(k[1]))
        item.update(values_of(b.node_json(kgi, r, lang)))
        item["kgi_label"] = b.node_json(kgi, None, lang)["label"]
        items.append(item)
    return items


def teams_head(b: Board, period: str | None, lang: str) -> dict[str, Any]:
    span = b.month(period)
    return {
        "model": b.model.name,
        "period": span.label,
        "as_of": b.as_of.isoformat(),
        "periods": [s.label for s in reversed(b.months())],
        "kgi": b.node_json(b.model.kgi, None, lang) | {"status": None, "reason": None},
    }


def funnel_span(b: Board, period: str | None) -> Span:
    """A month or a range of months; default: the last six months."""
    if period is not None:
        return parse_period(period, b.model.fiscal_year_start)
    months = b.months(FUNNEL_MONTHS)
    return Span(months[0].start, months[-1].end, "range", f"{months[0].label}..{months[-1].label}")


def funnel(b: Board, key: ScopeKey, span: Span, rows: list[FunnelRow]) -> dict[str, Any]:
    """Stage counts, conversion and drop-off of one scope, per entry month and in total."""
    configured = b.model.extra.get("funnel")
    stages = [str(x) for x in configured] if isinstance(configured, list) and configured else []
    mine = [r for r in rows if (r.scope_type, r.scope_id) == key]
    if not stages:
        stages = [stage for _, stage in sorted({(r.index, r.stage) for r in mine})]
    by_period: dict[str, list[FunnelRow]] = {}
    for r in mine:
        by_period.setdefault(r.period, []).append(r)
    periods = []
    totals = [0] * len(stages)
    for label in sorted(by_period):
        items = sorted(by_period[label], key=lambda r: r.index)
        for r in items:
            if r.index < len(totals):
                totals[r.index] += r.count
        periods.append({"period": label, "stages": [_funnel_row(r) for r in items]})
    total = []
    for i, stage in enumerate(stages):
        prev = totals[i - 1] if i else None
        nxt = totals[i + 1] if i + 1 < len(totals) else None
        total.append(
            {
                "stage": stage,
                "index": i,
                "count": totals[i],
                "conversion": totals[i] / prev if prev else None,
                "cumulative": totals[i] / totals[0] if totals[0] else None,
                "drop_off": totals[i] - nxt if nxt is not None else None,
                "median_days": None,
            }
        )
    return {
        "model": b.model.name,
        "scope": b.scope(key),
        "period": span.label,
        "as_of": b.as_of.isoformat(),
        "stages": stages,
        "total": total,
        "periods": periods,
        "scopes": [c for c in b.choices() if c["type"] != MEMBER or (MEMBER, c["id"]) == key],
    }


def _funnel_row(r: FunnelRow) -> dict[str, Any]:
    return {
        "stage": r.stage,
        "index": r.index,
        "count": r.count,
        "conversion": num(r.conversion),
        "cumulative": num(r.cumulative),
        "drop_off": r.drop_off,
        "median_days": r.median_days,
    }
