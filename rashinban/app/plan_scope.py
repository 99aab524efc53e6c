"""Whose targets a planner may set: write scope follows read scope.

Admins (``Permission.PLAN_COMPANY``) and the CLI plan the company.  Any other planner — a
manager — plans their own team and the teams below it: the planning page shows only that
team's members, a target stated in the model for the company starts at the team's share of
it (the company plan's split), saving writes only the team's and its sub-teams' and
members' targets (never the company's, never another department's), and the revision
history shows only those scopes.  A node owned by a team outside the planner's branch (say
the inside-sales call target for a field-sales manager) is not theirs to plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from rashinban.analysis.targets import plan_targets
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.errors import ForbiddenError, ModelError
from rashinban.kpi.model import Model
from rashinban.kpi.solve import solve
from rashinban.org.roles import Permission, allowed
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex


@dataclass(frozen=True)
class PlanScope:
    root: int  # the planner's team
    name: str
    teams: frozenset[int]  # the team and every team below it
    members: frozenset[int]  # their members
    above: frozenset[int]  # the teams above the planner's team

    def writes(self, scope_type: str, scope_id: int | None) -> bool:
        if scope_type == TEAM:
            return scope_id in self.teams
        if scope_type == MEMBER:
            return scope_id in self.members
        return False

    def owns(self, model: Model, node: str, scopes: ScopeIndex) -> bool:
        """Whether the node concerns the planner's branch (its owner team is in it or above
        it, or it names no team of the store)."""
        owner = model.nodes[node].owner if node in model.nodes else None
        team = scopes.find(owner, TEAM) if owner else None
        return team is None or team.id in self.teams or team.id in self.above


def plan_scope(ctx: AppContext) -> PlanScope | None:
    """None: the whole company (admins, the CLI, jobs); else the planner's branch."""
    user = ctx.user
    if user is None or allowed(user, Permission.PLAN_COMPANY):
        return None
    scopes = org.scope_index(ctx)
    team = user.team_id
    if team is None or (TEAM, team) not in scopes.scopes:
        raise ForbiddenError("plan_no_scope")
    teams = frozenset(t for t in scopes.team_parent if team in scopes.team_chain(t))
    return PlanScope(
        root=team,
        name=scopes.scopes[(TEAM, team)].name,
        teams=teams,
        members=frozenset(scopes.members_of(team)),
        above=frozenset(scopes.team_chain(team)[1:]),
    )


def restricted_index(scopes: ScopeIndex, scope: PlanScope) -> ScopeIndex:
    """The scope index cut to the planner's branch (its team becomes the top)."""
    keep = {
        k: v
        for k, v in scopes.scopes.items()
        if k == (COMPANY, 0)
        or (k[0] == TEAM and k[1] in scope.teams)
        or (k[0] == MEMBER and k[1] in scope.members)
    }
    parents = {
        t: (p if p in scope.teams else None) for t, p in scopes.team_parent.items() if t in scope.teams
    }
    members = {m: scopes.member_team.get(m) for m in scope.members}
    return ScopeIndex(keep, parents, members, set(scopes.agency_teams) & set(scope.teams))


def _member_ids(model: Model, scopes: ScopeIndex) -> dict[str, int]:
    by_name: dict[str, int] = {}
    for (stype, sid), s in scopes.scopes.items():
        if stype == MEMBER:
            by_name.setdefault(s.external_id or "", sid)
            by_name[s.name] = sid
    return {m.name: by_name[m.name] for m in model.members if m.name in by_name}


def member_ids(ctx: AppContext, model: Model) -> dict[str, int]:
    """The model's members (by name or external id) → their member ids in the store."""
    return _member_ids(model, org.scope_index(ctx))


def model_for(ctx: AppContext, model: Model) -> Model:
    """The model as this planner plans it: their members only, stated volume targets cut
    to their team's share, nodes of other branches without targets."""
    scope = plan_scope(ctx)
    if scope is None:
        return model
    scopes = org.scope_index(ctx)
    ids = _member_ids(model, scopes)
    members = tuple(m for m in model.members if ids.get(m.name) in scope.members)
    shares = _shares(model, scopes, scope)
    nodes = dict(model.nodes)
    for nid, node in model.nodes.items():
        if node.target is None:
            continue
        if not scope.owns(model, nid, scopes):
            nodes[nid] = dataclasses.replace(node, target=None)
        elif nid in shares:
            nodes[nid] = dataclasses.replace(node, target=_round(node.target * shares[nid], node.target))
    return dataclasses.replace(model, members=members, nodes=nodes)


def _round(value: Fraction, like: Fraction) -> Fraction:
    return Fraction(round(value)) if like.denominator == 1 else value


def _shares(model: Model, scopes: ScopeIndex, scope: PlanScope) -> dict[str, Fraction]:
    """Each additive node's team share in the company plan (team value ÷ company value)."""
    try:
        plan = solve(model)
    except ModelError:
        return {}
    out = plan_targets(plan, scopes, model.period, ["_"])
    shares: dict[str, Fraction] = {}
    for nid in model.nodes:
        if not plan.additive.get(nid):
            continue
        company = out.get((nid, COMPANY, None, "_"))
        team = out.get((nid, TEAM, scope.root, "_"))
        if company and team is not None:
            shares[nid] = team / company
    return shares


def index_for(ctx: AppContext) -> ScopeIndex:
    """The scope index a plan is split over (cut to the planner's branch)."""
    scopes = org.scope_index(ctx)
    scope = plan_scope(ctx)
    return scopes if scope is None else restricted_index(scopes, scope)


def keep_row(ctx: AppContext, model: Model, node: str, scope_type: str, scope_id: int | None) -> bool:
    """Whether a target row is the planner's to write (and to see in the history)."""
    scope = plan_scope(ctx)
    if scope is None:
        return True
    return scope.writes(scope_type, scope_id) and scope.owns(model, node, org.scope_index(ctx))
