"""The period forecast by simulation: closed so far + each open deal won within the period
with its probability (a Bernoulli draw per deal and simulation, all of a draw's chances
scaled by one shared month factor — months are good or bad for everyone, which independent
draws alone would miss) + deals not yet created that
will be created and won within the period (a Poisson count per member at the rate of past
months after the same day, their amounts drawn from those months' such deals).  Every scope
sums the same draws of its members, so a team's distribution is that of its members'
totals — the company's, the teams' and the members' forecasts agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DRAWS = 2000
NEW_PRIOR = 2.0  # pseudo-months at the company's per-member rate in a member's new-deal rate
CHUNK = 20_000


@dataclass(frozen=True)
class PeriodInputs:
    """Per member (index into ``members``; −1 = deals without a member, counted for the
    company only) and per open deal."""

    members: np.ndarray  # member ids
    open_member: np.ndarray  # index into members per open deal
    open_p: np.ndarray  # P(won within the period)
    open_amount: np.ndarray
    closed_revenue: np.ndarray  # per member: won in the period so far
    closed_won: np.ndarray
    new_rate: np.ndarray  # per member: expected deals created and won in the rest of the period
    new_amounts: np.ndarray  # amounts of such deals in past months (drawn from)
    month_sigma: float = 0.0  # a month's shared factor on every chance: lognormal, mean 1


@dataclass(frozen=True)
class Draws:
    revenue: np.ndarray  # (members, draws)
    won: np.ndarray


def simulate(inp: PeriodInputs, draws: int = DRAWS, seed: int = 0) -> Draws:
    from scipy import sparse

    rng = np.random.default_rng(seed)
    m = len(inp.members)
    rev = np.repeat(inp.closed_revenue.astype(float)[:, None], draws, axis=1)
    won = np.repeat(inp.closed_won.astype(float)[:, None], draws, axis=1)
    n = len(inp.open_p)
    s = inp.month_sigma
    factor = np.exp(rng.normal(-s * s / 2, s, draws)) if s > 0 else np.ones(draws)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        p = np.clip(inp.open_p[lo:hi, None] * factor[None, :], 0.0, 1.0)
        hit = (rng.random((hi - lo, draws), dtype=np.float32) < p).astype(np.float32)
        owner = inp.open_member[lo:hi]
        cols = np.arange(hi - lo)
        amount = sparse.csr_matrix((inp.open_amount[lo:hi], (owner, cols)), shape=(m, hi - lo))
        count = sparse.csr_matrix((np.ones(hi - lo), (owner, cols)), shape=(m, hi - lo))
        rev += amount @ hit
        won += count @ hit
    counts = rng.poisson(inp.new_rate[:, None] * factor[None, :])
    total = int(counts.sum())
    if total and len(inp.new_amounts):
        amounts = rng.choice(inp.new_amounts, size=total)
        slot = np.repeat(np.arange(m * draws), counts.ravel())
        rev += np.bincount(slot, weights=amounts, minlength=m * draws).reshape(m, draws)
    won += counts
    return Draws(rev, won)


@dataclass(frozen=True)
class Summary:
    mean: float
    p10: float
    p50: float
    p90: float
    p_achieve: float | None


def summarise(draws: np.ndarray, target: float | None) -> Summary:
    q = np.percentile(draws, [10, 50, 90])
    p = float((draws >= target).mean()) if target is not None and target > 0 else None
    return Summary(float(draws.mean()), float(q[0]), float(q[1]), float(q[2]), p)


def scope_draws(d: np.ndarray, rows: list[int]) -> np.ndarray:
    """A scope's draws: the sum over its members' rows."""
    if not rows:
        return np.zeros(d.shape[1])
    out: np.ndarray = d[rows].sum(axis=0)
    return out


def new_deal_rates(
    created_won: pd.DataFrame, members: np.ndarray, months: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per member, the expected number of deals created after the origin's day and won
    within the same month (past ``months`` months, shrunk toward the company's per-member
    rate), and the pool of those deals' amounts.  ``created_won``: owner_id, amount — one row
    per such deal of those months."""
    index = {int(mm): i for i, mm in enumerate(members)}
    counts = np.zeros(len(members))
    for owner, c in created_won.groupby("owner_id").size().items():
        i = index.get(int(owner))  # type: ignore[call-overload]
        if i is not None:
            counts[i] += c
    real = members >= 0
    per_member = counts[real].sum() / max(1, real.sum()) / max(1, months)
    rate = (counts + NEW_PRIOR * per_member) / (max(1, months) + NEW_PRIOR)
    rate[~real] = counts[~real] / max(1, months)
    return rate, created_won["amount"].dropna().to_numpy(float)
