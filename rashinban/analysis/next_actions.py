"""Next actions for a stalled deal, from what preceded wins at the same stage.

For the closed deals that were once at the stalled deal's stage, each action (an activity
type with its subject — 訪問 / 見積書送付 / 資料送付メール …) done while they were at that
stage splits them in two: with and without it.  An action is suggested when deals with it
won more often than deals without it, by the same two-proportion test as the segment
insights (Benjamini–Hochberg over the actions of the stage, at least ``min_support`` deals
on each side), and the stalled deal has not done it yet.  Every suggestion carries its
counts: it is an association in past deals, not a promise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rashinban.analysis.segments import two_proportion_p


@dataclass(frozen=True)
class StageActions:
    stage: str
    won: np.ndarray  # bool, per closed deal that was at the stage
    actions: Mapping[str, np.ndarray]  # action label -> bool per deal: done while at the stage


@dataclass(frozen=True)
class Suggestion:
    action: str
    n_with: int
    won_with: int
    n_without: int
    won_without: int
    p_value: float
    q_value: float
    done: bool  # the stalled deal already did it

    @property
    def rate_with(self) -> float:
        return self.won_with / self.n_with

    @property
    def rate_without(self) -> float:
        return self.won_without / self.n_without


def suggest(
    data: StageActions,
    done: set[str],
    min_support: int = 20,
    fdr: float = 0.05,
) -> list[Suggestion]:
    """Actions associated with winning at the stage (done ones flagged, not dropped)."""
    from scipy import stats

    won = data.won.astype(bool)
    total_won = int(won.sum())
    cands: list[tuple[str, int, int, int, int, float]] = []
    for action, mask in data.actions.items():
        n_with = int(mask.sum())
        n_without = len(mask) - n_with
        if n_with < min_support or n_without < min_support:
            continue
        won_with = int(won[mask].sum())
        p, _ = two_proportion_p(won_with, n_with, total_won - won_with, n_without)
        cands.append((action, n_with, won_with, n_without, total_won - won_with, p))
    if not cands:
        return []
    q = stats.false_discovery_control([c[5] for c in cands], method="bh")
    out = [
        Suggestion(a, nw, ww, nwo, wwo, p, float(qv), a in done)
        for (a, nw, ww, nwo, wwo, p), qv in zip(cands, q, strict=True)
        if qv <= fdr and ww / nw > wwo / nwo
    ]
    out.sort(key=lambda s: (s.done, -(s.rate_with - s.rate_without), s.action))
    return out


def action_matrix(deal_index: np.ndarray, action: np.ndarray, n_deals: int) -> dict[str, np.ndarray]:
    """From (deal row, action label) pairs: action -> bool per deal."""
    out: dict[str, np.ndarray] = {}
    for a in np.unique(action.astype(str)):
        mask = np.zeros(n_deals, bool)
        mask[deal_index[action == a]] = True
        out[str(a)] = mask
    return out
