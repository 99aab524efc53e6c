"""Lead scores: P(an open lead becomes a won deal within HORIZON_DAYS), a regularised
logistic regression with per-factor contributions, against the baseline of its channel's
(origin's) historical rate.

An open lead at ``t``: created by ``t``, not disqualified and not converted by ``t``.  Its
label is known only once ``t + HORIZON_DAYS`` has passed: training takes snapshots at least
that long before the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from rashinban.analysis.forecast.data import DAY_TD, _act_counts

HORIZON_DAYS = 90
MIN_POSITIVE = 30  # fewer leads that became won deals than this: the channel rates only
CATS = ("channel", "industry", "status")


@dataclass(frozen=True)
class LeadFacts:
    """``leads``: id, owner_id, channel, industry, employees, created_at, mql_at, sql_at,
    disqualified_at, converted_at, converted_deal_id, won_at (the converted deal's win, NaT).
    ``activities``: lead_id, occurred_at sorted."""

    leads: pd.DataFrame
    activities: pd.DataFrame


def leads_at(f: LeadFacts, t: pd.Timestamp) -> pd.DataFrame:
    """Open leads at ``t`` with what was known of them then."""
    d = f.leads
    t = pd.Timestamp(t)
    open_ = (
        (d["created_at"] <= t)
        & (d["disqualified_at"].isna() | (d["disqualified_at"] > t))
        & (d["converted_at"].isna() | (d["converted_at"] > t))
    )
    cur = d.loc[open_].copy()
    status = np.where(cur["sql_at"] <= t, "sql", np.where(cur["mql_at"] <= t, "mql", "new"))
    cur["status"] = status
    cur["age_days"] = (t - cur["created_at"]) / DAY_TD
    acts = f.activities.rename(columns={"lead_id": "deal_id"})
    total, recent, since = _act_counts(acts, cur["id"].to_numpy(), t)
    cur["acts_total"], cur["acts_30d"] = total, recent
    cur["days_since_act"] = np.where(np.isnan(since), cur["age_days"].to_numpy(), since)
    cols = ["id", "owner_id", "channel", "industry", "employees", "status", "age_days"]
    return cur[[*cols, "acts_total", "acts_30d", "days_since_act"]].reset_index(drop=True)


def label(f: LeadFacts, snap: pd.DataFrame, t: pd.Timestamp, horizon: int = HORIZON_DAYS) -> np.ndarray:
    if snap.empty:
        return np.zeros(0, int)
    won_at = snap["id"].map(f.leads.set_index("id")["won_at"])
    return (won_at.notna() & (won_at <= t + pd.Timedelta(days=horizon))).to_numpy(int)


def _numeric(snap: pd.DataFrame) -> np.ndarray:
    emp = pd.to_numeric(snap["employees"], errors="coerce").astype(float)
    return np.stack(
        [
            np.log1p(snap["age_days"].astype(float).clip(lower=0)),
            np.log1p(snap["acts_total"].astype(float)),
            np.log1p(snap["acts_30d"].astype(float)),
            np.log1p(snap["days_since_act"].astype(float).clip(0, 365)),
            np.log1p(emp.fillna(float(np.nanmedian(emp)) if emp.notna().any() else 0.0)),
        ],
        axis=1,
    )


NUMERIC = ("age_days", "acts_total", "acts_30d", "days_since_act", "employees")


@dataclass(frozen=True)
class LeadModel:
    algorithm: str  # logistic | channel_rate
    channel_rate: dict[str, float]
    base: float
    positives: int
    levels: dict[str, tuple[str, ...]]
    coef: np.ndarray | None = None
    intercept: float = 0.0
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    negatives: int = 0  # training rows that did not become a won deal in time

    @property
    def columns(self) -> list[str]:
        return [*NUMERIC] + [f"{c}={v}" for c, vs in self.levels.items() for v in vs]

    def _x(self, snap: pd.DataFrame) -> np.ndarray:
        parts = [_numeric(snap)]
        for c, vs in self.levels.items():
            col = snap[c].astype(str).to_numpy()
            parts.append(
                np.stack([col == v for v in vs], axis=1).astype(float) if vs else np.zeros((len(snap), 0))
            )
        return np.concatenate(parts, axis=1)

    def baseline(self, snap: pd.DataFrame) -> np.ndarray:
        return snap["channel"].astype(str).map(self.channel_rate).fillna(self.base).to_numpy(float)

    def predict(self, snap: pd.DataFrame) -> np.ndarray:
        if self.algorithm != "logistic" or snap.empty:
            return self.baseline(snap)
        z = self.intercept + ((self._x(snap) - self.mean) / self.std) @ self.coef
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    def contributions(self, snap: pd.DataFrame) -> tuple[list[str], np.ndarray]:
        """(factor names, per-lead log-odds contribution of each factor)."""
        if self.algorithm != "logistic" or snap.empty:
            return [], np.zeros((len(snap), 0))
        c = ((self._x(snap) - self.mean) / self.std) * self.coef
        names = sorted({k.split("=", 1)[0] for k in self.columns})
        cols = self.columns
        per = np.stack(
            [c[:, [i for i, k in enumerate(cols) if k.split("=", 1)[0] == n]].sum(axis=1) for n in names],
            axis=1,
        )
        return names, per


def fit(rows: pd.DataFrame) -> LeadModel:
    """``rows``: lead snapshots with ``y`` (won within the horizon)."""
    from sklearn.linear_model import LogisticRegression

    y = rows["y"].to_numpy(int) if len(rows) else np.zeros(0, int)
    base = float(y.mean()) if len(y) else 0.0
    g = rows.groupby(rows["channel"].astype(str))["y"].agg(["sum", "count"]) if len(rows) else None
    rate = (
        {}
        if g is None
        else {str(k): float((v["sum"] + 20 * base) / (v["count"] + 20)) for k, v in g.iterrows()}
    )
    positives = int(y.sum())
    levels: dict[str, tuple[str, ...]] = {}
    for c in CATS:
        counts = rows[c].astype(str).value_counts() if len(rows) else pd.Series(dtype=int)
        kept = tuple(sorted(str(k) for k, v in counts.items() if v >= 30))
        levels[c] = kept[1:] if len(kept) > 1 else ()
    model = LeadModel("channel_rate", rate, base, positives, levels, negatives=int(len(y) - positives))
    if positives < MIN_POSITIVE or positives == len(y):
        return model
    x = model._x(rows)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    lr = LogisticRegression(C=0.5, solver="newton-cholesky", max_iter=200)
    with threadpool_limits(1):  # BLAS threads only fight over 2 shared cores
        lr.fit((x - mean) / std, y)
    return LeadModel(
        "logistic", rate, base, positives, levels, lr.coef_[0], float(lr.intercept_[0]), mean, std
    )


def training_rows(
    f: LeadFacts, origin: pd.Timestamp, snapshots: int = 8, max_rows: int = 150_000
) -> pd.DataFrame:
    """Lead snapshots every four weeks, the latest ``HORIZON_DAYS`` before ``origin``."""
    parts = []
    t = origin - pd.Timedelta(days=HORIZON_DAYS)
    if f.leads.empty:
        return pd.DataFrame()
    first = f.leads["created_at"].min()
    for _ in range(snapshots):
        if t <= first:
            break
        snap = leads_at(f, t)
        snap["y"] = label(f, snap, t)
        parts.append(snap)
        t -= pd.Timedelta(days=28)
    if not parts:
        return pd.DataFrame()
    rows = pd.concat(parts, ignore_index=True)
    return rows.sample(max_rows, random_state=0) if len(rows) > max_rows else rows
