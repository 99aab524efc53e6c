"""Team and member pages (JSON twins in routes/dashboard.py)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rashinban.web.dashkit import MemberId, SpanQ, TeamId, dash_helpers
from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/teams", include_in_schema=False)
def teams_page(ctx: PageCtx, period: SpanQ = None) -> Response:
    data = ctx.service.dashboards.teams(ctx.model, period)
    return render(ctx, "dash/teams.html", d=data.model_dump(mode="json"), **dash_helpers(ctx.lang))


@router.get("/teams/{team_id}", include_in_schema=False)
def team_page(ctx: PageCtx, team_id: TeamId, period: SpanQ = None) -> Response:
    data = ctx.service.dashboards.team(ctx.model, team_id, period)
    return render(ctx, "dash/team.html", d=data.model_dump(mode="json"), **dash_helpers(ctx.lang))


@router.get("/members/{member_id}", include_in_schema=False)
def member_page(ctx: PageCtx, member_id: MemberId, period: SpanQ = None) -> Response:
    data = ctx.service.dashboards.member(ctx.model, member_id, period)
    return render(ctx, "dash/member.html", d=data.model_dump(mode="json"), **dash_helpers(ctx.lang))
