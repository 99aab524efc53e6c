"""The dashboard pages' data: home, KPI tree, node detail, teams, team, member, funnel.

Each computes only the scopes and months its page shows and returns its result model
(``app.results.dashboards``); the JSON twins return exactly this.
"""

from __future__ import annotations

from typing import Any

from rashinban.analysis.funnel import FunnelRow
from rashinban.analysis.status import StatusRow
from rashinban.app.dashboards.board import Board, num, values_of
from rashinban.app.results.common import NodeStatus
from rashinban.app.results.dashboards import (
    BreakdownRow,
    FunnelMonth,
    FunnelResult,
    FunnelStage,
    HomeResult,
    KgiHeading,
    MemberResult,
    NodeDetailResult,
    RankingRow,
    TeamResult,
    TeamSummary,
    TreeNode,
    TreeResult,
    TrendPoint,
)
from rashinban.errors import NotFoundError
from rashinban.i18n.stages import funnel_label
from rashinban.kpi.calendar import Span, parse_period
from rashinban.org.access import ScopeKey
from rashinban.org.scopes import COMPANY, MEMBER, TEAM

FUNNEL_MONTHS = 6


def _card(b: Board, nid: str, rows: dict[str, StatusRow], lang: str) -> NodeStatus:
    return NodeStatus(**b.node_fields(nid, rows.get(nid), lang))


def home(b: Board, key: ScopeKey, period: str | None, lang: str) -> HomeResult:
    """The KGI and the main KPIs of one scope in one month."""
    span = b.month(period)
    kgi = b.model.kgi
    kpis = b.main_kpis()
    rows = b.status([key], [span], [kgi, *kpis]).get((key, span.label), {})
    return HomeResult(
        **b.head(key, span),
        kgi=_card(b, kgi, rows, lang),
        kpis=[_card(b, n, rows, lang) for n in kpis],
    )


def tree(b: Board, key: ScopeKey, period: str | None, lang: str) -> TreeResult:
    """Every node of the model with its status, linked by formulas (roots: the KGI first)."""
    span = b.month(period)
    rows = b.status([key], [span]).get((key, span.label), {})
    model = b.model
    parents = model.parents()
    nodes = [
        TreeNode(
            **b.node_fields(nid, rows.get(nid), lang),
            children=[c for c in node.children if c in model.nodes],
            formula=node.formula_text,
            definition=node.definition,
        )
        for nid, node in model.nodes.items()
    ]
    roots = [model.kgi] + [nid for nid in model.nodes if not parents[nid] and nid != model.kgi]
    return TreeResult(**b.head(key, span), kgi=model.kgi, roots=roots, nodes=nodes)


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


def node_detail(b: Board, nid: str, key: ScopeKey, period: str | None, lang: str) -> NodeDetailResult:
    """A node's trend over the last twelve months and its breakdown by team/member."""
    if nid not in b.model.nodes:
        raise NotFoundError("node_unknown", node=nid)
    span = b.month(period)
    months = b.months(last=span)
    trend_rows = b.status([key], months, [nid])
    children = b.access.filter(_child_scopes(b, key))
    parts = b.status(children, [span], [nid])
    trend = [
        TrendPoint(
            period=s.label,
            partial=b.as_of in s,
            **values_of(b.node_fields(nid, trend_rows.get((key, s.label), {}).get(nid), lang)),
        )
        for s in months
    ]
    breakdown = [
        BreakdownRow(
            scope=b.team(c[1]) if c[0] == TEAM else b.member(c[1]),
            **values_of(b.node_fields(nid, parts.get((c, span.label), {}).get(nid), lang)),
        )
        for c in children
    ]
    return NodeDetailResult(
        **b.head(key, span),
        node=_card(b, nid, trend_rows.get((key, span.label), {}), lang),
        trend=trend,
        breakdown=breakdown,
    )


def _ranking(b: Board, members: list[ScopeKey], span: Span, lang: str) -> list[RankingRow]:
    kgi = b.model.kgi
    rows = b.status(members, [span], [kgi])
    out = []
    for m in members:
        r = rows.get((m, span.label), {}).get(kgi)
        out.append((b.member(m[1]), values_of(b.node_fields(kgi, r, lang))))
    out.sort(key=lambda x: (x[1]["achievement"] is None, -(x[1]["achievement"] or 0), x[0].name))
    return [RankingRow(member=ref, **values, rank=i) for i, (ref, values) in enumerate(out, 1)]


