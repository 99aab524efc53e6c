"""Churn risk per customer: a calibrated classification model, backtested like a forecast.

A customer is an account with contracts.  At a cutoff day T every customer active at T
gets its features from what was known on T only — tenure, months to the next renewal,
MRR, the last NPS, the mean CSAT and the complaints of the last 12 months, the customer-
success touches of the last 90 days (the store's proxy for usage) — and its label: did it
churn within the next ``horizon`` days?  A logistic regression (statsmodels) is fitted on
monthly snapshots whose label windows are closed; logistic regression is calibrated in the
large by construction, and the backtest reports its reliability.

Backtest without leakage: the test cutoff is ``as_of − horizon`` (its labels are known on
``as_of``); training uses only snapshots whose label windows end on or before the test
cutoff.  Scored by the Brier score and Harrell's C-index (time to churn within the horizon,
censored at it) against a tenure-only baseline fitted the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

FEATURES = (
    "tenure_months",
    "months_to_renewal",
    "log_mrr",
    "nps",
    "nps_missing",
    "csat",
    "complaints",
    "touches",
)
BASELINE = ("tenure_months",)
MAX_ROWS = 150_000  # training rows used at most (stacked snapshots are large on big stores)
HISTORY_DAYS = 365.0  # how far back the monthly training snapshots go


@dataclass(frozen=True)
class CustomerFacts:
    """All days are days since 1970-01-01 (floats, nan for none)."""

    account: np.ndarray  # per contract term
    start: np.ndarray
    end: np.ndarray
    churned: np.ndarray  # the day the customer churned with this term (nan: did not)
    mrr: np.ndarray
    s_account: np.ndarray  # per survey answer
    s_day: np.ndarray
    s_nps: np.ndarray  # score, nan when the answer is a CSAT
    s_csat: np.ndarray
    s_complaint: np.ndarray  # bool
    t_account: np.ndarray  # per customer-success touch
    t_day: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    cutoff: float
    accounts: np.ndarray
    x: np.ndarray  # (n, len(FEATURES))
    event: np.ndarray  # churned within the horizon
    time: np.ndarray  # days to churn, or the horizon when it did not (censored)
    mrr: np.ndarray


def snapshot(f: CustomerFacts, cutoff: float, horizon: float) -> Snapshot:
    """Customers active on ``cutoff`` with features known then and their label."""
    active = (f.start <= cutoff) & (np.isnan(f.end) | (f.end >= cutoff)) & ~(f.churned <= cutoff)
    accounts = np.unique(f.account[active])
    if len(accounts) == 0:
        empty = np.zeros((0, len(FEATURES)))
        return Snapshot(cutoff, accounts, empty, np.zeros(0, bool), np.zeros(0), np.zeros(0))
    n = len(accounts)
    rows = np.nonzero(np.isin(f.account, accounts))[0]
    ii = np.searchsorted(accounts, f.account[rows])
    first = np.full(n, np.inf)
    np.minimum.at(first, ii, f.start[rows])
    act = active[rows]
    mrr = np.zeros(n)
    np.add.at(mrr, ii[act], np.nan_to_num(f.mrr[rows][act]))
    renewal = np.full(n, np.inf)
    ends = f.end[rows]
    has_end = act & ~np.isnan(ends)
    np.minimum.at(renewal, ii[has_end], ends[has_end])
    c = f.churned[rows]
    soon = (c > cutoff) & (c <= cutoff + horizon)
    churn_day = np.full(n, np.inf)
    np.minimum.at(churn_day, ii[soon], c[soon])
    churn_day[np.isinf(churn_day)] = np.nan
    x = np.zeros((n, len(FEATURES)))
    x[:, 0] = (cutoff - first) / 30.4
    x[:, 1] = np.where(np.isinf(renewal), 12.0, np.clip((renewal - cutoff) / 30.4, 0, 36))
    x[:, 2] = np.log1p(mrr)
    known = np.isin(f.s_account, accounts) & (f.s_day <= cutoff)
    si = np.searchsorted(accounts, f.s_account[known])
    sday, snps = f.s_day[known], f.s_nps[known]
    has_nps = ~np.isnan(snps)
    last = np.full(n, -np.inf)
    np.maximum.at(last, si[has_nps], sday[has_nps])
    nps = np.full(n, np.nan)
    latest = has_nps & (sday == last[si])
    nps[si[latest]] = snps[latest]
    recent = sday > cutoff - 365
    csat = f.s_csat[known]
    csat_sum = np.bincount(si[recent], weights=np.nan_to_num(csat[recent]), minlength=n)
    csat_n = np.bincount(si[recent], weights=(~np.isnan(csat[recent])).astype(float), minlength=n)
    complaints = np.bincount(si[recent], weights=f.s_complaint[known][recent].astype(float), minlength=n)
    window = np.nonzero((f.t_day <= cutoff) & (f.t_day > cutoff - 90))[0]
    ta = f.t_account[window]
    ta = ta[np.isin(ta, accounts)]
    touches = np.bincount(np.searchsorted(accounts, ta), minlength=n)
    x[:, 3] = np.where(np.isnan(nps), 0.0, nps)
    x[:, 4] = np.isnan(nps).astype(float)
    x[:, 5] = np.where(csat_n > 0, csat_sum / np.maximum(csat_n, 1), 0.0)
    x[:, 6] = complaints
    x[:, 7] = touches
    event = ~np.isnan(churn_day)
    time = np.where(event, churn_day - cutoff, horizon)
    return Snapshot(cutoff, accounts, x, event, time, mrr)


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
    x = np.vstack([s.x for s in snaps]) if snaps else np.zeros((0, len(FEATURES)))
    y = np.concatenate([s.event for s in snaps]).astype(float) if snaps else np.zeros(0)
    if len(y) < 20 or y.sum() < 3 or y.sum() > len(y) - 3:
        return None
    if len(y) > MAX_ROWS:  # a fixed random subsample: the coefficients are stable well before this
        keep = np.random.default_rng(0).choice(len(y), MAX_ROWS, replace=False)
        x, y = x[keep], y[keep]
    xs = x[:, cols]
    mean, scale = xs.mean(axis=0), xs.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    design = sm.add_constant((xs - mean) / scale, has_constant="add")
    model = sm.GLM(y, design, family=sm.families.Binomial())
    try:
        if len(y) >= 2000 and min(y.sum(), len(y) - y.sum()) >= 50:
            coef = np.asarray(model.fit().params, dtype=float)  # IRLS: plenty of data
        else:  # ridge on the slopes only: stable on separable or tiny samples
            penalty = np.r_[0.0, np.full(len(cols), 1.0 / len(y))]
            coef = np.asarray(
                model.fit_regularized(alpha=penalty, L1_wt=0.0, maxiter=300).params, dtype=float
            )
    except (np.linalg.LinAlgError, ValueError):
        return None
    return Fitted(cols, mean, scale, coef, len(y))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((p - y.astype(float)) ** 2))


def c_index(risk: np.ndarray, time: np.ndarray, event: np.ndarray) -> float | None:
    """Harrell's C: of the pairs (i, j) with an event for i before j's time, the share where
    i has the higher risk (ties in risk count ½).  O(n log n) with a Fenwick tree."""
    n = len(risk)
    if n < 2 or not event.any():
        return None
    ranks = np.searchsorted(np.unique(risk), risk) + 1
    size = int(ranks.max())
    tree = np.zeros(size + 1, np.int64)

    def add(i: int) -> None:
        while i <= size:
            tree[i] += 1
            i += i & -i

    def below(i: int) -> int:  # how many added with rank ≤ i
        s = 0
        while i > 0:
            s += int(tree[i])
            i -= i & -i
        return s

    order = np.argsort(-time, kind="stable")
    conc = ties = pairs = 0.0
    k = 0
    added = 0
    times = time[order]
    while k < n:  # walk times from the latest down: the tree holds the strictly later ones
        j = k
        while j < n and times[j] == times[k]:
            j += 1
        for m in order[k:j]:
            if event[m]:
                r = int(ranks[m])
                lower, not_higher = below(r - 1), below(r)
                conc += lower
                ties += not_higher - lower
                pairs += added
        for m in order[k:j]:
            add(int(ranks[m]))
            added += 1
        k = j
    return (conc + 0.5 * ties) / pairs if pairs else None


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
