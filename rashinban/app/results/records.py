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


# the deal and customer pages (``/api/deals/{id}``, ``/api/customers/{id}``) -----------------
class PersonRef(Result):
    id: int
    name: str


class StageEntry(Result):
    """One entry of the deal's stage history, with what changed since the entry before it."""

    stage: str
    stage_label: str = Field(description="the stage as the reader reads it")
    entered_at: str
    amount: Number | None = Field(description="the amount the CRM held at this entry")
    expected_close_on: str | None = Field(description="the close date the CRM held at this entry")
    days_in_stage: Number | None = Field(description="days until the next entry (None: the current one)")
    amount_changed: bool = Field(description="the amount differs from the previous known amount")
    close_moved_days: int | None = Field(description="days the close date moved (+ later, − earlier)")


class Change(Result):
    """A change of the deal's amount or close date between two stage entries."""

    field: Literal["amount", "expected_close_on"]
    at: str
    stage: str
    before: Number | str
    after: Number | str


class ActivityItem(Result):
    id: int
    type: str
    outcome: str | None
    subject: str | None
    occurred_at: str
    duration_minutes: int | None
    deal_id: int | None
    lead_id: int | None
    member: PersonRef | None


class DealPage(Result):
    """``GET /api/deals/{id}``: one deal as the reader may see it."""

    id: int
    name: str | None
    account: PersonRef | None = Field(description="the customer (account) of the deal")
    owner: PersonRef | None
    source: PersonRef | None = Field(description="who sourced the deal (送客・アポ獲得)")
    product: str | None
    channel: str | None
    stage: str
    stage_label: str
    amount: Number | None
    currency: str
    probability: Number | None
    created_at: str | None
    expected_close_on: str | None
    closed_at: str | None
    is_closed: bool
    is_won: bool
    lost_reason: str | None
    lead_id: int | None
    history: list[StageEntry]
    changes: list[Change] = Field(description="amount and close-date changes along the history")
    activities: list[ActivityItem]


class CustomerDeal(Result):
    id: int
    name: str | None
    stage: str
    stage_label: str
    amount: Number | None
    created_at: str | None
    expected_close_on: str | None
    closed_at: str | None
    is_won: bool
    is_closed: bool
    owner: str | None


class CustomerLead(Result):
    id: int
    channel: str | None
    status: str
    created_at: str | None
    sql_at: str | None
    converted_deal_id: int | None
    owner: str | None


class CustomerContract(Result):
    id: int
    deal_id: int | None
    start_on: str | None
    end_on: str | None
    mrr: Number | None
    status: str
    owner: str | None


class CustomerPage(Result):
    """``GET /api/customers/{id}``: an account with the records of it the reader may see."""

    id: int
    name: str
    industry: str | None
    employees: int | None
    size: Literal["small", "medium", "large"] | None = Field(description="< 100, < 1,000, ≥ 1,000 employees")
    revenue: Number | None
    region: str | None
    created_at: str | None
    deals: list[CustomerDeal]
    leads: list[CustomerLead]
    contracts: list[CustomerContract]
    activities: list[ActivityItem] = Field(description="the most recent activities (up to 200)")
    activity_count: int = Field(description="every activity of the account the reader may see")
    won_amount: Number = Field(description="the sum of the won deals listed")
    open_amount: Number = Field(description="the sum of the open deals listed")
