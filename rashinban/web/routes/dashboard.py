"""JSON twins of the dashboard pages (the pages render exactly this data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rashinban.web.dashkit import MemberId, NodeId, PeriodQ, RangeQ, ScopeQ, TeamId
from rashinban.web.deps import ApiCtx

router = APIRouter(prefix="/api", tags=["dashboards"])


@router.get("/home", summary="Home: the KGI and main KPIs of a scope")
def api_home(ctx: ApiCtx, period: PeriodQ = None, scope: ScopeQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.home(ctx.model, period, scope)


@router.get("/tree", summary="KPI tree: every node with target, actual and status")
def api_tree(ctx: ApiCtx, period: PeriodQ = None, scope: ScopeQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.tree(ctx.model, period, scope)


@router.get("/tree/nodes/{node}", summary="A node's 12-month trend and breakdown by team/member")
def api_node(ctx: ApiCtx, node: NodeId, period: PeriodQ = None, scope: ScopeQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.node(ctx.model, node, period, scope)


@router.get("/teams", summary="Visible teams with their KGI")
def api_teams(ctx: ApiCtx, period: PeriodQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.teams(ctx.model, period)


@router.get("/teams/{team_id}", summary="A team: KPIs, member ranking, trend")
def api_team(ctx: ApiCtx, team_id: TeamId, period: PeriodQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.team(ctx.model, team_id, period)


@router.get("/members/{member_id}", summary="A member: KPIs, pace, trend")
def api_member(ctx: ApiCtx, member_id: MemberId, period: PeriodQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.member(ctx.model, member_id, period)


@router.get("/funnel", summary="Funnel: stage counts, conversion and drop-off by month")
def api_funnel(ctx: ApiCtx, period: RangeQ = None, scope: ScopeQ = None) -> dict[str, Any]:
    return ctx.service.dashboards.funnel(ctx.model, period, scope)
