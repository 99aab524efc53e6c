"""What planning returns to the web: the reverse calculation (逆算) as data, the target
revision history, the planning page's JSON twin and the result of saving a plan."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from rashinban.app.results.common import (
    DirectionName,
    LocalTime,
    NodeRole,
    Number,
    PeriodKind,
    Result,
    ScopeType,
    UnitName,
)

Source = Literal["stated", "assumed", "implied", "solved", "missing"]
SeverityName = Literal["error", "warning", "info"]


class PlanNode(Result):
    """A node of the plan with its target for one period."""

    id: str
    name: str
    name_en: str | None
    unit: UnitName
    period: PeriodKind = Field(description="the period the target is for")
    target: Number | None = Field(description="None: the plan cannot tell (missing inputs)")
    source: Source = Field(description="where the target comes from: the model, an assumption, the 逆算")
    formula: str | None
    children: list[str]
    additive: bool | None = Field(description="whether values add up across members and periods")
    rounded_from: Number | None = Field(description="the exact value before rounding up to a whole")
    overridden: bool = Field(description="set by the request rather than by the model")
    direction: DirectionName
    role: NodeRole | None


class PlanAllocation(Result):
    """A member's part of a node's target."""

    member: str = Field(description="the member's name in the model")
    node: str
    target: Number
    split: Literal["share", "same"] = Field(
        description="share: a part of the whole by weight; same: the whole's rate for everyone"
    )


class PlanLever(Result):
    """How much the KGI moves for +1 % of an input."""

    node: str
    name: str | None
    value: Number
    elasticity: Number | None = Field(description="% change of the KGI for +1 % of the node")
    kgi_delta: Number | None = Field(description="absolute change of the KGI for +1 % of the node")


class _FindingHead(Result):
    code: str = Field(description="the finding's code (a key of the message catalogue)")
    severity: SeverityName
    area: str = Field(description="the SMART letter (S, M, A, R, T) or consistency, structure, practice")
    node: str | None
    node_name: str | None
    file: str | None = Field(description="the model file (None: a stored model)")
    line: int | None = Field(description="the line in the model file")
    message: str = Field(description="the finding in the request's language")


class _FindingParams(Result):
    params: dict[str, Any] = Field(description="the message's parameters (numbers as in the plan)")


class FindingView(_FindingParams, _FindingHead):
    """What the engine has to say about the model or the plan."""

    model_config = ConfigDict(extra="forbid")  # tells it apart from an inconsistent-targets one


class _Gap(Result):
    stated: Number = Field(description="the target the model states")
    implied: Number = Field(description="the value its inputs imply")
    gap: Number = Field(description="implied − stated")
    gap_ratio: Number | None = Field(description="gap ÷ stated (None: nothing stated)")
    unit: UnitName


class InconsistentTargetsFinding(_FindingParams, _Gap, _FindingHead):
    """A stated target that its inputs do not add up to, with the gap."""

    code: Literal["inconsistent_targets"]


class PlanView(Result):
    """The reverse calculation of a model: every node's target, the members' parts, the
    levers and the findings (``POST /api/planning/preview``)."""

    model: str
    file: str | None = Field(description="the model file (None: a stored model)")
    kgi: str = Field(description="the KGI's node id")
    period: PeriodKind
    kgi_target: Number | None
    kgi_forward: Number | None = Field(description="the KGI computed forward from the rounded inputs")
    rounding_effect: Number | None = Field(description="kgi_forward − kgi_target")
    nodes: list[PlanNode]
    allocations: list[PlanAllocation]
    levers: list[PlanLever]
    findings: list[InconsistentTargetsFinding | FindingView]


class TargetRevision(Result):
    """One stored target revision with the value it replaced."""

    node: str
    node_name: str
    unit: UnitName
    scope_type: ScopeType
    scope_id: int | None = Field(description="None for the company")
    scope: str = Field(description="the scope's name")
    period: str
    tier: Literal["target", "stretch"]
    revision: int
    old: Number | None = Field(description="the value it replaced (None: the first)")
    new: Number
    author: str | None
    reason: str | None
    created_at: LocalTime = Field(description="business-local time, no offset")


class PlanningView(Result):
    """``GET /api/planning``: the model's plan and the revision history (planners only)."""

    plan: PlanView | None = Field(description="None: the model's own inputs cannot be solved")
    history: list[TargetRevision] = Field(description="newest first")
    can_save: bool


class PlanSaved(Result):
    """``POST /api/planning/save``: the plan's targets were stored as a new revision."""

    saved: int = Field(description="how many targets changed (0: all were already so)")


__all__ = [
    "FindingView",
    "InconsistentTargetsFinding",
    "PlanAllocation",
    "PlanLever",
    "PlanNode",
    "PlanSaved",
    "PlanView",
    "PlanningView",
    "TargetRevision",
]
