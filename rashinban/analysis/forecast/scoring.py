"""How good a forecast was: Brier score, log loss, AUC, expected calibration error and
reliability bins for probabilities; MAPE, error relative to a baseline and interval coverage
for amounts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 10


@dataclass(frozen=True)
class Bin:
    lo: float
    hi: float
    n: int
    predicted: float | None  # mean predicted probability in the bin
    observed: float | None  # share of positives in the bin


@dataclass(frozen=True)
class ProbabilityScore:
    n: int
    positives: int
    brier: float | None
    log_loss: float | None
    auc: float | None
    ece: float | None
    bins: tuple[Bin, ...]


def reliability(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> tuple[Bin, ...]:
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    out = []
    for b in range(bins):
        sel = idx == b
        n = int(sel.sum())
        out.append(
            Bin(
                b / bins,
                (b + 1) / bins,
                n,
                float(p[sel].mean()) if n else None,
                float(y[sel].mean()) if n else None,
            )
        )
    return tuple(out)


def ece(p: np.ndarray, y: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: Σ over equal-width bins of (bin share) × |mean p − mean y|."""
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.sum() * abs(float(p[sel].mean()) - float(y[sel].mean()))
    return total / len(p)


def probability_score(p: np.ndarray, y: np.ndarray) -> ProbabilityScore:
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    p = np.asarray(p, dtype=float)
    y = np.asarray(y, dtype=int)
    n = len(y)
    if n == 0:
        return ProbabilityScore(0, 0, None, None, None, None, ())
    both = 0 < y.sum() < n
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return ProbabilityScore(
        n=n,
        positives=int(y.sum()),
        brier=float(brier_score_loss(y, p)),
        log_loss=float(log_loss(y, q, labels=[0, 1])),
        auc=float(roc_auc_score(y, p)) if both else None,
        ece=ece(p, y),
        bins=reliability(p, y),
    )


def mape(forecast: np.ndarray, actual: np.ndarray) -> float | None:
    """Mean |forecast − actual| ÷ actual over the cases with a positive actual."""
    f, a = np.asarray(forecast, float), np.asarray(actual, float)
    ok = a > 0
    return float(np.mean(np.abs(f[ok] - a[ok]) / a[ok])) if ok.any() else None


def coverage(lo: np.ndarray, hi: np.ndarray, actual: np.ndarray) -> float | None:
    a = np.asarray(actual, float)
    return float(np.mean((a >= lo) & (a <= hi))) if len(a) else None
