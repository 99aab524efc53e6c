"""What administration returns: the overview of users, teams and settings (``/api/admin``),
the admin page's data, and the bodies of its writes (``{"ok": true, …}``)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from rashinban.app.results.common import Ok, Result, RoleName, TeamKind


class AdminUser(Result):
    """A user account."""

    id: int
    username: str
    display_name: str | None
    role: RoleName
    member_id: int | None = Field(description="the member the user is (reps: their own numbers)")
    team_id: int | None = Field(description="the team whose scope the user sees (managers, partners …)")
    active: bool = Field(description="False: deactivated, may not sign in")


class AdminTeam(Result):
    """A team of the organisation."""

    id: int
    name: str
    parent_id: int | None = Field(description="the team above (None: a top team)")
    kind: TeamKind = Field(description="an agency team holds a partner's members")
    client: str | None = Field(description="for an agency team: the client it serves")


class AdminMember(Result):
    """An active member, for the user form's member choice."""

    id: int
    name: str
    team: str | None = Field(description="the member's team name")


class AdminOverview(Result):
    """``GET /api/admin``: users, teams, funnel stages and company holidays (admins only)."""

    users: list[AdminUser]
    teams: list[AdminTeam]
    funnel_stages: list[str] = Field(description="the store's stages (empty: the model's or the default)")
    company_holidays: list[date] = Field(description="days off besides public holidays, in order")


class AdminPage(AdminOverview):
    """The admin page: the overview and the members a user may be linked to."""

    members: list[AdminMember]


class Created(Ok):
    """A user or a team was created (201)."""

    id: int = Field(description="the new row's id")


class StagesSaved(Ok):
    """The funnel stages were set."""

    items: list[str] = Field(description="the stages now set (empty: back to the default)")


class HolidaysSaved(Ok):
    """The company holidays were set."""

    items: list[date] = Field(description="every day now set, ranges expanded, in order")


__all__ = [
    "AdminMember",
    "AdminOverview",
    "AdminPage",
    "AdminTeam",
    "AdminUser",
    "Created",
    "HolidaysSaved",
    "StagesSaved",
]
