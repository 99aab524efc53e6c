"""What the member administration returns (``/api/admin/members``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rashinban.app.results.common import Result


class MemberInfo(Result):
    """A member with its team and how much data it holds."""

    id: int
    name: str
    email: str | None
    team_id: int | None = Field(description="None: no team (counts for the company only)")
    team: str | None
    role: str | None
    active: bool
    source: str = Field(description="where the member came from: demo, salesforce, rashinban …")
    external_id: str
    deals: int = Field(description="deals it owns")
    leads: int = Field(description="leads it owns")
    activities: int


class TeamChoice(Result):
    id: int
    name: str


class MembersList(Result):
    """``GET /api/admin/members``: every member, teamless ones first, and the teams."""

    members: list[MemberInfo]
    teams: list[TeamChoice]
    teamless: int = Field(description="members without a team: their numbers reach no team total")


class MemberChanged(Result):
    """A rename or a move: the member now, and what changed (old → new)."""

    member: MemberInfo
    before: dict[str, Any]
    after: dict[str, Any]


class MembersMerged(Result):
    """A merge: the member kept, the one merged into it (now gone) and the rows moved."""

    member: MemberInfo
    merged_id: int
    merged_name: str
    moved: dict[str, int] = Field(description="rows re-pointed per table.column")
