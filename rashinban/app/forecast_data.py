"""The forecast's facts, read from the store once per data version: deals with their stage
history and activity times, leads, the open stages in funnel order, the CRM's fixed stage
probabilities.  What was known at an instant is cut out of them by ``analysis.forecast.data``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rashinban.analysis.forecast.data import DealFacts
from rashinban.analysis.forecast.leads import LeadFacts
from rashinban.analysis.funnel import DEFAULT_STAGES
from rashinban.org.scopes import ScopeIndex
from rashinban.store import forecasts as repo
from rashinban.store.db import Store


def _ts(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).astype("datetime64[s]")


def open_stages(configured: list[str], deals: pd.DataFrame, history: pd.DataFrame) -> tuple[str, ...]:
    """The stages a deal can be open in, in funnel order: the configured funnel's, else the
    stages seen, ordered by how late in a deal's history they come; never a won or lost label."""
    closed_labels = set(deals.loc[deals["is_closed"], "stage"])
    open_seen = set(deals.loc[~deals["is_closed"], "stage"]) | set(history["stage"])
    stages = [s for s in configured if s not in closed_labels]
    if not set(stages) & open_seen:  # the configured funnel is not this data's (Maven: Engaging …)
        stages = []
    if not stages:
        if len(history):
            h = history.copy()
            h["pos"] = h.groupby("deal_id").cumcount()
            order = h.groupby("stage")["pos"].mean().sort_values()
            stages = [s for s in order.index if s not in closed_labels]
        stages += sorted(s for s in open_seen - closed_labels - set(stages))
    return tuple(stages) or ("open",)


def deal_facts(store: Store, scopes: ScopeIndex, configured: list[str] | None = None) -> DealFacts:
    deals, history, acts = repo.deal_frames(store)
    for c in ("created_at", "closed_at"):
        deals[c] = _ts(deals[c])
    deals["is_won"] = deals["is_won"].astype(bool)
    deals["is_closed"] = deals["is_closed"].astype(bool)
    deals["closed_at"] = deals["closed_at"].where(deals["is_closed"])
    history["entered_at"] = _ts(history["entered_at"])
    history["expected_close_on"] = pd.to_datetime(history["expected_close_on"])
    acts["occurred_at"] = _ts(acts["occurred_at"])
    stages = open_stages(list(configured or DEFAULT_STAGES), deals, history)
    if history.empty:
        # no stage history (Maven): each deal is in its first open stage from its creation
        history = deals.loc[deals["created_at"].notna(), ["id", "created_at"]].rename(
            columns={"id": "deal_id", "created_at": "entered_at"}
        )
        history["stage"] = stages[-1] if len(stages) > 1 else stages[0]
        history["amount"] = np.nan
        history["expected_close_on"] = pd.NaT
        history = history.sort_values("entered_at").reset_index(drop=True)
    lost = deals.loc[deals["is_closed"] & ~deals["is_won"]]
    amounts_at_close = bool(len(lost)) and float(lost["amount"].isna().mean()) > 0.5
    probs = deals.loc[deals["stage"].isin(stages) & deals["probability"].notna()]
    fixed = probs.groupby("stage")["probability"].median() / 100.0
    stage_probability = {s: float(fixed.get(s, (i + 1) / (len(stages) + 1))) for i, s in enumerate(stages)}
    return DealFacts(
        deals=deals.drop(columns=["stage", "probability", "is_closed"]),
        history=history[["deal_id", "stage", "entered_at", "amount", "expected_close_on"]],
        activities=acts,
        stages=stages,
        amounts_at_close=amounts_at_close,
        stage_probability=stage_probability,
        member_team=dict(scopes.member_team),
    )


def lead_facts(store: Store, deals: DealFacts) -> LeadFacts:
    leads, acts = repo.lead_frames(store)
    for c in ("created_at", "mql_at", "sql_at", "disqualified_at", "converted_at"):
        leads[c] = _ts(leads[c])
    acts["occurred_at"] = _ts(acts["occurred_at"])
    won = deals.deals.set_index("id")
    won_at = won["closed_at"].where(won["is_won"])
    leads["won_at"] = _ts(leads["converted_deal_id"].map(won_at))
    return LeadFacts(leads=leads.drop(columns=["status"]), activities=acts)
