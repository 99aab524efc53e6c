"""What the agency page returns (``/api/agency/{team_id}``): the agency team's own KPIs on its
bound model — appointments, hand-offs, their acceptance and the win rate after hand-off,
activity volume, the agency's cost and what it buys (cost per appointment, per hand-off, per won deal,
ROI) — and their monthly trend.  Only the agency's own figures: no company revenue, no other
team, no margin."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from rashinban.app.results.common import (
    DirectionName,
    Month,
    Number,
    PeriodName,
    Result,
    Status,
    TeamRef,
    UnitName,
)
from rashinban.app.results.dashboards import PeriodOption, Periods

AgencyKpiId = Literal[
    "roi",
    "appointments",
    "handoffs",
    "handoff_rate",
    "client_win_rate",
    "client_wins",
    "calls",
    "connected_calls",
    "fee",
    "client_revenue",
    "cost_per_appointment",
    "cost_per_handoff",
    "cost_per_win",
]


class AgencyKpi(Result):
    """One KPI of the agency in the period: target (the contract's, from the bound model's
    plan), actual, achievement, pace and status, and how it is defined."""

    id: AgencyKpiId
    label: str
    unit: UnitName
    direction: DirectionName
    target: Number | None
    actual: Number | None
    achievement: Number | None = Field(description="actual ÷ target (target ÷ actual when lower is better)")
    pace: Number | None = Field(
        description="actual against the target prorated to today (inverted when lower)"
    )
    status: Status
    target_text: str
    actual_text: str
    definition: str = Field(description="how the figure is computed, in the request's language")
    derived: bool = Field(description="computed here from the model's nodes (not a node of the model)")


class AgencyMonth(Result):
    """One month of the agency's trend (actuals; the ROI and appointments targets)."""

    period: Month
    partial: bool = Field(description="the month is not over (figures to date)")
    roi: Number | None
    roi_target: Number | None
    appointments: Number | None
    appointments_target: Number | None
    handoffs: Number | None
    client_wins: Number | None
    client_win_rate: Number | None
    calls: Number | None
    fee: Number | None
    cost_per_appointment: Number | None
    cost_per_win: Number | None


class AgencyResult(Result):
    """``/api/agency/{team_id}``: the agency report of one agency team for one period."""

    team: TeamRef
    client: str | None = Field(description="the agency's client (the company it works for)")
    model: str = Field(description="the model bound to the agency team")
    period: PeriodName
    as_of: date
    periods: Periods
    other_periods: list[PeriodOption] = Field(default_factory=list)
    business_days: int | None
    days_left: int | None
    kgi: AgencyKpi = Field(description="the ROI: revenue from deals the agency sourced ÷ agency cost")
    kpis: list[AgencyKpi]
    trend: list[AgencyMonth] = Field(description="the twelve months up to the period, oldest first")


__all__ = ["AgencyKpi", "AgencyKpiId", "AgencyMonth", "AgencyResult"]
