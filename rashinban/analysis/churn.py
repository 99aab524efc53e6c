"""Churn risk per customer: a calibrated classification model, backtested like a forecast.

The features of a customer on a day and its label are :mod:`churn_features`' (what was known
then; did it churn within ``horizon`` days).  A logistic regression is fitted on monthly
snapshots whose label windows are closed (maximum likelihood by scikit-learn's Newton–
Cholesky solver; on small or separable samples statsmodels' lightly ridge-regularised fit);
logistic regression is calibrated in the large by construction, and the backtest reports
its reliability.

Backtest without leakage: the test cutoff is ``as_of − horizon`` (its labels are known on
``as_of``); training uses only snapshots whose label windows end on or before the test
cutoff.  Scored by the Brier score and Harrell's C-index (time to churn within the horizon,
censored at it) against a tenure-only baseline fitted the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from rashinban.analysis.churn_features import FEATURES, CustomerFacts, Snapshot, snapshot, touch_window

__all__ = [
    "FEATURES",
    "Backtest",
    "CustomerFacts",
    "Fitted",
    "Snapshot",
    "backtest",
    "brier",
    "c_index",
    "fit",
    "monthly_hazard",
    "score",
    "snapshot",
    "touch_window",
]

BASELINE = ("tenure_months",)
MAX_ROWS = 150_000  # training rows used at most (stacked snapshots are large on big stores)
HISTORY_DAYS = 365.0  # how far back the monthly training snapshots go


@dataclass(frozen=True)
class Fitted:
    columns: tuple[int, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # intercept first
    rows: int

    def logit(self, x: np.ndarray) -> np.ndarray:
        z = (x[:, self.columns] - self.mean) / self.scale
        out: np.ndarray = self.coef[0] + z @ self.coef[1:]
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = 1.0 / (1.0 + np.exp(-self.logit(x)))
        return out

    def factors(self, x: np.ndarray) -> np.ndarray:
        """Each feature's share of the log-odds against the average customer (n, k)."""
        out: np.ndarray = (x[:, self.columns] - self.mean) / self.scale * self.coef[1:]
        return out


def fit(snaps: list[Snapshot], names: tuple[str, ...] = FEATURES) -> Fitted | None:
    """A logistic regression (lightly ridge-regularised, for separable or tiny samples)."""
    cols = tuple(FEATURES.index(n) for n in names)
    y = np.concatenate([s.event for s in snaps]).astype(float) if snaps else np.zeros(0)
    if len(y) < 20 or y.sum() < 3 or y.sum() > len(y) - 3:
        return None
    rows = None
    if len(y) > MAX_ROWS:  # a fixed random subsample: the coefficients are stable well before this
        rows = np.random.default_rng(0).choice(len(y), MAX_ROWS, replace=False)
        y = y[rows]
    xs = _stacked(snaps, cols, rows)
    mean, scale = xs.mean(axis=0), xs.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    try:
        with threadpool_limits(1):  # BLAS threads only fight over 2 shared cores
            coef = _fit((xs - mean) / scale, y)
    except (np.linalg.LinAlgError, ValueError):
        return None
    return Fitted(cols, mean, scale, coef, len(y))


def _stacked(snaps: list[Snapshot], cols: tuple[int, ...], rows: np.ndarray | None) -> np.ndarray:
    """The snapshots' feature columns stacked — only the chosen rows (in their order)."""
    if rows is None:
        return np.vstack([s.x[:, cols] for s in snaps])
    ends = np.cumsum([len(s.event) for s in snaps])
    part = np.searchsorted(ends, rows, side="right")
    out = np.empty((len(rows), len(cols)))
    for i, s in enumerate(snaps):
        sel = part == i
        out[sel] = s.x[rows[sel] - (ends[i] - len(s.event))][:, cols]
    return out