def _scope_page(b: Board, key: ScopeKey, period: str | None, lang: str) -> dict[str, Any]:
    """The fields a team's and a member's page share."""
    span = b.month(period)
    kgi = b.model.kgi
    kpis = b.main_kpis()
    rows = b.status([key], [span], [kgi, *kpis]).get((key, span.label), {})
    months = b.months(last=span)
    trend_rows = b.status([key], months, [kgi])
    trend = [
        TrendPoint(
            period=s.label,
            partial=b.as_of in s,
            **values_of(b.node_fields(kgi, trend_rows.get((key, s.label), {}).get(kgi), lang)),
        )
        for s in months
    ]
    return {
        **b.head(key, span),
        "kgi": _card(b, kgi, rows, lang),
        "kpis": [_card(b, n, rows, lang) for n in kpis],
        "trend": trend,
    }


def team(b: Board, team_id: int, period: str | None, lang: str) -> TeamResult:
    key = b.resolve((TEAM, team_id))
    span = b.month(period)
    members = b.access.filter([(MEMBER, m) for m in sorted(b.scopes.members_of(team_id))])
    subs = [(TEAM, t) for t, p in sorted(b.scopes.team_parent.items()) if p == team_id]
    parent = b.scopes.team_parent.get(team_id)
    return TeamResult(
        **_scope_page(b, key, period, lang),
        ranking=_ranking(b, members, span, lang),
        subteams=[b.team(k[1]) for k in b.access.filter(subs)],
        parent=b.team(parent) if parent and b.access.can_see((TEAM, parent)) else None,
    )


def member(b: Board, member_id: int, period: str | None, lang: str) -> MemberResult:
    key = b.resolve((MEMBER, member_id))
    team_id = b.scopes.member_team.get(member_id)
    visible_team = team_id is not None and b.access.can_see((TEAM, team_id))
    return MemberResult(
        **_scope_page(b, key, period, lang),
        team=b.team(team_id) if visible_team and team_id is not None else None,
    )


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
) -> list[TeamSummary]:
    """Teams with their KGI for the month (all teams under one model)."""
    span = b.month(period)
    kgi = b.model.kgi
    rows = b.status(keys, [span], [kgi])
    label = b.node_fields(kgi, None, lang)["label"]
    return [
        TeamSummary(
            team=b.team(k[1]),
            depth=depths.get(k[1], 0),
            members=len(b.scopes.members_of(k[1])),
            **values_of(b.node_fields(kgi, rows.get((k, span.label), {}).get(kgi), lang)),
            kgi_label=label,
        )
        for k in keys
    ]


def teams_head(b: Board, period: str | None, lang: str) -> dict[str, Any]:
    """The fields of ``TeamsResult`` but the teams."""
    span = b.month(period)
    kgi = b.node_fields(b.model.kgi, None, lang) | {"status": None, "reason": None}
    return {"model": b.model.name, **b.period_head(span), "kgi": KgiHeading(**kgi)}


def funnel_span(b: Board, period: str | None) -> Span:
    """A month or a range of months; default: the last six months."""
    if period is not None:
        return parse_period(period, b.model.fiscal_year_start)
    months = b.months(FUNNEL_MONTHS)
    return Span(months[0].start, months[-1].end, "range", f"{months[0].label}..{months[-1].label}")


def funnel(b: Board, key: ScopeKey, span: Span, rows: list[FunnelRow], lang: str = "ja") -> FunnelResult:
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
        periods.append(FunnelMonth(period=label, stages=[_funnel_row(r, lang) for r in items]))
    total = []
    for i, stage in enumerate(stages):
        prev = totals[i - 1] if i else None
        nxt = totals[i + 1] if i + 1 < len(totals) else None
        total.append(
            FunnelStage(
                stage=stage,
                label=funnel_label(stage, i, lang),
                index=i,
                count=totals[i],
                conversion=totals[i] / prev if prev else None,
                cumulative=totals[i] / totals[0] if totals[0] else None,
                drop_off=totals[i] - nxt if nxt is not None else None,
                median_days=None,
            )
        )
    return FunnelResult(
        model=b.model.name,
        scope=b.scope(key),
        period=span.label,
        as_of=b.as_of,
        stages=stages,
        total=total,
        periods=periods,
        scopes=[c for c in b.choices() if c.type != MEMBER or (MEMBER, c.id) == key],
    )


def _funnel_row(r: FunnelRow, lang: str) -> FunnelStage:
    return FunnelStage(
        stage=r.stage,
        label=funnel_label(r.stage, r.index, lang),
        index=r.index,
        count=r.count,
        conversion=num(r.conversion),
        cumulative=num(r.cumulative),
        drop_off=r.drop_off,
        median_days=r.median_days,
    )
