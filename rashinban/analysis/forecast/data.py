"""The facts a forecast works from, and what of them was known at an instant.

``DealFacts`` holds every deal with its stage history and activity times; :func:`deals_at`
returns the deals open at ``t`` as they looked then (stage, days in stage, amount, the close
date the CRM held, pushes, activity counts) — nothing after ``t`` is read: a later stage, a
later activity, the outcome and a close value revealed at closing are all invisible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
DAY_TD: Any = pd.Timedelta(days=1)  # (typed Any: pandas-stubs do not divide a Series by it)
OWNER_PRIOR = 10.0  # pseudo-deals at the company's win rate in an owner's record (shrinkage)


@dataclass(frozen=True)
class DealFacts:
    """Deals, their stage history and their activities (times are naive business time).

    ``deals``: id, owner_id (−1: none), product, channel, industry, qualified (有効商談:
    yes/no; strings, "" unknown),
    list_price (float, NaN), created_at, closed_at (NaT open), is_won, amount (NaN unknown).
    ``history``: deal_id, stage, entered_at, amount, expected_close_on — sorted by entered_at.
    ``activities``: deal_id, occurred_at — sorted by (deal_id, occurred_at).
    ``stages``: the open stages in funnel order.  ``amounts_at_close``: the source fills a
    deal's amount only when it closes (Maven: lost deals have none), so an open deal's amount
    is then its product's list price scaled by what won deals of the product fetched.
    """

    deals: pd.DataFrame
    history: pd.DataFrame
    activities: pd.DataFrame
    stages: tuple[str, ...]
    amounts_at_close: bool = False
    stage_probability: dict[str, float] = field(default_factory=dict)  # the CRM's fixed table
    member_team: dict[int, int | None] = field(default_factory=dict)
    fiscal_year_start: int = 4

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.deals["created_at"].min())

    @property
    def end(self) -> pd.Timestamp:
        """The last instant the facts know of."""
        ends = [self.deals["created_at"].max(), self.deals["closed_at"].max()]
        if len(self.history):
            ends.append(self.history["entered_at"].max())
        return pd.Timestamp(max(e for e in ends if pd.notna(e)))


def _act_counts(acts: pd.DataFrame, deal_ids: np.ndarray, t: pd.Timestamp) -> tuple[np.ndarray, ...]:
    """(all before t, in the 30 days before t, days since the last one) per deal."""
    if not len(acts) or not len(deal_ids):
        n = len(deal_ids)
        return np.zeros(n), np.zeros(n), np.full(n, np.nan)
    ids = acts["deal_id"].to_numpy(np.int64)
    ts = acts["occurred_at"].to_numpy("datetime64[s]").astype(np.int64)
    # one sorted key: deal id in the high part, seconds since 1970 in the low part
    key = ids * (1 << 34) + ts
    d = deal_ids.astype(np.int64) * (1 << 34)
    tt = np.int64(np.datetime64(t, "s").astype(np.int64))
    lo = np.searchsorted(key, d, side="left")
    hi = np.searchsorted(key, d + tt, side="right")
    mid = np.searchsorted(key, d + tt - 30 * 86400, side="right")
    total = (hi - lo).astype(float)
    recent = (hi - mid).astype(float)
    last = np.where(hi > lo, ts[np.maximum(hi - 1, 0)], -1)
    since = np.where(last >= 0, (tt - last) / 86400.0, np.nan)
    return total, recent, since


def deals_at(f: DealFacts, t: pd.Timestamp) -> pd.DataFrame:
    """The deals open at ``t`` as they were known then, one row each.

    Columns: id, owner_id, product, channel, industry, stage, stage_idx, days_in_stage,
    age_days, amount, expected_close (NaT unknown), pushes, overdue_days, acts_total,
    acts_30d, days_since_act.
    """
    d = f.deals
    t = pd.Timestamp(t)
    known = d["created_at"].notna() & (d["created_at"] <= t)
    still_open = d["closed_at"].isna() | (d["closed_at"] > t)
    cur = d.loc[known & still_open].copy()
    if cur.empty:
        return _empty()
    h = f.history
    h = h.iloc[: int(np.searchsorted(h["entered_at"].to_numpy(), np.datetime64(t), side="right"))]
    h = h.loc[h["deal_id"].isin(cur["id"]) & h["stage"].isin(f.stages)]
    last = h.groupby("deal_id", sort=False).tail(1).set_index("deal_id")
    cur["stage"] = cur["id"].map(last["stage"]).fillna(f.stages[0])
    entered = cur["id"].map(last["entered_at"])
    cur["stage_entered"] = entered.fillna(cur["created_at"])
    order = {s: i for i, s in enumerate(f.stages)}
    cur["stage_idx"] = cur["stage"].map(order).astype(int)
    cur["days_in_stage"] = (t - cur["stage_entered"]) / DAY_TD
    cur["age_days"] = (t - cur["created_at"]) / DAY_TD
    # the amount: the latest quote in the history, else the deal's own (unless the source
    # reveals amounts only at closing: then the product's list price)
    with_amount = h.loc[h["amount"].notna()].groupby("deal_id", sort=False).tail(1).set_index("deal_id")
    quoted = cur["id"].map(with_amount["amount"])
    if f.amounts_at_close:
        own = cur["list_price"] * cur["product"].map(won_value_ratio(f, t)).fillna(1.0)
    else:
        own = cur["amount"]
    cur["amount"] = quoted.fillna(own).astype(float)
    est = h.loc[h["expected_close_on"].notna()]
    if len(est):
        est_last = est.groupby("deal_id", sort=False).tail(1).set_index("deal_id")["expected_close_on"]
        cur["expected_close"] = pd.to_datetime(cur["id"].map(est_last))
        e = est[["deal_id", "expected_close_on"]].copy()
        e["up"] = e.groupby("deal_id")["expected_close_on"].diff() > pd.Timedelta(0)
        cur["pushes"] = cur["id"].map(e.groupby("deal_id")["up"].sum()).fillna(0).astype(float)
    else:
        cur["expected_close"] = pd.NaT
        cur["pushes"] = 0.0
    overdue = (t.normalize() - cur["expected_close"]) / DAY_TD
    cur["overdue_days"] = overdue.clip(lower=0).fillna(0.0)
    total, recent, since = _act_counts(f.activities, cur["id"].to_numpy(), t)
    cur["acts_total"] = total
    cur["acts_30d"] = recent
    cur["days_since_act"] = np.where(np.isnan(since), cur["age_days"].to_numpy(), since)
    cols = [*COLUMNS]
    return cur[cols].reset_index(drop=True)


COLUMNS = (
    "id",
    "owner_id",
    "product",
    "channel",
    "industry",
    "qualified",
    "stage",
    "stage_idx",
    "days_in_stage",
    "age_days",
    "amount",
    "expected_close",
    "pushes",
    "overdue_days",
    "acts_total",
    "acts_30d",
    "days_since_act",
)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def closed_by(f: DealFacts, t: pd.Timestamp) -> pd.DataFrame:
    """Deals closed by ``t`` (their outcome is known then)."""
    d = f.deals
    return d.loc[d["closed_at"].notna() & (d["closed_at"] <= pd.Timestamp(t))]


def owner_rates(f: DealFacts, t: pd.Timestamp) -> tuple[dict[int, float], float]:
    """Each owner's win rate from the deals they closed by ``t``, shrunk toward the company's
    rate by OWNER_PRIOR pseudo-deals; and the company's rate."""
    c = closed_by(f, t)
    base = float(c["is_won"].mean()) if len(c) else 0.2
    g = c.groupby("owner_id")["is_won"].agg(["sum", "count"])
    rates = (g["sum"] + OWNER_PRIOR * base) / (g["count"] + OWNER_PRIOR)
    return {int(k): float(v) for k, v in zip(rates.index, rates.to_numpy(), strict=True)}, base


