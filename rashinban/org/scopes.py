"""Scopes: the company, every team at every level, every member.

A row attributed to a member counts for the member, for each team from the member's team
up to the top, and for the company; a row attributed to a team counts for that team, the
teams above it and the company.  ``scope_map`` holds these links as a small table that the
engine joins to member-level aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COMPANY = "company"
TEAM = "team"
MEMBER = "member"
UNASSIGNED = -1  # rows without a member: they count for the company only


@dataclass(frozen=True)
class Scope:
    type: str  # company | team | member
    id: int  # 0 for the company
    name: str
    parent: tuple[str, int] | None = None
    team_id: int | None = None  # a member's team
    external_id: str | None = None


@dataclass
class ScopeIndex:
    scopes: dict[tuple[str, int], Scope]
    team_parent: dict[int, int | None]
    member_team: dict[int, int | None]
    agency_teams: set[int] = field(default_factory=set)

    @classmethod
    def from_rows(
        cls,
        teams: list[dict[str, Any]],
        members: list[dict[str, Any]],
        company_name: str = "全社",
    ) -> ScopeIndex:
        scopes: dict[tuple[str, int], Scope] = {(COMPANY, 0): Scope(COMPANY, 0, company_name)}
        team_parent: dict[int, int | None] = {}
        for t in teams:
            team_parent[int(t["id"])] = int(t["parent_id"]) if t.get("parent_id") is not None else None
        for t in teams:
            tid = int(t["id"])
            parent = team_parent[tid]
            scopes[(TEAM, tid)] = Scope(
                TEAM,
                tid,
                str(t["name"]),
                (TEAM, parent) if parent else (COMPANY, 0),
                None,
                t.get("external_id"),
            )
        member_team: dict[int, int | None] = {}
        for m in members:
            mid = int(m["id"])
            team = int(m["team_id"]) if m.get("team_id") is not None else None
            member_team[mid] = team
            parent_scope = (TEAM, team) if team is not None else (COMPANY, 0)
            scopes[(MEMBER, mid)] = Scope(
                MEMBER, mid, str(m["name"]), parent_scope, team, m.get("external_id")
            )
        agency = {int(t["id"]) for t in teams if t.get("kind") == "agency"}
        return cls(scopes, team_parent, member_team, agency)

    def team_chain(self, team: int | None) -> list[int]:
        """The team and every team above it (guarding against cycles in bad data)."""
        out: list[int] = []
        while team is not None and team not in out:
            out.append(team)
            team = self.team_parent.get(team)
        return out

    def member_map(self) -> dict[str, list[Any]]:
        """Columns (key, scope_type, scope_id) linking member ids to every scope they count for."""
        keys: list[int] = []
        types: list[str] = []
        ids: list[int] = []

        def add(key: int, stype: str, sid: int) -> None:
            keys.append(key)
            types.append(stype)
            ids.append(sid)

        for mid, team in self.member_team.items():
            add(mid, MEMBER, mid)
            for t in self.team_chain(team):
                add(mid, TEAM, t)
            add(mid, COMPANY, 0)
        add(UNASSIGNED, COMPANY, 0)
        return {"_key": keys, "scope_type": types, "scope_id": ids}

    def team_map(self) -> dict[str, list[Any]]:
        keys: list[int] = []
        types: list[str] = []
        ids: list[int] = []
        for tid in self.team_parent:
            for t in self.team_chain(tid):
                keys.append(tid)
                types.append(TEAM)
                ids.append(t)
            keys.append(tid)
            types.append(COMPANY)
            ids.append(0)
        keys.append(UNASSIGNED)
        types.append(COMPANY)
        ids.append(0)
        return {"_key": keys, "scope_type": types, "scope_id": ids}

    def members_of(self, team: int) -> list[int]:
        """Members of ``team`` and of every team below it."""
        return [m for m, t in self.member_team.items() if team in self.team_chain(t)]

    def find(self, text: str, stype: str) -> Scope | None:
        """A team or member by name, external id, or internal id (in that order)."""
        candidates = [s for (t, _), s in self.scopes.items() if t == stype]
        for match in (
            lambda s: s.name == text,
            lambda s: s.external_id == text,
            lambda s: str(s.id) == text,
        ):
            found = [s for s in candidates if match(s)]
            if found:
                return found[0]
        return None
