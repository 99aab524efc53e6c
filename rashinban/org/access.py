"""What a signed-in user may see: the scopes (company, teams, members) of each role.

| role    | visible scopes                                                             |
|---------|----------------------------------------------------------------------------|
| admin   | everything                                                                 |
| manager | the user's team (``users.team_id``), every team below it, their members    |
| member  | the user's own member scope and the aggregate of the member's own team     |
| partner | the agency team (``users.team_id`` with ``teams.kind = 'agency'``), the    |
|         | teams below it and their members                                           |
| viewer  | read-only: the team of ``users.team_id`` (e.g. the agency its client        |
|         | watches), the teams below it and their members                             |

Nobody but an admin sees the company aggregate.  A user without the team or member their
role needs sees nothing.  ``None`` for the user (the CLI) sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from rashinban.errors import ForbiddenError
from rashinban.org.roles import Role, role_of
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.org.users import User

ScopeKey = tuple[str, int]


@dataclass(frozen=True)
class Access:
    """The scopes one user may see (``visible is None``: all of them)."""

    visible: frozenset[ScopeKey] | None
    home: ScopeKey | None  # the scope the user's dashboards open on
    read_only: bool = False

    @property
    def everything(self) -> bool:
        return self.visible is None

    def can_see(self, key: ScopeKey) -> bool:
        return self.visible is None or key in self.visible

    def check(self, key: ScopeKey, label: str | None = None) -> None:
        """Raise :class:`ForbiddenError` unless ``key`` is visible."""
        if not self.can_see(key):
            raise ForbiddenError("forbidden_scope", kind=key[0], value=label or str(key[1]))

    def filter(self, keys: list[ScopeKey]) -> list[ScopeKey]:
        return list(keys) if self.visible is None else [k for k in keys if k in self.visible]


EVERYTHING = Access(None, (COMPANY, 0))


def _subtree(scopes: ScopeIndex, team: int) -> set[ScopeKey]:
    teams = {(TEAM, t) for t in scopes.team_parent if team in scopes.team_chain(t)}
    members = {(MEMBER, m) for m in scopes.members_of(team)}
    return teams | members


def access_for(user: User | None, scopes: ScopeIndex) -> Access:
    """The scopes ``user`` may see in ``scopes`` (the CLI, ``user is None``, sees all)."""
    role = role_of(user)
    if user is None or role is Role.ADMIN:
        return EVERYTHING
    team = user.team_id if user.team_id is not None and (TEAM, user.team_id) in scopes.scopes else None
    if role is Role.MEMBER:
        member = user.member_id if (MEMBER, user.member_id or -1) in scopes.scopes else None
        if member is None:
            return Access(frozenset(), None)
        own_team = scopes.member_team.get(member)
        visible: set[ScopeKey] = {(MEMBER, member)}
        if own_team is not None and (TEAM, own_team) in scopes.scopes:
            visible.add((TEAM, own_team))
        return Access(frozenset(visible), (MEMBER, member))
    if role is Role.PARTNER:
        if team is None or team not in scopes.agency_teams:
            return Access(frozenset(), None)
        return Access(frozenset(_subtree(scopes, team)), (TEAM, team))
    if role in (Role.MANAGER, Role.VIEWER):
        read_only = role is Role.VIEWER
        if team is None:
            return Access(frozenset(), None, read_only=read_only)
        return Access(frozenset(_subtree(scopes, team)), (TEAM, team), read_only=read_only)
    return Access(frozenset(), None, read_only=True)  # an unknown role sees nothing


__all__ = ["EVERYTHING", "Access", "ScopeKey", "access_for"]
