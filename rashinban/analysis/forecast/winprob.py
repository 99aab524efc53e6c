"""Win probability of an open deal: a regularised logistic regression over the deal's
features (chosen by the backtest, see ``docs/forecasts.md``), its per-factor contributions,
and the fallbacks — the stage table when the history is too thin, and the candidates the
backtest compares (stage only, naive Bayes).

Contributions are exact for the logistic model: the log-odds of a deal are the intercept
(the log-odds of an average deal) plus, per factor, Σ coefficient × (value − mean) over the
factor's columns, so the factors shown are what moves this deal away from the average one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from rashinban.analysis.forecast.features import WIN_CATEGORIES, Encoder, factor_of, numeric
from rashinban.analysis.forecast.stages import StageTable, fit_stage_table
from rashinban.analysis.forecast.training import Context

MIN_WON = 100  # fewer won or lost deals than this: too little data for a deal model
MIN_LOST = 100
C = 0.5  # inverse L2 strength on standardised features


@dataclass(frozen=True)
class Factor:
    factor: str  # stage | days_in_stage | … (a catalogue key: forecast.factor_<name>)
    value: str  # the deal's value, as shown
    effect: float  # log-odds contribution (positive: raises the probability)


@dataclass(frozen=True)
class WinModel:
    algorithm: str  # logistic | naive_bayes | stage_table
    table: StageTable
    won: int
    lost: int
    encoder: Encoder | None = None
    coef: np.ndarray | None = None
    intercept: float = 0.0
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    nb: Any = None
    bins: Any = None

    @property
    def enough(self) -> bool:
        return self.won >= MIN_WON and self.lost >= MIN_LOST

    def _x(self, snap: pd.DataFrame, ctx: Context) -> tuple[np.ndarray, pd.DataFrame]:
        assert self.encoder is not None
        if "period_kind" not in snap:
            snap = snap.assign(period_kind=ctx.period_kind)
        num = numeric(snap, ctx.owner_rate, ctx.base, ctx.medians, ctx.t)
        return self.encoder.transform(snap, num), num

    def predict(self, snap: pd.DataFrame, ctx: Context, team: np.ndarray | None = None) -> np.ndarray:
        stage = self.table.p(snap["stage_idx"].to_numpy(int), snap["days_in_stage"].to_numpy(float), team)
        if self.algorithm == "stage_table" or snap.empty:
            return stage
        x, _ = self._x(snap, ctx)
        if self.algorithm == "naive_bayes":
            xb = _discrete(self, x)
            return np.asarray(self.nb.predict_proba(xb)[:, 1])
        z = self.intercept + ((x - self.mean) / self.std) @ self.coef
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    def factors(self, snap: pd.DataFrame, ctx: Context, top: int = 3) -> list[list[Factor]]:
        """The ``top`` factors raising and the ``top`` lowering each deal's probability
        (logistic model; the stage table's only factor is the stage and its age)."""
        if self.algorithm != "logistic" or snap.empty:
            return [[Factor("stage", f"{r.stage}", 0.0)] for r in snap.itertuples()]
        assert self.encoder is not None and self.coef is not None
        x, _ = self._x(snap, ctx)
        contrib = ((x - self.mean) / self.std) * self.coef
        cols = self.encoder.columns
        names = sorted({factor_of(c) for c in cols})
        idx = {n: [i for i, c in enumerate(cols) if factor_of(c) == n] for n in names}
        per = np.stack([contrib[:, idx[n]].sum(axis=1) for n in names], axis=1)
        out = []
        values = snap.to_dict("records")
        for i in range(len(snap)):
            order = np.argsort(per[i])
            ups = [j for j in order[::-1][:top] if per[i, j] > 0.05]
            downs = [j for j in order[:top] if per[i, j] < -0.05]
            out.append(
                [Factor(names[j], _shown(names[j], values[i], ctx), float(per[i, j])) for j in [*ups, *downs]]
            )
        return out


def _shown(name: str, row: dict[Any, Any], ctx: Context) -> str:
    v = row.get(name)
    if name == "owner_rate":
        return f"{ctx.owner_rate.get(int(row['owner_id']), ctx.base):.0%}"
    if name == "amount_rel":
        return f"{row.get('amount') or 0:,.0f}"
    if isinstance(v, float):
        return f"{v:.0f}"
    return str(v)


def _discrete(m: WinModel, x: np.ndarray) -> np.ndarray:
    k = len(m.encoder.numeric) if m.encoder else 0
    xb = np.asarray(m.bins.transform(x[:, :k])) if k else np.zeros((len(x), 0))
    return np.concatenate([xb, x[:, k:]], axis=1).astype(int)


def fit(
    rows: pd.DataFrame,
    stages: tuple[str, ...],
    algorithm: str = "logistic",
    categories: tuple[str, ...] = WIN_CATEGORIES,
    c: float = C,
) -> WinModel:
    """Train on labelled snapshots (``training.labelled``); the in-period model also uses the
    kind of month (``features.CATEGORIES``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import CategoricalNB
    from sklearn.preprocessing import KBinsDiscretizer

    table = fit_stage_table(rows, stages)
    won = int(rows["won"].sum()) if len(rows) else 0
    lost = int(len(rows) - won)
    # distinct deals decide whether there is enough history
    if len(rows):
        by_deal = rows.groupby("id")["won"].max()
        won, lost = int(by_deal.sum()), int(len(by_deal) - by_deal.sum())
    model = WinModel("stage_table", table, won, lost)
    if algorithm == "stage_table" or not model.enough:
        return model
    num = rows[[c for c in rows.columns if c.startswith("x_")]].rename(columns=lambda c: c[2:])
    enc = Encoder.fit(rows, num, categories)
    x = enc.transform(rows, num)
    y = rows["won"].to_numpy(int)
    if algorithm == "naive_bayes":
        k = len(enc.numeric)
        bins = KBinsDiscretizer(n_bins=5, encode="ordinal", strategy="quantile", subsample=None)
        with warnings.catch_warnings():  # constant columns (no pushes yet): one bin, as intended
            warnings.simplefilter("ignore", UserWarning)
            bins.fit(x[:, :k])
        m = WinModel("naive_bayes", table, won, lost, enc, bins=bins)
        nb = CategoricalNB(alpha=0.1, min_categories=6)
        nb.fit(_discrete(m, x), y)
        return WinModel("naive_bayes", table, won, lost, enc, nb=nb, bins=bins)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    lr = LogisticRegression(C=c, solver="newton-cholesky", max_iter=200)
    with threadpool_limits(1):  # BLAS threads only fight over 2 shared cores
        lr.fit((x - mean) / std, y)
    return WinModel(
        "logistic",
        table,
        won,
        lost,
        enc,
        coef=lr.coef_[0],
        intercept=float(lr.intercept_[0]),
        mean=mean,
        std=std,
    )
