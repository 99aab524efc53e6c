"""Targets for every scope and period: stored revisions first, else the model's plan.

The plan gives the company's value of each node in the node's own period.  A period of
another kind gets its share by business days (``kpi/prorate.py``): a Golden Week week gets
its two business days' worth, a public holiday nothing, a quarter or a range (上期, 累計)
the sum of its months — whole numbers of 件 and 円 throughout.

Only the owners of a KPI carry its target (``owner:`` names one team or several, e.g.
``[東日本営業部, 西日本営業部]``): volumes are split among the owners' members — by the model's
weights for the members it lists, else equally — with the largest-remainder method, so the
parts sum exactly to the whole; a team's target is the sum of its members'; rates and unit
prices go, unchanged, to the owners' members, the owner teams, the teams below and above
them.  A field-sales team carries no lead target that inside sales owns.  A node without
owner (or naming no team of the store) belongs to everyone.
"""

from __future__ import annotations

import math
from fractions import Fraction

from rashinban.errors import PeriodError
from rashinban.kpi.allocate import split_whole
from rashinban.kpi.calendar import BusinessCalendar, parse_period
from rashinban.kpi.model import Member, Model
from rashinban.kpi.prorate import spread
from rashinban.kpi.solve import Plan
from rashinban.kpi.tree import per_year
from rashinban.kpi.units import WHOLE_UNITS, Direction, Period
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex

Key = tuple[str, str, int | None, str]  # node, scope_type, scope_id, period label


def owner_names(owner: str | None) -> list[str]:
    """``東日本営業部, 西日本営業部`` → the two names (a model may list owner teams)."""
    if not owner:
        return []
    return [o.strip() for o in owner.replace("、", ",").split(",") if o.strip()]


def owner_teams(owner: str | None, scopes: ScopeIndex) -> list[int]:
    """The store's teams an ``owner:`` names (none: the node belongs to everyone)."""
    out = []
    for name in owner_names(owner):
        team = scopes.find(name, TEAM)
        if team is not None and team.id not in out:
            out.append(team.id)
    return out


def owned_scopes(owner: str | None, scopes: ScopeIndex) -> set[tuple[str, int]] | None:
    """The scopes that carry an owned KPI: the owner teams, the teams below and above them and
    their members (None: every scope)."""
    teams = owner_teams(owner, scopes)
    if not teams:
        return None
    out: set[tuple[str, int]] = {(COMPANY, 0)}
    for tid in teams:
        out |= {(TEAM, t) for t in scopes.team_chain(tid)}
        out |= {(TEAM, t) for t in scopes.team_parent if tid in scopes.team_chain(t)}
        out |= {(MEMBER, m) for m in scopes.members_of(tid)}
    return out


def _people_for(
    owner: str | None,
    listed: list[Member],
    by_name: dict[str, int],
    members: list[int],
    scopes: ScopeIndex,
) -> tuple[list[int], list[Fraction]]:
    """Who shares a volume target: the model's listed members within the owner teams, else
    all members of those teams equally, else the listed members, else everyone."""
    teams = owner_teams(owner, scopes)
    if teams:
        in_team = {m for tid in teams for m in scopes.members_of(tid)}
        chosen = [mb for mb in listed if by_name[mb.name] in in_team]
        if chosen:
            return [by_name[mb.name] for mb in chosen], [mb.weight for mb in chosen]
        if in_team:
            people = sorted(in_team)
            return people, [Fraction(1)] * len(people)
    if listed:
        return [by_name[mb.name] for mb in listed], [mb.weight for mb in listed]
    return members, [Fraction(1)] * len(members)


def whole_value(value: Fraction, direction: Direction) -> Fraction:
    """A count or yen value made whole the way that still reaches the goal."""
    if value.denominator == 1:
        return value
    return Fraction(math.ceil(value) if direction is Direction.HIGHER else math.floor(value))


def company_values(
    plan: Plan, kind: Period, labels: list[str], calendar: BusinessCalendar | None = None
) -> dict[tuple[str, str], Fraction]:
    """(node, label) → the company's target: the plan's value spread by business days."""
    model: Model = plan.model
    cal = calendar or BusinessCalendar(model.holidays)
    out: dict[tuple[str, str], Fraction] = {}
    for label in labels:
        try:
            span = parse_period(label, model.fiscal_year_start)
        except PeriodError:
            span = None  # a placeholder label: the status period's own value
        for nid, pv in plan.values.items():
            if pv.value is None:
                continue
            node = model.nodes[nid]
            whole = node.unit in WHOLE_UNITS
            value = whole_value(pv.value, node.direction) if whole else pv.value
            if plan.additive.get(nid):
                if span is not None:
                    up = node.direction is Direction.HIGHER
                    value = spread(value, pv.period, span, cal, model.fiscal_year_start, whole, up)
                elif pv.period != kind:
                    value = value * Fraction(per_year(model, pv.period), per_year(model, kind))
                    value = whole_value(value, node.direction) if whole else value
            out[(nid, label)] = value
    return out


def plan_targets(
    plan: Plan,
    scopes: ScopeIndex,
    kind: Period,
    labels: list[str],
    calendar: BusinessCalendar | None = None,
) -> dict[Key, Fraction]:
    model: Model = plan.model
    company = company_values(plan, kind, labels, calendar)
    members = [sid for (stype, sid) in scopes.scopes if stype == MEMBER]
    by_name = {scopes.scopes[(MEMBER, m)].external_id or "": m for m in members}
    by_name.update({scopes.scopes[(MEMBER, m)].name: m for m in members})  # names win over ids
    listed = [mb for mb in model.members if mb.name in by_name]
    teams = {tid: scopes.members_of(tid) for (stype, tid) in scopes.scopes if stype == TEAM}
    out: dict[Key, Fraction] = {}
    for nid, node in model.nodes.items():
        owned = owned_scopes(node.owner, scopes)
        people, weights = _people_for(node.owner, listed, by_name, members, scopes)
        whole = node.unit in WHOLE_UNITS
        for label in labels:
            value = company.get((nid, label))
            if value is None:
                continue
            out[(nid, COMPANY, None, label)] = value
            if not plan.additive.get(nid):
                for stype, sid in scopes.scopes:
                    if stype != COMPANY and (owned is None or (stype, sid) in owned):
                        out[(nid, stype, sid, label)] = value
                continue
            if not people:
                continue
            parts = (
                split_whole(value, weights, Fraction(1))
                if whole
                else [value * w / sum(weights, Fraction(0)) for w in weights]
            )
            share = dict(zip(people, parts, strict=True))
            for m, part in share.items():
                out[(nid, MEMBER, m, label)] = part
            for tid, team_members in teams.items():
                mine = [share[m] for m in team_members if m in share]
                if mine:
                    out[(nid, TEAM, tid, label)] = sum(mine, Fraction(0))
    return out
