"""What the forecasts return: a scope's period forecast (P10/P50/P90, P(KGI achieved), the
run-rate next to it), scored deals and leads with their factors, the stage table, the
backtest, forecast accuracy per rep, and the small band the home page draws."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from rashinban.app.results.common import LocalTime, MemberRef, Month, Result, ScopeOption, ScopeRef

Category = Literal["commit", "best_case", "pipeline", "omitted"]
Kpi = Literal["revenue", "won_deals"]


class ModelInfo(Result):
    """The model that made the scores (None of it when nothing was trained yet)."""

    kind: Literal["deal", "lead"]
    version: int
    algorithm: str = Field(description="logistic, or stage_table / channel_rate when the history is too thin")
    trained_at: LocalTime
    won: int = Field(description="won deals (leads: leads that became won deals) it learnt from")
    lost: int
    enough: bool = Field(description="False: too little data — probabilities fall back to the stage table")
    message: str | None = Field(
        description="e.g. too little data: 40 won / 95 lost (in the request's language)"
    )


class Factor(Result):
    factor: str = Field(description="stage, days_in_stage, owner_rate, … (a key)")
    label: str = Field(description="the factor's name in the request's language")
    value: str = Field(description="the deal's value of it, as shown")
    effect: float = Field(description="log-odds contribution: positive raises the probability")


class KpiForecast(Result):
    """One KPI's forecast of the period for the scope."""

    kpi: Kpi
    label: str
    unit: Literal["yen", "count"]
    closed: float = Field(description="closed (won) in the period so far")
    open_expected: float = Field(description="Σ open deals' P(won in the period) × amount")
    new_expected: float = Field(description="expected from deals not created yet")
    mean: float
    p10: float
    p50: float
    p90: float
    run_rate: float | None = Field(
        description="the run-rate projection: closed ÷ business days elapsed share"
    )
    weighted: float | None = Field(
        description="CRM-weighted: closed + open due this period × fixed stage probability"
    )
    commit: float | None = Field(description="closed + commit deals due in the period")
    best_case: float | None = Field(description="commit + best case deals due in the period")
    target: float | None
    p_achieve: float | None = Field(description="P(period total ≥ target) from the simulation")
    adjusted: float | None = Field(description="the manager's judgment, when one was given")
    p50_text: str
    target_text: str


class Adjustment(Result):
    kpi: Kpi
    value: float
    model_p50: float | None
    reason: str
    author: str | None
    created_at: LocalTime


class ForecastResult(Result):
    """``/api/forecast``: a scope's forecast of the current period (stored by the scoring job)."""

    scope: ScopeRef
    period: Month
    as_of: date | None = Field(description="the day the stored forecast was made (None: never)")
    computed_at: LocalTime | None
    model: ModelInfo | None
    kpis: list[KpiForecast]
    adjustments: list[Adjustment]
    scopes: list[ScopeOption]
    can_adjust: bool
    can_submit: bool


class DealScore(Result):
    id: int
    name: str | None
    stage: str
    owner: MemberRef | None
    amount: float | None
    expected_close: date | None
    p_win: float = Field(description="calibrated P(won eventually)")
    p_win_text: str = Field(description="whole percent; the stage table's when the data is too thin")
    p_stage: float = Field(description="the stage table's probability (stage × days in stage, team-shrunk)")
    p_period: float = Field(description="P(won within the current month)")
    category: Category
    default_category: Category
    overridden: bool
    can_override: bool
    factors: list[Factor]
    model_version: int


class DealsResult(Result):
    """``/api/forecast/deals``: the open deals of a scope with their scores and factors."""

    scope: ScopeRef
    model: ModelInfo | None
    total: int
    deals: list[DealScore]


class LeadScore(Result):
    id: int
    channel: str | None
    status: str
    owner: MemberRef | None
    created_at: LocalTime | None
    p_won: float = Field(description="P(becomes a won deal within the horizon)")
    p_base: float = Field(description="the channel's historical rate")
    factors: list[Factor]
    model_version: int


class LeadsResult(Result):
    """``/api/forecast/leads``: the open leads of a scope with their scores."""

    scope: ScopeRef
    model: ModelInfo | None
    horizon_days: int
    total: int
    leads: list[LeadScore]


class StageRow(Result):
    stage: str
    age: str = Field(description="days in the stage: 0–7, 8–21, 22–60, 61+")
    n: int = Field(description="snapshot rows the rate is from")
    won: int
    p_win: float
    days_to_close_p50: float | None
    days_to_close_p90: float | None


class StagesResult(Result):
    """``/api/forecast/stages``: the stage model the scores fall back to."""

    model: ModelInfo | None
    team_prior: float = Field(description="pseudo-rows at the company's rate in a team's rate (shrinkage)")
    rows: list[StageRow]


class Bin(Result):
    lo: float
    hi: float
    n: int
    predicted: float | None
    observed: float | None


class ProbabilityScore(Result):
    kind: Literal["deal", "lead", "kgi"]
    method: str = Field(description="logistic, naive_bayes, stage_only, channel_rate, simulation")
    n: int
    positives: int
    brier: float | None
    log_loss: float | None
    auc: float | None
    ece: float | None
    bins: list[Bin]


class LevelScore(Result):
    day: int = Field(description="the as-of day of the month")
    level: Literal["company", "team", "member"]
    n: int = Field(description="scope-months with a positive actual")
    mape: float | None
    baselines: dict[str, float | None] = Field(
        description="MAPE of run_rate, last_period, last_year, weighted"
    )
    best_baseline: str | None
    relative: float | None = Field(description="our MAPE ÷ the best baseline's (below 1: better)")
    coverage: float | None = Field(description="share of actuals inside P10–P90")


class Goal(Result):
    name: str
    target: str
    value: float | None
    met: bool | None


class BacktestResult(Result):
    """``/api/forecast/backtest``: the latest stored backtest."""

    source: str
    months: list[Month]
    days: list[int]
    computed_at: LocalTime | None
    levels: list[LevelScore]
    probabilities: list[ProbabilityScore]
    goals: list[Goal]


class AccuracyRow(Result):
    member: MemberRef
    period: Month
    submitted: float | None = Field(description="the rep's last submission for the period")
    model_p50: float | None = Field(description="the model's P50 when it was submitted")
    actual: float | None
    error_submitted: float | None = Field(description="|submitted − actual| ÷ actual")
    error_model: float | None


class AccuracyResult(Result):
    """``/api/forecast/accuracy``: submitted forecasts, the model and the outcome per rep."""

    rows: list[AccuracyRow]
    reps: dict[str, dict[str, float | None]] = Field(
        description="member id → mean errors of submissions and model"
    )


class RunResult(Result):
    deal_model: ModelInfo | None
    lead_model: ModelInfo | None
    deals: int
    leads: int
    scopes: int
    period: Month
    seconds: float


class HomeBand(Result):
    """The forecast band the home page draws against the target line."""

    period: Month
    label: str
    closed: float
    p10: float
    p50: float
    p90: float
    target: float | None
    p_achieve: float | None
    run_rate: float | None
    computed_at: LocalTime
