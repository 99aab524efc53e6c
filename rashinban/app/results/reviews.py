"""Results of the PDCA loop: review meetings with their agenda snapshot, action items with
their observed effect, 1on1s, KPI revision proposals."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from rashinban.app.results.common import LocalTime, MemberRef, Result, ScopeOption, ScopeRef, UnitName
from rashinban.app.results.diagnose import CheckItem, DiagnoseResult, InputRules  # re-exported

Cadence = Literal["weekly", "monthly", "quarterly"]
MeetingState = Literal["draft", "held", "frozen"]
ActionStatus = Literal["open", "in_progress", "done", "cancelled"]
ExpectedUnit = Literal["pt", "pct", "abs"]
RevisionState = Literal["proposed", "applied", "rejected"]


# the agenda's numbers ---------------------------------------------------------------------
class AgendaKgi(Result):
    node: str
    label: str
    unit: UnitName
    period: str
    target: float | None
    actual: float | None
    projected: float | None = Field(description="the actual extrapolated to the month's end")
    achievement: float | None
    pace: float | None
    status: str
    target_text: str
    actual_text: str
    projected_text: str
    forecast_p50: float | None = Field(description="the stored forecast's median (None: no forecast run)")
    p_achieve: float | None = Field(description="the stored forecast's probability of reaching the target")


class AgendaKpi(Result):
    rank: int = Field(description="1: the largest effect on the KGI")
    node: str
    label: str
    unit: UnitName
    status: str
    target: float
    expected: float = Field(description="the month-end value the gap is measured on")
    gap: float = Field(description="shortfall as a share of the target")
    elasticity: float = Field(description="% change of the KGI for +1 % of the KPI (from the tree)")
    effect: float = Field(description="KGI lost to first order: gap × elasticity × KGI target")
    target_text: str
    expected_text: str
    effect_text: str
    text: str


class AgendaFunnel(Result):
    stage: str
    previous: str
    month: str
    conversion: float
    usual: float = Field(description="the mean conversion of the months before")
    lost: float = Field(description="units lost at this stage against the usual conversion")
    text: str


class AgendaAlert(Result):
    id: int
    kind: str
    severity: str
    message: str
    url: str
    new: bool = Field(description="opened since the previous meeting (or in the last 7 days)")
    opened_at: LocalTime
    deal_id: int | None


class EffectView(Result):
    """An action's KPI before vs after: an observed difference, not proof of cause."""

    measurable: bool
    reason: str | None = Field(description="why it cannot be measured yet (None: it can)")
    kind: Literal["rate", "volume"] | None
    days: int = Field(description="business days in each window")
    before_from: date | None
    before_to: date | None
    after_from: date | None
    after_to: date | None
    before: float | None = Field(description="a rate, or a volume per business day")
    after: float | None
    change: float | None = Field(description="pt for a rate, % for a volume")
    control_before: float | None = Field(description="the rest of the company (None: no control)")
    control_after: float | None
    control_change: float | None
    net: float | None = Field(description="change − the control's change")
    expected: float | None
    expected_unit: ExpectedUnit | None
    text: str
    caveat: str


class ActionView(Result):
    id: int
    title: str
    detail: str | None
    owner_id: int
    owner: str
    node: str | None
    node_label: str | None
    scope: ScopeRef | None
    expected_change: float | None
    expected_unit: ExpectedUnit | None
    expected_text: str
    due_on: date
    status: ActionStatus
    overdue: bool
    started_on: date
    done_at: LocalTime | None
    meeting_id: int | None
    one_on_one_id: int | None
    escalated_at: LocalTime | None
    effect: EffectView | None = Field(description="for a done action with a KPI")
    url: str
    can_edit: bool


class ActionList(Result):
    actions: list[ActionView]
    overdue: int
    mine: bool = Field(description="only the signed-in user's own")


class AgendaSnapshot(Result):
    """Every number the agenda showed when it was built (fixed once the meeting is frozen)."""

    built_at: LocalTime
    as_of: date
    period: str
    model: str
    kgi: AgendaKgi | None
    kpis: list[AgendaKpi] = Field(description="KPIs off pace, by their effect on the KGI")
    funnel: AgendaFunnel | None
    bottleneck: str | None = Field(description="the insights' bottleneck sentence")
    diagnosis: str | None = Field(description="the miss diagnosis' summary")
    market: list[str] = Field(description="market signs of the diagnosis")
    suggestions: list[str] = Field(description="what the diagnosis suggests doing")
    alerts: list[AgendaAlert]
    stalled: list[AgendaAlert]
    previous_meeting: int | None
    previous_actions: list[ActionView] = Field(description="last meeting's actions with status and effect")


class Section(Result):
    key: str
    label: str


