"""JSON twins of the dashboard pages (the pages render exactly this data), and the error
responses every JSON route of the app declares."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rashinban.service import (
    ErrorBody,
    FieldErrors,
    FunnelResult,
    HomeResult,
    HttpError,
    MemberResult,
    NodeDetailResult,
    RequestInvalid,
    TeamResult,
    TeamsResult,
    TreeResult,
)
from rashinban.web.dashkit import MemberId, NodeId, PeriodQ, RangeQ, ScopeQ, SpanQ, TeamId
from rashinban.web.deps import ApiCtx

ERRORS: dict[int, tuple[Any, str]] = {
    400: (ErrorBody, "The model or a value cannot be used"),
    401: (HttpError, "Not signed in and no valid API token"),
    403: (ErrorBody, "The user's role or scope does not allow it"),
    404: (ErrorBody, "No such scope, node, team, member or user"),
    409: (ErrorBody, "The idempotency key was used before for another request"),
    422: (
        RequestInvalid | ErrorBody,
        "The parameters or the body do not match the schema, or go beyond a documented limit "
        "(a period outside 1900–2199 or longer than 20 years, a number of 10^15 or more)",
    ),
    503: (ErrorBody, "The store is busy with another write: try again"),
}


def error_responses(*codes: int, form: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a JSON route: 401 and 422 always, plus ``codes``.  ``form``: a write
    with a JSON body — a body that is no JSON is a 400 of the HTTP layer, a missing CSRF
    token (session sign-in) a 403 of it, and a 422 may carry the form's field errors."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({401, 422, *codes}):
        model, description = ERRORS[code]
        if form and code == 422:
            model = FieldErrors | RequestInvalid | ErrorBody
            description = "Field errors, a body off the schema, or a value beyond a documented limit"
        elif form and code in (400, 403):
            model = ErrorBody | HttpError
        out[code] = {"model": model, "description": description}
    return out


router = APIRouter(prefix="/api", tags=["dashboards"], responses=error_responses(400, 403))


@router.get("/home", summary="Home: the KGI and main KPIs of a scope", responses=error_responses(404))
def api_home(ctx: ApiCtx, period: SpanQ = None, scope: ScopeQ = None) -> HomeResult:
    return ctx.service.dashboards.home(ctx.model, period, scope)


@router.get(
    "/tree", summary="KPI tree: every node with target, actual and status", responses=error_responses(404)
)
def api_tree(ctx: ApiCtx, period: SpanQ = None, scope: ScopeQ = None) -> TreeResult:
    return ctx.service.dashboards.tree(ctx.model, period, scope)


@router.get(
    "/tree/nodes/{node}",
    summary="A node's 12-month trend and breakdown by team/member",
    responses=error_responses(404),
)
def api_node(ctx: ApiCtx, node: NodeId, period: PeriodQ = None, scope: ScopeQ = None) -> NodeDetailResult:
    return ctx.service.dashboards.node(ctx.model, node, period, scope)


@router.get("/teams", summary="Visible teams with their KGI")
def api_teams(ctx: ApiCtx, period: SpanQ = None) -> TeamsResult:
    return ctx.service.dashboards.teams(ctx.model, period)


@router.get("/teams/{team_id}", summary="A team: KPIs, member ranking, trend", responses=error_responses(404))
def api_team(ctx: ApiCtx, team_id: TeamId, period: SpanQ = None) -> TeamResult:
    return ctx.service.dashboards.team(ctx.model, team_id, period)


@router.get("/members/{member_id}", summary="A member: KPIs, pace, trend", responses=error_responses(404))
def api_member(ctx: ApiCtx, member_id: MemberId, period: SpanQ = None) -> MemberResult:
    return ctx.service.dashboards.member(ctx.model, member_id, period)


@router.get(
    "/funnel",
    summary="Funnel: stage counts, conversion and drop-off by month",
    responses=error_responses(404),
)
def api_funnel(ctx: ApiCtx, period: RangeQ = None, scope: ScopeQ = None) -> FunnelResult:
    return ctx.service.dashboards.funnel(ctx.model, period, scope)
