"""What the manual KPI values return: the KPIs that take entered values, the current values per
scope and period with who entered them and when, and the result of entering one
(``/api/manual``)."""

from __future__ import annotations

from pydantic import Field

from rashinban.app.results.common import LocalTime, Number, Result, ScopeRef, UnitName


class ManualNode(Result):
    """A ``kind: manual`` KPI of the model: its values are entered, not measured."""

    id: str
    name: str
    unit: UnitName
    period: str = Field(description="the period kind values are entered for (month, week …)")
    definition: str | None


class ManualValue(Result):
    """The current value of a manual KPI for one scope and period, and who entered it."""

    node: str
    node_name: str
    unit: UnitName
    scope: ScopeRef
    period: str = Field(description="a period name: 2026-11, 2026-W47, FY2026 …")
    value: Number | None = Field(description="None: the value was cleared")
    previous: Number | None = Field(description="the value this revision replaced")
    revision: int
    author: str | None
    note: str | None
    entered_at: LocalTime


class ManualValues(Result):
    """``GET /api/manual``: the model's manual KPIs and their values (newest revisions first)."""

    model: str
    nodes: list[ManualNode]
    values: list[ManualValue]
    history: list[ManualValue] = Field(description="every revision, newest first (who, when, old → new)")


class ManualSaved(Result):
    """``POST /api/manual``: the value as stored; ``changed`` False when it already was this."""

    value: ManualValue
    changed: bool
