"""What the dashboards return: home, KPI tree, node detail, teams, team, member, funnel.

The JSON twins (``/api/home`` …) return exactly these; the pages render the same data.  A
row that carries a node's numbers next to other fields derives from :class:`StatusValues`
and a small head class: Pydantic lists the fields of the base named last first, so the
head's fields lead (``{"period": …, "target": …}``), as the API always answered.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from rashinban.app.results.common import (
    MemberRef,
    Month,
    NodeInfo,
    NodeStatus,
    PeriodName,
    Result,
    ScopeOption,
    ScopeRef,
    StatusValues,
    TeamRef,
)

SubScope = Annotated[TeamRef | MemberRef, Field(discriminator="type")]
Periods = Annotated[list[Month], Field(description="the last twelve months, newest first (the selector)")]


class PeriodOption(Result):
    """A period the page can show besides the months: this week, quarter, half (上期/下期), the
    fiscal year's other half and the fiscal year, the next month (for planning), and the
    period shown when it is none of these."""

    label: PeriodName
    kind: Literal[
        "week", "month", "quarter", "half", "first_half", "second_half", "fiscal_year", "next_month", "shown"
    ]


class _Head(Result):
    model: str = Field(description="the name of the model the page is computed with")
    scope: ScopeRef
    period: PeriodName = Field(description="the period shown (a month unless another was asked)")
    as_of: date = Field(description="the day the pace is measured at (today)")
    periods: Periods
    other_periods: list[PeriodOption] = Field(
        default_factory=list, description="the current week, quarter, half and fiscal year, the next month"
    )
    business_days: int | None = Field(default=None, description="business days in the period")
    days_left: int | None = Field(
        default=None, description="business days left in the period, today included when it is one"
    )


class HomeResult(_Head):
    """``/api/home``: the KGI and the main KPIs of a scope in one month."""

    kgi: NodeStatus
    kpis: list[NodeStatus] = Field(description="the main KPIs (at most five)")


class TreeNode(NodeStatus):
    """A node of the KPI tree with its status and its links."""

    children: list[str] = Field(description="the nodes its formula is computed from")
    formula: str | None
    definition: str | None


class TreeResult(_Head):
    """``/api/tree``: every node of the model with its status for a scope and month."""

    kgi: str = Field(description="the KGI's node id")
    roots: list[str] = Field(description="nodes no formula uses: the KGI first")
    nodes: list[TreeNode]


class _PeriodHead(Result):
    period: Month


class _TrendHead(_PeriodHead):
    partial: bool = Field(
        default=False, description="the month is not over yet (today falls in it): its actual is to date"
    )


class TrendPoint(StatusValues, _TrendHead):
    """A node's numbers in one month of a trend."""


class _ScopeHead(Result):
    scope: SubScope


class BreakdownRow(StatusValues, _ScopeHead):
    """A node's numbers in one sub-team or member of the scope."""


class NodeDetailResult(_Head):
    """``/api/tree/nodes/{node}``: a node's twelve-month trend and its breakdown."""

    node: NodeStatus
    trend: list[TrendPoint] = Field(description="the twelve months up to the period, oldest first")
    breakdown: list[BreakdownRow] = Field(description="the visible direct sub-teams and members")


class _ScopePage(_Head):
    kgi: NodeStatus
    kpis: list[NodeStatus]
    trend: list[TrendPoint] = Field(description="the KGI over the twelve months up to the period")


class _MemberHead(Result):
    member: MemberRef


class RankingRow(StatusValues, _MemberHead):
    """A member of the team with their KGI numbers."""

    rank: int = Field(description="1: the highest achievement (no achievement: last)")


class TeamResult(_ScopePage):
    """``/api/teams/{id}``: a team's KPIs, KGI trend and member ranking."""

    ranking: list[RankingRow]
    subteams: list[TeamRef] = Field(description="the visible teams directly below")
    parent: TeamRef | None = Field(description="the team above (None: top team or not visible)")


class MemberResult(_ScopePage):
    """``/api/members/{id}``: a member's KPIs, pace and KGI trend."""

    team: TeamRef | None = Field(description="the member's team (None: none or not visible)")


class KgiHeading(NodeInfo):
    """The KGI the teams list is headed by: the node only, every number empty."""

    target: None
    actual: None
    achievement: None
    pace: None
    projected: None
    status: None
    reason: None
    target_text: str
    actual_text: str


class _TeamHead(Result):
    team: TeamRef
    depth: int = Field(description="the team's level in the hierarchy (0: top)")
    members: int = Field(description="how many members the team itself has")


class TeamSummary(StatusValues, _TeamHead):
    """A team with its KGI numbers for the month (under the team's own model)."""

    kgi_label: str = Field(description="the name of the team's KGI")


class TeamsResult(Result):
    """``/api/teams``: the visible teams in hierarchy order with their KGI."""

    model: str
    period: PeriodName = Field(description="the period shown (a month unless another was asked)")
    as_of: date
    periods: Periods
    other_periods: list[PeriodOption] = Field(
        default_factory=list, description="the current week, quarter, half and fiscal year, the next month"
    )
    business_days: int | None = Field(default=None, description="business days in the period")
    days_left: int | None = Field(
        default=None, description="business days left in the period, today included when it is one"
    )
    kgi: KgiHeading
    teams: list[TeamSummary]


class FunnelStage(Result):
    """One stage of the funnel: how many got there and how many went on."""

    stage: str = Field(description="the stage as the data names it")
    label: str = Field(
        default="",
        description="its name in the request's language (a stage the system defines is translated)",
    )
    index: int = Field(description="0: the first stage")
    count: int
    conversion: float | None = Field(description="count ÷ the previous stage's count")
    cumulative: float | None = Field(description="count ÷ the first stage's count")
    drop_off: int | None = Field(description="lost before the next stage (None: the last stage)")
    median_days: float | None = Field(description="median days spent in this stage (per month only)")


class FunnelMonth(Result):
    period: Month = Field(description="the month the units entered the funnel")
    stages: list[FunnelStage]


class FunnelResult(Result):
    """``/api/funnel``: stage counts, conversion and drop-off of a scope by entry month."""

    model: str
    scope: ScopeRef
    period: str = Field(description="a month or a range of months (YYYY-MM..YYYY-MM)")
    as_of: date
    stages: list[str]
    total: list[FunnelStage] = Field(description="the whole period")
    periods: list[FunnelMonth]
    scopes: list[ScopeOption] = Field(description="scopes to switch to: company, teams, the member")


__all__ = [
    "BreakdownRow",
    "FunnelMonth",
    "FunnelResult",
    "FunnelStage",
    "HomeResult",
    "KgiHeading",
    "MemberResult",
    "NodeDetailResult",
    "RankingRow",
    "TeamResult",
    "TeamSummary",
    "TeamsResult",
    "TreeNode",
    "TreeResult",
    "TrendPoint",
]
