"""The organisation as stored: the scope index, members to choose from, team subtrees."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from rashinban.org.scopes import ScopeIndex
from rashinban.store.db import Store
from rashinban.store.schema import members, teams


@dataclass(frozen=True)
class MemberChoice:
    id: int
    name: str
    team: str | None


def load_scope_index(store: Store, company_name: str = "全社") -> ScopeIndex:
    with store.engine.connect() as conn:
        team_rows = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(teams.c.id, teams.c.name, teams.c.parent_id, teams.c.kind, teams.c.external_id)
            )
        ]
        member_rows = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(members.c.id, members.c.name, members.c.team_id, members.c.external_id)
            )
        ]
    return ScopeIndex.from_rows(team_rows, member_rows, company_name)


def team_subtree(store: Store, team_id: int) -> set[int]:
    """The team and every team below it."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(teams.c.id, teams.c.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for tid, parent in rows:
        children.setdefault(parent, []).append(tid)
    out: set[int] = set()
    stack = [team_id]
    while stack:
        tid = stack.pop()
        if tid in out:
            continue
        out.add(tid)
        stack.extend(children.get(tid, []))
    return out


def active_members(store: Store, ids: list[int] | None = None) -> list[MemberChoice]:
    """Active members (all, or those with these ids) with their team's name."""
    q = (
        sa.select(members.c.id, members.c.name, teams.c.name.label("team"))
        .select_from(members.outerjoin(teams, teams.c.id == members.c.team_id))
        .where(members.c.active)
        .order_by(members.c.id)
    )
    if ids is not None:
        if not ids:
            return []
        q = q.where(members.c.id.in_(ids))
    with store.engine.connect() as conn:
        return [MemberChoice(r.id, r.name, r.team) for r in conn.execute(q)]
