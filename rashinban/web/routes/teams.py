"""Team and member pages (JSON twins in routes/dashboard.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rashinban.web.dashkit import MemberId, PeriodQ, TeamId, dash_helpers, model_path
from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/teams", include_in_schema=False)
def teams_page(ctx: PageCtx, period: PeriodQ = None) -> Response:
    data = ctx.service.dashboard_teams(model_path(ctx), period)
    return render(ctx, "dash/teams.html", d=data, **dash_helpers(ctx.lang))


@router.get("/teams/{team_id}", include_in_schema=False)
def team_page(ctx: PageCtx, team_id: TeamId, period: PeriodQ = None) -> Response:
    data = ctx.service.dashboard_team(model_path(ctx), team_id, period)
    return render(ctx, "dash/team.html", d=data, **dash_helpers(ctx.lang))


@router.get("/members/{member_id}", include_in_schema=False)
def member_page(ctx: PageCtx, member_id: MemberId, period: PeriodQ = None) -> Response:
    data = ctx.service.dashboard_member(model_path(ctx), member_id, period)
    return render(ctx, "dash/member.html", d=data, **dash_helpers(ctx.lang))