def product_medians(f: DealFacts, t: pd.Timestamp) -> dict[str, float]:
    """The median amount of each product's deals created by ``t`` (won deals' when the source
    only knows amounts at closing)."""
    d = f.deals
    known = d["created_at"].notna() & (d["created_at"] <= t)
    if f.amounts_at_close:
        known &= d["closed_at"].notna() & (d["closed_at"] <= t) & d["is_won"]
    g = d.loc[known & d["amount"].notna()].groupby("product")["amount"].median()
    return {str(k): float(v) for k, v in zip(g.index, g.to_numpy(), strict=True)}


def won_value_ratio(f: DealFacts, t: pd.Timestamp) -> dict[str, float]:
    """What won deals of each product fetched ÷ its list price (deals won by ``t``)."""
    c = closed_by(f, t)
    c = c.loc[c["is_won"] & c["amount"].notna() & (c["list_price"] > 0)]
    g = (c["amount"] / c["list_price"]).groupby(c["product"]).median()
    return {str(k): float(v) for k, v in zip(g.index, g.to_numpy(), strict=True)}


MAX_TRAIN_DEALS = 60_000  # training sees a fixed random subset of the deals of larger stores


def sample(f: DealFacts, max_deals: int = MAX_TRAIN_DEALS, seed: int = 0) -> DealFacts:
    """The facts of at most ``max_deals`` deals (a fixed random subset; all when fewer), for
    training on large stores — what an instant sees of each sampled deal is unchanged."""
    if len(f.deals) <= max_deals:
        return f
    rng = np.random.default_rng(seed)
    keep_ids = rng.choice(f.deals["id"].to_numpy(), size=max_deals, replace=False)
    deals = f.deals.loc[f.deals["id"].isin(keep_ids)].reset_index(drop=True)
    history = f.history.loc[f.history["deal_id"].isin(keep_ids)].reset_index(drop=True)
    acts = f.activities.loc[f.activities["deal_id"].isin(keep_ids)].reset_index(drop=True)
    return DealFacts(
        deals,
        history,
        acts,
        f.stages,
        f.amounts_at_close,
        f.stage_probability,
        f.member_team,
        f.fiscal_year_start,
    )
