"""Targets for every scope and period: stored revisions first, else the model's plan.

The plan gives the company's value of each node in its own period; a node whose period
differs from the status period is converted (12 monthly targets make a fiscal year's).
Members get the plan's allocation when the model lists them by name; otherwise the
company's volumes are split equally over the store's members (rates are shared).  A team's
target is the sum of its members' (its rate target is the company's).
"""

from __future__ import annotations

from fractions import Fraction

from rashinban.kpi.allocate import split_whole
from rashinban.kpi.model import Member, Model
from rashinban.kpi.solve import Plan
from rashinban.kpi.tree import per_year
from rashinban.kpi.units import WHOLE_UNITS, Period
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex

Key = tuple[str, str, int | None, str]  # node, scope_type, scope_id, period label


def _people_for(
    owner: str | None,
    listed: list[Member],
    by_name: dict[str, int],
    members: list[int],
    scopes: ScopeIndex,
) -> tuple[list[int], list[Fraction]]:
    """Who shares a volume target: the model's listed members within the node's owner team
    (when ``owner`` names a team of the store), else all members of that team equally, else
    the listed members, else everyone."""
    team = scopes.find(owner, TEAM) if owner else None
    if team is not None:
        in_team = set(scopes.members_of(team.id))
        chosen = [mb for mb in listed if by_name[mb.name] in in_team]
        if chosen:
            return [by_name[mb.name] for mb in chosen], [mb.weight for mb in chosen]
        if in_team:
            people = sorted(in_team)
            return people, [Fraction(1)] * len(people)
    if listed:
        return [by_name[mb.name] for mb in listed], [mb.weight for mb in listed]
    return members, [Fraction(1)] * len(members)


def plan_targets(plan: Plan, scopes: ScopeIndex, kind: Period, labels: list[str]) -> dict[Key, Fraction]:
    model: Model = plan.model
    company: dict[str, Fraction] = {}
    for nid, pv in plan.values.items():
        if pv.value is None:
            continue
        value = pv.value
        if plan.additive.get(nid) and pv.period != kind:
            value = value * Fraction(per_year(model, pv.period), per_year(model, kind))
        company[nid] = value
    members = [sid for (stype, sid) in scopes.scopes if stype == MEMBER]
    by_name = {scopes.scopes[(MEMBER, m)].external_id or "": m for m in members}
    by_name.update({scopes.scopes[(MEMBER, m)].name: m for m in members})  # names win over ids
    listed = [mb for mb in model.members if mb.name in by_name]
    member_values: dict[tuple[str, int], Fraction] = {}
    for nid, value in company.items():
        if not plan.additive.get(nid):
            for m in members:
                member_values[(nid, m)] = value
            continue
        people, weights = _people_for(model.nodes[nid].owner, listed, by_name, members, scopes)
        if not people:
            continue
        step = Fraction(1) if model.nodes[nid].unit in WHOLE_UNITS else Fraction(0)
        parts = split_whole(value, weights, step) if step else [value * w / sum(weights) for w in weights]
        for m, part in zip(people, parts, strict=True):
            member_values[(nid, m)] = part
    out: dict[Key, Fraction] = {}
    for label in labels:
        for nid, value in company.items():
            out[(nid, COMPANY, None, label)] = value
        for (nid, m), value in member_values.items():
            out[(nid, MEMBER, m, label)] = value
        for stype, tid in scopes.scopes:
            if stype != TEAM:
                continue
            team_members = scopes.members_of(tid)
            for nid, value in company.items():
                if plan.additive.get(nid):
                    parts = [member_values[(nid, m)] for m in team_members if (nid, m) in member_values]
                    if parts:
                        out[(nid, TEAM, tid, label)] = sum(parts, Fraction(0))
                else:
                    out[(nid, TEAM, tid, label)] = value
    return out