def _fit(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Intercept and slopes over standardised features ``z``."""
    import statsmodels.api as sm
    from sklearn.linear_model import LogisticRegression

    if len(y) >= 2000 and min(y.sum(), len(y) - y.sum()) >= 50:
        # plenty of data: the maximum-likelihood fit by Newton steps on a Cholesky factor
        # (statsmodels' IRLS estimate to ~1e-13, in a fraction of its time)
        lr = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=100)
        lr.fit(z, y)
        return np.asarray(np.r_[lr.intercept_, lr.coef_[0]], dtype=float)
    # ridge on the slopes only: stable on separable or tiny samples
    model = sm.GLM(y, sm.add_constant(z, has_constant="add"), family=sm.families.Binomial())
    penalty = np.r_[0.0, np.full(z.shape[1], 1.0 / len(y))]
    return np.asarray(model.fit_regularized(alpha=penalty, L1_wt=0.0, maxiter=300).params, dtype=float)


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y.astype(float)) ** 2))


def c_index(risk: np.ndarray, time: np.ndarray, event: np.ndarray) -> float | None:
    """Harrell's C: of the pairs (i, j) with an event for i before j's time, the share where
    i has the higher risk (ties in risk count ½).  Exact counts in O(n log² n), vectorised:
    for each event i, the customers with a later time and a lower (or the same) risk rank."""
    n = len(risk)
    if n < 2 or not event.any():
        return None
    rank = np.searchsorted(np.unique(risk), risk).astype(np.int64)
    order = np.argsort(-time, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)  # every later time sits before position ``later`` of an earlier one
    later = n - np.searchsorted(np.sort(time), time, side="right")
    ev = np.nonzero(event)[0]
    pairs = int(later[ev].sum())
    if not pairs:
        return None
    width = n + 1

    def below(keys: np.ndarray, key_q: np.ndarray, members: np.ndarray) -> np.ndarray:
        """For each query: members with the query's key and a position before its ``later``."""
        combined = np.sort(keys[members] * width + pos[members])
        base = key_q * width
        return np.searchsorted(combined, base + later[ev]) - np.searchsorted(combined, base)

    ties = int(below(rank, rank[ev], np.arange(n)).sum())
    conc = 0
    for b in range(max(int(rank.max()).bit_length(), 1)):  # lower rank: first differing bit is 0
        bit = (rank >> b) & 1
        q = bit[ev] == 1
        if q.any():
            hits = below(rank >> (b + 1), (rank[ev] >> (b + 1)), np.nonzero(bit == 0)[0])
            conc += int(hits[q].sum())
    return (conc + 0.5 * ties) / pairs


@dataclass(frozen=True)
class Backtest:
    train_cutoffs: tuple[float, ...]
    test_cutoff: float
    test_customers: int
    test_events: int
    brier: float | None
    brier_baseline: float | None
    c_index: float | None
    c_index_baseline: float | None
    calibration: tuple[tuple[float, float, int], ...]  # (mean predicted, observed, n) by decile


def monthly_cutoffs(first: float, last: float) -> list[float]:
    out, day = [], last
    while day >= first:
        out.append(day)
        day -= 30.4
    return sorted(out)


def backtest(
    f: CustomerFacts, as_of: float, horizon: float = 182.0, history_days: float = HISTORY_DAYS
) -> Backtest:
    test_cut = as_of - horizon
    train = [
        c for c in monthly_cutoffs(test_cut - history_days, test_cut - horizon) if c + horizon <= test_cut
    ]
    snaps = [snapshot(f, c, horizon) for c in train]
    test = snapshot(f, test_cut, horizon)
    full, base = fit(snaps), fit(snaps, BASELINE)
    y = test.event
    if full is None or base is None or len(y) == 0:
        return Backtest(tuple(train), test_cut, len(y), int(y.sum()), None, None, None, None, ())
    p, pb = full.predict(test.x), base.predict(test.x)
    bins = []
    for part in np.array_split(np.argsort(p), min(10, len(p))):
        if len(part):
            bins.append((float(p[part].mean()), float(y[part].mean()), len(part)))
    return Backtest(
        tuple(train),
        test_cut,
        len(y),
        int(y.sum()),
        brier(p, y),
        brier(pb, y),
        c_index(p, test.time, y),
        c_index(pb, test.time, y),
        tuple(bins),
    )


def monthly_hazard(p_horizon: np.ndarray, horizon: float) -> np.ndarray:
    """The constant monthly churn rate that gives probability ``p`` over the horizon."""
    months = horizon / 30.4
    out: np.ndarray = 1.0 - np.power(np.clip(1.0 - p_horizon, 1e-9, 1.0), 1.0 / months)
    return out


def score(
    f: CustomerFacts, as_of: float, horizon: float = 182.0, history_days: float = HISTORY_DAYS
) -> tuple[Snapshot, Fitted | None, np.ndarray]:
    """Today's customers, the model fitted on every closed label window, their risks."""
    cuts = [
        c for c in monthly_cutoffs(as_of - horizon - history_days, as_of - horizon) if c + horizon <= as_of
    ]
    model = fit([snapshot(f, c, horizon) for c in cuts])
    now = snapshot(f, as_of, horizon)
    risk = model.predict(now.x) if model is not None else np.full(len(now.accounts), math.nan)
    return now, model, risk
