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


__all__ = ["ActivityLogged", "ActivityRow", "RecentActivities"]
