"""What the activity log returns: a logged activity, the result of logging one, the list of
recent ones (``/api/activities``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, PlainSerializer

from rashinban.app.results.common import Result


def _minutes(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


def _seconds(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


# datetimes in Python (the pages format them), ISO text to the minute / second in JSON
Minutes = Annotated[
    datetime,
    PlainSerializer(_minutes, return_type=str, when_used="json"),
    Field(description="business-local time, YYYY-MM-DDTHH:MM"),
]
Seconds = Annotated[
    datetime,
    PlainSerializer(_seconds, return_type=str, when_used="json"),
    Field(description="business-local time, YYYY-MM-DDTHH:MM:SS"),
]


class ActivityRow(Result):
    """One activity of the store (logged here, or imported from a CRM)."""

    id: int
    external_id: str = Field(description="the idempotency identity (imported rows: the CRM's id)")
    member_id: int | None
    member: str | None = Field(description="the member's name")
    type: str = Field(description="call, email, visit, web_meeting or other (imported rows: as mapped)")
    outcome: str | None = Field(description="depends on the type, e.g. connected, appointment, sent")
    occurred_at: Minutes
    logged_at: Seconds | None = Field(description="when it was entered (None: imported)")
    note: str | None
    duration_minutes: int | None
    deal_id: int | None


class ActivityLogged(ActivityRow):
    """``POST /api/activities``: the stored row (a replayed request: the first one's row)."""

    created: bool = Field(description="False: the idempotency key was used before, nothing new stored")


class RecentActivities(Result):
    """``GET /api/activities``: the newest logged activities, newest first."""

    activities: list[ActivityRow]


class ActivityTarget(Result):
    """A deal, lead or account an activity may name (one the user may write to)."""

    kind: str = Field(description="deal, lead or account")
    id: int
    name: str = Field(description="deal: its name; lead and account: the account's name")
    account: str | None = Field(description="the account's name")
    owner: str | None = Field(description="the owning member's name")
    detail: str | None = Field(description="deal: its stage; lead: its status")


class ActivityTargets(Result):
    """``GET /api/activities/targets``: matches for the log form's picker, newest first."""

    kind: str
    query: str
    targets: list[ActivityTarget]


class ActivityCount(Result):
    """One activity KPI of the signed-in rep: today's and this period's own count and pace."""

    node: str
    label: str
    today: float
    today_target: float | None = Field(description="today's share of the period's target (business days)")
    actual: float
    target: float | None
    expected: float | None = Field(description="the target prorated to today by business days")
    pace: float | None = Field(description="actual ÷ expected")
    status: str
    per_day: float | None = Field(description="needed per remaining business day")


class MyActivity(Result):
    """``GET /api/home/activity``: the rep's own activity KPIs (today and this period)."""

    member_id: int | None
    period: str
    today: str
    business_days: int
    elapsed_days: int
    kpis: list[ActivityCount]


__all__ = ["ActivityLogged", "ActivityRow", "ActivityTarget", "ActivityTargets", "RecentActivities"]
__all__ += ["ActivityCount", "MyActivity"]
