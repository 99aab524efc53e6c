"""Who an alert concerns: whose inbox it is in, who is told when it opens, who hears of it
when nobody acknowledges it.

* owner — a member's alert (and their deals'): the member's own user; a team's: the team's
  managers (else the nearest managers above); the company's and a data source's: admins;
* manager — the managers of the member's team, or of the nearest team above that has one
  (rules with ``notify_manager``, e.g. eセールスマネージャー's activity floor);
* escalation — the nearest managers above the owner who were not told yet, else admins.

Viewers are never told (read-only); their inbox shows their scopes' alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rashinban.org.access import access_for
from rashinban.org.roles import Role, role_of
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.org.users import User

ScopeKey = tuple[str, int]


@dataclass
class People:
    users: list[User]
    scopes: ScopeIndex
    by_member: dict[int, list[User]] = field(default_factory=dict)
    managers: dict[int, list[User]] = field(default_factory=dict)  # team id → its managers
    admins: list[User] = field(default_factory=list)

    def __post_init__(self) -> None:
        for u in self.users:
            role = role_of(u)
            if role in (Role.MEMBER, Role.PARTNER, Role.MANAGER) and u.member_id is not None:
                self.by_member.setdefault(u.member_id, []).append(u)
            if role is Role.MANAGER and u.team_id is not None:
                self.managers.setdefault(u.team_id, []).append(u)
            if role is Role.ADMIN:
                self.admins.append(u)

    def team_of(self, scope: ScopeKey) -> int | None:
        if scope[0] == MEMBER:
            return self.scopes.member_team.get(scope[1])
        return scope[1] if scope[0] == TEAM else None

    def managers_from(self, team: int | None) -> list[User]:
        """The managers of ``team`` or of the nearest team above it that has any."""
        for t in self.scopes.team_chain(team):
            if self.managers.get(t):
                return list(self.managers[t])
        return []

    def owners(self, scope: ScopeKey) -> list[User]:
        if scope[0] == MEMBER:
            return list(self.by_member.get(scope[1], []))
        if scope[0] == TEAM:
            return self.managers_from(scope[1]) or list(self.admins)
        return list(self.admins)

    def managers_of(self, scope: ScopeKey) -> list[User]:
        """A member's manager(s); for a team, the managers above it."""
        if scope[0] == MEMBER:
            return self.managers_from(self.team_of(scope))
        if scope[0] == TEAM:
            return self.managers_from(self.scopes.team_parent.get(scope[1]))
        return []

    def told_at_open(self, scope: ScopeKey, notify_manager: bool) -> list[User]:
        out = self.owners(scope)
        if notify_manager:
            out += self.managers_of(scope)
        return _unique(out)

    def escalation(self, scope: ScopeKey, told: set[int]) -> list[User]:
        """The nearest managers above the owner not told yet; else admins not told yet."""
        team = self.team_of(scope)
        chain = self.scopes.team_chain(team)
        if scope[0] == TEAM:
            chain = chain[1:] if chain and chain[0] == scope[1] else chain
        for t in chain:
            fresh = [u for u in self.managers.get(t, []) if u.id not in told]
            if fresh:
                return fresh
        if scope[0] == COMPANY:
            return []
        return [u for u in self.admins if u.id not in told]

    def inbox_scopes(self, user: User) -> frozenset[ScopeKey] | None:
        """The alert scopes in a user's inbox: a member's own; a manager's, partner's or
        viewer's teams and their members; everything for an admin (None)."""
        return inbox_scopes(user, self.scopes)


def inbox_scopes(user: User | None, scopes: ScopeIndex) -> frozenset[ScopeKey] | None:
    role = role_of(user)
    if user is None:
        return None
    if role is Role.MEMBER:
        return frozenset({(MEMBER, user.member_id)}) if user.member_id is not None else frozenset()
    access = access_for(user, scopes)
    return access.visible


def _unique(users: list[User]) -> list[User]:
    seen: dict[int, User] = {}
    for u in users:
        seen.setdefault(u.id, u)
    return list(seen.values())


__all__ = ["People", "inbox_scopes"]
