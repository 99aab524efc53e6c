"""What a drill-down returns: the records (deals, leads, activities, contracts …) behind one
figure of one scope and period — the same rows the figure counts (``/api/records``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rashinban.app.results.common import Number, Result, ScopeRef, UnitName

RecordTable = Literal["deals", "leads", "activities", "deal_stage_entries", "contracts", "surveys", "spend"]
Cell = str | int | float | bool | None


class RecordColumn(Result):
    key: str = Field(description="the column's key in each row")
    label: str
    kind: Literal["text", "number", "money", "date", "flag"]


class MeasureChoice(Result):
    """A measure behind the figure (a derived KPI has several: revenue = won deals × size)."""

    id: str
    name: str
    table: RecordTable
    agg: str


class RecordsResult(Result):
    """``GET /api/records``: one page of the rows behind a figure, with their total count and
    the measure's value over all of them (equal to the figure on the dashboard)."""

    model: str
    node: str
    node_name: str
    measure: str = Field(description="the base measure whose rows are listed")
    measure_name: str
    agg: str = Field(description="how the measure aggregates the rows (count, sum, share …)")
    unit: UnitName
    table: RecordTable
    scope: ScopeRef
    period: str
    start: str
    end: str
    total: int = Field(description="rows behind the figure (every page)")
    value: Number | None = Field(description="the measure over those rows: the figure itself")
    measures: list[MeasureChoice]
    columns: list[RecordColumn]
    rows: list[dict[str, Cell]]
    sort: str
    desc: bool
    page: int
    page_size: int
    pages: int
