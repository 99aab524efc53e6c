"""Results of the insights area: bottleneck, driver attribution, miss diagnosis, segment
insights and next actions, A/B tests, churn risk and LTV."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from rashinban.app.results.common import Result, ScopeRef, UnitName

Basis = Literal["target", "history", "peers"]
Cause = Literal["design", "execution", "market"]
Verdict = Literal["design", "execution", "market", "unclear"]
Audience = Literal["all", "agency", "client"]


class KgiValue(Result):
    id: str
    label: str
    unit: UnitName
    value: float | None


# bottleneck --------------------------------------------------------------------------------
class LeafGapItem(Result):
    node: str
    label: str
    unit: UnitName
    value: float = Field(description="the leaf's value (a volume in the current month: projected to its end)")
    reference: float | None = Field(description="what it is compared with (target, own history or peers)")
    gap: float | None = Field(description="reference − value")
    gap_ratio: float | None = Field(description="value ÷ reference − 1")
    elasticity: float | None = Field(description="% change of the KGI for +1 % of the leaf")
    cost: float | None = Field(description="KGI gained if this leaf alone reached its reference (≥ 0)")
    text: str = Field(description="one sentence in the request's language")


class BottleneckResult(Result):
    model: str
    scope: ScopeRef
    period: str
    as_of: date
    basis: Basis
    bases: list[Basis] = Field(description="the bases that had a reference for at least one leaf")
    kgi: KgiValue
    bottleneck: LeafGapItem | None = Field(description="the leaf whose shortfall costs the KGI most")
    runner_up: LeafGapItem | None
    items: list[LeafGapItem] = Field(description="every leaf, by cost (largest first)")


# attribution -------------------------------------------------------------------------------
class DriverItem(Result):
    node: str
    label: str
    unit: UnitName
    before: float
    after: float
    contribution: float = Field(description="share of the KGI change, in the KGI's unit")


class ChildEffect(Result):
    scope: ScopeRef
    before: float
    after: float
    change: float
    volume: float = Field(description="the parent's volume change at the child's old share and unit value")
    mix: float = Field(description="the child's share of the volume moving")
    rate: float = Field(description="the child's per-unit value moving")


class ExplainResult(Result):
    model: str
    scope: ScopeRef
    period: str
    vs: str = Field(description="the period compared with, or 'target'")
    as_of: date
    kgi: KgiValue
    before: float | None = Field(description="None: not every KPI of the tree has a value")
    after: float | None
    change: float | None
    method: Literal["shapley", "shapley_sampled", "log"]
    residual: float = Field(description="change − Σ contributions (0 for Shapley: exact)")
    drivers: list[DriverItem]
    volume_node: str | None = Field(description="the KGI's volume factor, for the child split")
    children: list[ChildEffect] = Field(description="one level down: visible sub-teams and members")
    other: float | None = Field(description="the change not in any listed child (unassigned rows)")
    sentence: str


# miss diagnosis ----------------------------------------------------------------------------
class SignItem(Result):
    cause: Cause
    code: str
    present: bool
    value: float | None
    threshold: float | None
    subject: str | None
    text: str


class ActionItem(Result):
    cause: Cause
    code: str
    audience: Audience
    text: str


class DiagnosisResult(Result):
    model: str
    scope: ScopeRef
    period: str
    as_of: date
    missed: bool = Field(description="the KGI's projection is below its target")
    kgi: KgiValue
    kgi_target: float | None
    kgi_projected: float | None
    verdict: Verdict
    scores: dict[str, float] = Field(description="cause → share of its measurable signs present")
    signs: list[SignItem]
    actions: list[ActionItem]
    agency: bool
    client: str | None
    summary: str


class ReviewSection(Result):
    """What the review agenda shows for a scope: bottleneck, drivers, diagnosis."""

    bottleneck: BottleneckResult
    explain: ExplainResult | None
    diagnosis: DiagnosisResult


# segments ----------------------------------------------------------------------------------
class SegmentFinding(Result):
    kind: Literal["segment", "duration"]
    dimension: str
    segment: str
    stage_from: str | None
    stage_to: str | None
    threshold_days: int | None
    n_in: int
    won_in: int
    rate_in: float
    n_out: int
    won_out: int
    rate_out: float
    p_value: float
    q_value: float = Field(description="Benjamini–Hochberg adjusted p")
    method: Literal["z", "fisher"]
    sentence: str


class SegmentRate(Result):
    dimension: str
    segment: str
    deals: int
    won: int
    win_rate: float


class StageDuration(Result):
    dimension: str
    segment: str
    transition: str
    median_days: float | None
    deals: int


class ParetoItem(Result):
    group: str
    reason: str
    count: int
    share: float
    cumulative: float


class SegmentsResult(Result):
    scope: ScopeRef
    period: str
    as_of: date
    deals: int = Field(description="closed deals analysed")
    tests: int
    method: str = Field(description="the test, the support and the correction, in words")
    min_support: int
    fdr: float
    min_diff: float
    findings: list[SegmentFinding]
    win_rates: list[SegmentRate]
    durations: list[StageDuration]
    lost_by_stage: list[ParetoItem]
    lost_by_product: list[ParetoItem]


class SuggestionItem(Result):
    action: str
    n_with: int
    won_with: int
    rate_with: float
    n_without: int
    won_without: int
    rate_without: float
    q_value: float
    done: bool
    sentence: str


class NextActionsResult(Result):
    deal_id: int
    deal: str | None
    stage: str
    days_in_stage: float | None
    closed_at_stage: int = Field(description="closed deals that were at this stage (the evidence)")
    won_at_stage: int
    suggestions: list[SuggestionItem]


# experiments -------------------------------------------------------------------------------
TargetKind = Literal["script", "email", "landing_page", "proposal", "other"]


class ExperimentDef(Result):
    name: str
    target: TargetKind
    kpi: str
    kpi_label: str
    unit_type: Literal["lead", "deal", "member", "account"]
    variants: list[str]
    description: str | None
    mde: float
    alpha: float
    power: float
    baseline: float | None
    status: Literal["running", "stopped"]
    defined: bool = Field(description="False: known only from imported assignments")
    assigned: int


class ArmItem(Result):
    variant: str
    n: int
    conversions: int | None
    rate: float | None
    mean: float | None


class ComparisonItem(Result):
    variant: str
    control: str
    estimate_control: float | None
    estimate_variant: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    lift: float | None
    statistic: float | None
    p_value: float | None
    prob_better: float | None = Field(description="Bayesian P(variant > control)")
    alpha: float
    required_per_arm: int | None
    remaining: int | None
    verdict: Literal["collecting", "better", "worse", "no_difference", "insufficient"]
    sentence: str


class ExperimentResult(Result):
    definition: ExperimentDef
    kind: Literal["rate", "mean"]
    method: str
    arms: list[ArmItem]
    comparisons: list[ComparisonItem]


class ExperimentsResult(Result):
    experiments: list[ExperimentDef]


# churn and LTV -----------------------------------------------------------------------------
class FactorItem(Result):
    feature: str
    label: str
    value: float
    effect: float = Field(description="log-odds against the average customer")


class CustomerRisk(Result):
    account_id: int
    account: str | None
    risk: float = Field(description="probability of churning within the horizon")
    mrr: float
    ltv: float | None
    factors: list[FactorItem]


class SegmentLtv(Result):
    dimension: str
    segment: str
    customers: int
    arpu: float = Field(description="mean MRR of the segment's active customers")
    churn_monthly: float | None
    ltv: float | None = Field(description="ARPU × gross margin ÷ monthly churn")


class CalibrationBin(Result):
    predicted: float
    observed: float
    n: int


class ChurnResult(Result):
    scope: ScopeRef
    as_of: date
    horizon_days: int
    margin: float
    customers: int
    model_rows: int | None
    brier: float | None
    brier_baseline: float | None = Field(description="tenure-only model, same backtest")
    c_index: float | None
    c_index_baseline: float | None
    test_customers: int
    test_events: int
    test_cutoff: date
    calibration: list[CalibrationBin]
    at_risk: list[CustomerRisk]
    segments: list[SegmentLtv]
    cac: float | None
    ltv: float | None
    ltv_cac: float | None
