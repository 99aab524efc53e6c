"""Shared bits of the dashboard routes: validated query parameters and card formatting."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from rashinban.i18n import format as fmt
from rashinban.i18n.format import short_value

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTHS = r"^\d{4}-(0[1-9]|1[0-2])(\.\.\d{4}-(0[1-9]|1[0-2]))?$"
SCOPE = r"^(company|team:\d{1,9}|member:\d{1,9})$"
NODE = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"

PeriodQ = Annotated[
    str | None, Query(pattern=MONTH, description="a month (YYYY-MM); default: the current month")
]
SPAN = r"^(\d{4}-(0[1-9]|1[0-2])|\d{4}-W(0[1-9]|[1-4]\d|5[0-3])|FY\d{4}(-(Q[1-4]|H[12]))?)$"
SpanQ = Annotated[
    str | None,
    Query(
        pattern=SPAN,
        description="a month (YYYY-MM), a week (2026-W18), a fiscal quarter (FY2026-Q1), "
        "half (FY2026-H1: 上期) or year (FY2026); default: the current month",
    ),
]
RangeQ = Annotated[
    str | None,
    Query(pattern=MONTHS, description="a month or a range of months (YYYY-MM..YYYY-MM); default: last 6"),
]
ScopeQ = Annotated[
    str | None,
    Query(pattern=SCOPE, description="company, team:ID or member:ID; default: the user's own scope"),
]
TeamId = Annotated[int, Path(ge=1, le=999_999_999, description="team id")]
MemberId = Annotated[int, Path(ge=1, le=999_999_999, description="member id")]
NodeId = Annotated[str, Path(pattern=NODE, description="KPI node id of the model")]


def dash_helpers(lang: str) -> dict[str, Any]:
    def pct(v: float | None) -> str:
        return "—" if v is None else fmt.percent(v)

    return {
        "card_value": lambda v, unit: short_value(v, unit, lang),
        "pct": pct,
        "bar_width": lambda v: 0 if v is None else max(0, min(100, round(v * 100))),
    }