class AgendaItemView(Result):
    id: int
    position: int
    section: str
    kind: str = Field(
        description="kgi, kpi, funnel, bottleneck, diagnosis, market, suggestion, alerts, "
        "stalled, previous_actions, free"
    )
    title: str
    ref: str | None = Field(description="the node, alert or action the item is about")
    notes: str | None
    decision: str | None


class RevisionView(Result):
    id: int
    meeting_id: int | None
    meeting_title: str | None
    kind: Literal["target", "model"]
    model: str
    node: str | None
    node_label: str | None
    scope: str | None
    period: str | None
    old_value: float | None
    new_value: float | None
    old_text: str
    new_text: str
    reason: str
    state: RevisionState
    proposed_by: str | None
    proposed_at: LocalTime
    decided_by: str | None
    decided_at: LocalTime | None
    model_version: int | None


class MeetingSummary(Result):
    id: int
    title: str
    scope: ScopeRef | None
    cadence: Cadence
    period: str
    state: MeetingState
    facilitator: str | None
    created_at: LocalTime
    frozen_at: LocalTime | None


class MeetingView(Result):
    id: int
    title: str
    scope: ScopeRef | None
    cadence: Cadence
    period: str
    as_of: date
    state: MeetingState
    template: str
    sections: list[Section]
    facilitator: str | None
    created_by: str | None
    created_at: LocalTime
    held_at: LocalTime | None
    frozen_at: LocalTime | None
    snapshot: AgendaSnapshot
    items: list[AgendaItemView]
    actions: list[ActionView]
    revisions: list[RevisionView]
    previous_id: int | None
    can_edit: bool = Field(description="the user may change the agenda, notes and decisions (not frozen)")
    owners: list[MemberRef] = Field(description="whom action items can be given to (members with users)")
    owner_users: dict[int, str] = Field(description="user id → name of the possible owners")
    nodes: dict[str, str] = Field(description="node id → label, for action items and revisions")


class TemplateView(Result):
    id: int | None = Field(description="None: the built-in template")
    team_id: int | None
    name: str
    sections: list[Section]


class MeetingList(Result):
    meetings: list[MeetingSummary]
    templates: list[TemplateView]
    scopes: list[ScopeOption]
    can_create: bool
    cadence: dict[str, Cadence] = Field(description="scope → the cadence reviews are expected at")


class RevisionList(Result):
    revisions: list[RevisionView]


# 1on1 -------------------------------------------------------------------------------------
class OneOnOneKpi(Result):
    node: str
    label: str
    unit: UnitName
    target: float | None
    actual: float | None
    pace: float | None
    status: str
    target_text: str
    actual_text: str


class StageCompare(Result):
    stage: str
    count: int
    conversion: float | None = Field(description="from the previous stage, the member's")
    team_conversion: float | None


class TalkingPointView(Result):
    code: str
    subject: str
    text: str


class OneOnOneSnapshot(Result):
    built_at: LocalTime
    as_of: date
    period: str
    model: str
    kpis: list[OneOnOneKpi]
    funnel: list[StageCompare]
    trend: list[tuple[str, float | None]] = Field(description="the KGI by month, oldest first")
    talking: list[TalkingPointView]


class OneOnOneSummary(Result):
    id: int
    member: MemberRef
    manager: str
    held_on: date
    state: Literal["open", "closed"]


class OneOnOneView(Result):
    id: int
    member: MemberRef
    manager_id: int
    manager: str
    held_on: date
    period: str
    state: Literal["open", "closed"]
    snapshot: OneOnOneSnapshot
    private_notes: str | None = Field(description="the manager's notes (the two of them and admins)")
    member_comment: str | None
    actions: list[ActionView]
    history: list[OneOnOneSummary] = Field(description="the member's 1on1s, newest first")
    can_edit_notes: bool
    can_comment: bool
    owner_users: dict[int, str]
    nodes: dict[str, str]


class OneOnOneList(Result):
    items: list[OneOnOneSummary]
    members: list[MemberRef] = Field(description="members the user may hold a 1on1 with")
    can_create: bool


__all__ = [
    "ActionList",
    "ActionView",
    "AgendaAlert",
    "AgendaFunnel",
    "AgendaItemView",
    "AgendaKgi",
    "AgendaKpi",
    "AgendaSnapshot",
    "CheckItem",
    "DiagnoseResult",
    "EffectView",
    "InputRules",
    "MeetingList",
    "MeetingSummary",
    "MeetingView",
    "OneOnOneKpi",
    "OneOnOneList",
    "OneOnOneSnapshot",
    "OneOnOneSummary",
    "OneOnOneView",
    "RevisionList",
    "RevisionView",
    "Section",
    "StageCompare",
    "TalkingPointView",
    "TemplateView",
]
