"""What a breakdown returns: the model's measured KPIs per value of one attribute (channel,
product, industry …) for each scope asked (``/api/breakdown``)."""

from __future__ import annotations

from pydantic import Field

from rashinban.app.results.common import Number, Result, ScopeRef, UnitName


class BreakdownValue(Result):
    """One KPI of one scope for one value of the attribute (over the whole period)."""

    node: str
    node_name: str
    unit: UnitName
    value: str = Field(description='the attribute\'s value ("": rows without one)')
    actual: Number | None
    reason: str | None = Field(description="why there is no actual")


class ScopeBreakdown(Result):
    scope: ScopeRef
    values: list[BreakdownValue]


class BreakdownResult(Result):
    """``GET /api/breakdown``: the model's KPIs by channel, product, industry, region, size,
    customer type or lead origin, per scope, over one period (a month, a quarter, a range)."""

    model: str
    by: str
    period: str
    start: str
    end: str
    values: list[str] = Field(description='the attribute\'s values found ("" last: rows without one)')
    scopes: list[ScopeBreakdown]
