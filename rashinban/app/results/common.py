"""Pieces shared by the results of several areas: scope references, a node's status card, the
closed sets of names (statuses, units, roles …) and the error bodies of the JSON API.

Every result is a frozen Pydantic model: the facade returns it, the web serialises it (its
JSON twins declare it as ``response_model``, so the OpenAPI document describes the body) and
the HTML pages render the same data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema


class Result(BaseModel):
    """Base of every result: immutable, so a cached result can be shared between requests."""

    model_config = ConfigDict(frozen=True)


# closed sets ------------------------------------------------------------------------------
Status = Literal["on_track", "behind", "at_risk", "no_target", "no_data", "data_issue"]
"""The grade of an actual against its target prorated by business days (``analysis.pace``);
``data_issue``: a rate above 100 % on actuals (``analysis.status``), never graded green."""
MissingReason = Literal[
    "no_data", "no_rows", "missing_input", "division_by_zero", "not_measured", "manual", "manual_missing"
]
"""Why a node has no actual (``metrics``)."""
UnitName = Literal["yen", "usd", "count", "ratio", "days", "hours", "minutes", "score", "number"]
DirectionName = Literal["higher", "lower"]
NodeRole = Literal["main", "aux"]
PeriodKind = Literal["day", "week", "month", "quarter", "half", "fiscal_year"]
RoleName = Literal["admin", "manager", "member", "partner", "viewer"]
ScopeType = Literal["company", "team", "member"]
TeamKind = Literal["in_house", "agency"]

Number = Annotated[int | float, Field(description="a whole number is an integer, any other a float")]
"""An exact value of the engine (a fraction) as JSON: ``12`` or ``12.5``."""
Month = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="a month, YYYY-MM")]


def _local_text(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


LocalTime = Annotated[
    datetime,
    PlainSerializer(_local_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
            "description": "business-local time, YYYY-MM-DDTHH:MM:SS, no zone",
        },
        mode="serialization",
    ),
]
"""A time of the business (the store's naive Asia/Tokyo wall clock): a ``datetime`` in Python
(pages and the CLI format it), ISO text to the second without an offset in JSON — a string,
not an RFC 3339 date-time, which would need a zone."""
PERIOD_NAME = r"^(\d{4}-\d{2}|\d{4}-W\d{2}|FY\d{4}(-[QH]\d)?|\d{4}-Q\d)$"
PeriodName = Annotated[
    str,
    Field(
        pattern=PERIOD_NAME,
        description="a month (YYYY-MM), week (2026-W18), quarter (FY2026-Q1), half (FY2026-H1) or FY2026",
    ),
]


# scopes -----------------------------------------------------------------------------------
class CompanyRef(Result):
    """The whole company."""

    type: Literal["company"]
    id: int = Field(description="always 0")
    name: str


class TeamRef(Result):
    """A team (at any level of the hierarchy)."""

    type: Literal["team"]
    id: int
    name: str
    kind: TeamKind = Field(description="an agency team holds a partner's members")


class MemberRef(Result):
    """A member (a sales rep)."""

    type: Literal["member"]
    id: int
    name: str
    team_id: int | None = Field(description="the member's team (None: no team)")


ScopeRef = Annotated[CompanyRef | TeamRef | MemberRef, Field(discriminator="type")]
"""A scope: the company, a team or a member."""


class _Option(Result):
    value: str = Field(description="the scope as a query parameter: company, team:ID or member:ID")
    depth: int = Field(description="the team's level in the hierarchy (0: top); 0 for others")


class CompanyOption(_Option, CompanyRef):
    """The company in a scope selector."""


class TeamOption(_Option, TeamRef):
    """A team in a scope selector."""


class MemberOption(_Option, MemberRef):
    """A member in a scope selector."""


ScopeOption = Annotated[CompanyOption | TeamOption | MemberOption, Field(discriminator="type")]
"""A scope the user may pick (fields of the scope, then ``value`` and ``depth``)."""


# a node's status --------------------------------------------------------------------------
class NodeInfo(Result):
    """A KPI node of the model."""

    id: str = Field(description="the node id in the model")
    name: str
    name_en: str | None
    label: str = Field(description="the name in the request's language")
    unit: UnitName
    direction: DirectionName = Field(description="whether higher or lower actuals are better")
    role: NodeRole | None = Field(description="main KPIs show on the dashboards")


class StatusValues(Result):
    """A node's numbers in one scope and month."""

    target: float | None = Field(description="the month's target (None: none set)")
    actual: float | None
    achievement: float | None = Field(description="actual ÷ target")
    pace: float | None = Field(description="actual ÷ the target prorated to today by business days")
    projected: float | None = Field(description="the actual extrapolated to the month's end")
    status: Status
    reason: MissingReason | None = Field(description="why there is no actual (None: there is one)")
    target_text: str = Field(description="the target, short, in the request's language (— for none)")
    actual_text: str = Field(description="the actual, short, in the request's language (— for none)")
    stretch: float | None = Field(default=None, description="the stretch tier's target (None: none set)")
    stretch_achievement: float | None = Field(default=None, description="actual ÷ stretch target")
    floor: float | None = Field(default=None, description="the floor tier (最低ライン; None: none set)")
    remaining: float | None = Field(default=None, description="still needed to reach the target (あと○)")
    remaining_text: str = Field(default="—", description="``remaining``, short, in the request's language")
    days_left: int | None = Field(
        default=None, description="business days left in the period, today included when it is one"
    )
    per_day: float | None = Field(default=None, description="needed per business day left (1営業日あたり○)")
    per_day_text: str = Field(default="—", description="``per_day`` in the request's language")
    note: Literal["rate_above_one", "relative_no_basis"] | None = Field(
        default=None, description="a finding about the numbers (a rate above 100 %: the data needs a look)"
    )


class NodeStatus(StatusValues, NodeInfo):
    """A node status card: the node, then its numbers (fields of NodeInfo come first)."""


# error bodies -----------------------------------------------------------------------------
class FieldErrors(Result):
    """A form (or a JSON body) that did not pass validation: one message per field."""

    error: Literal["validation"]
    fields: dict[str, str] = Field(description="field → message in the request's language")
    codes: dict[str, str] = Field(description="field → error code (catalogue key under forms.err)")


class RequestIssue(Result):
    loc: list[str | int] = Field(description="where: body, query or path, then the field")
    msg: str
    type: str


class RequestInvalid(Result):
    """A request that does not match the operation's parameters or body schema."""

    error: Literal["validation"]
    detail: list[RequestIssue]


class ErrorBody(Result):
    """A refusal or failure of the application (unknown scope, forbidden, bad model …)."""

    error: str = Field(description="the error code (a key of the message catalogue)")
    message: str = Field(description="the message in the request's language")
    params: dict[str, str | int | float | bool | None] = Field(description="the message's parameters")


class HttpError(Result):
    """A refusal of the HTTP layer: not signed in (401), a missing CSRF token (403) …"""

    error: Literal["http"]
    detail: str


class Ok(Result):
    """The write was done."""

    ok: Literal[True]


__all__ = [
    "CompanyOption",
    "CompanyRef",
    "DirectionName",
    "ErrorBody",
    "FieldErrors",
    "HttpError",
    "LocalTime",
    "MemberOption",
    "MemberRef",
    "MissingReason",
    "Month",
    "NodeInfo",
    "NodeRole",
    "NodeStatus",
    "Number",
    "Ok",
    "PeriodKind",
    "PeriodName",
    "RequestInvalid",
    "RequestIssue",
    "Result",
    "RoleName",
    "ScopeOption",
    "ScopeRef",
    "ScopeType",
    "Status",
    "StatusValues",
    "TeamKind",
    "TeamOption",
    "TeamRef",
    "UnitName",
]
