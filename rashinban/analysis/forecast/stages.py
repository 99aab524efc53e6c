"""The stage model: P(won | stage, days in stage) per team, shrunk toward the company, and
the time from a stage to the close of won deals.

Rows are labelled snapshots (``training.labelled``): every deal open at a snapshot instant
with the stage and days in stage it had then and whether it was eventually won.  A team's
rate for a cell is ``(won_team + K · p_company) / (n_team + K)`` with ``K = TEAM_PRIOR``
snapshot rows — the team's own history counts fully once it has many more rows than K, and
a team with little history shows the company's rate (empirical-Bayes shrinkage with a fixed
prior strength).  Cells of the company table with fewer than MIN_CELL rows fall back to the
stage's rate over all ages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

AGE_EDGES = (0.0, 7.0, 21.0, 60.0, np.inf)  # days in the stage
AGE_LABELS = ("0–7", "8–21", "22–60", "61+")
TEAM_PRIOR = 30.0
MIN_CELL = 20


def age_bucket(days: pd.Series | np.ndarray) -> np.ndarray:
    out: np.ndarray = np.digitize(np.asarray(days, dtype=float), AGE_EDGES[1:-1], right=True)
    return out


@dataclass(frozen=True)
class StageRow:
    stage: str
    age: str
    n: int
    won: int
    p_win: float
    days_to_close_p50: float | None  # won deals: days from such a snapshot to the close
    days_to_close_p90: float | None


@dataclass(frozen=True)
class StageTable:
    stages: tuple[str, ...]
    company: dict[tuple[int, int], float]  # (stage index, age bucket) → P(won)
    stage_rate: dict[int, float]
    team: dict[tuple[int, int, int], float]  # (team, stage, bucket) → shrunk P(won)
    rows: tuple[StageRow, ...]
    base: float

    def p(self, stage_idx: np.ndarray, days: np.ndarray, team: np.ndarray | None = None) -> np.ndarray:
        b = age_bucket(days)
        out = np.array(
            [
                self.company.get((int(s), int(a)), self.stage_rate.get(int(s), self.base))
                for s, a in zip(stage_idx, b, strict=True)
            ]
        )
        if team is not None:
            for i, (tm, s, a) in enumerate(zip(team, stage_idx, b, strict=True)):
                v = self.team.get((int(tm), int(s), int(a)))
                if v is not None:
                    out[i] = v
        return out

    def p_stage_only(self, stage_idx: np.ndarray) -> np.ndarray:
        return np.array([self.stage_rate.get(int(s), self.base) for s in stage_idx])


def fit_stage_table(rows: pd.DataFrame, stages: tuple[str, ...]) -> StageTable:
    """``rows``: stage_idx, days_in_stage, won (0/1), team (−1 none), days_to_close (won rows)."""
    y = rows["won"].to_numpy(float)
    base = float(y.mean()) if len(y) else 0.2
    s = rows["stage_idx"].to_numpy(int)
    b = age_bucket(rows["days_in_stage"])
    team_of = rows["team"].to_numpy(int)
    stage_rate = {k[0]: sm / n for k, (sm, n) in _sums(np.stack([s], axis=1), y).items()}
    company = {
        (k[0], k[1]): sm / n if n >= MIN_CELL else stage_rate[k[0]]
        for k, (sm, n) in _sums(np.stack([s, b], axis=1), y).items()
    }
    team: dict[tuple[int, int, int], float] = {}
    own = team_of >= 0
    for k, (sm, n) in _sums(np.stack([team_of[own], s[own], b[own]], axis=1), y[own]).items():
        prior = company.get((k[1], k[2]), stage_rate.get(k[1], base))
        team[(k[0], k[1], k[2])] = (sm + TEAM_PRIOR * prior) / (n + TEAM_PRIOR)
    out_rows = []
    ttc = rows.get("days_to_close")
    for si, name in enumerate(stages):
        for bi, label in enumerate(AGE_LABELS):
            sel = (s == si) & (b == bi)
            n = int(sel.sum())
            won_sel = sel & (y > 0)
            days = ttc.to_numpy(float)[won_sel] if ttc is not None else np.array([])
            days = days[~np.isnan(days)]
            out_rows.append(
                StageRow(
                    stage=name,
                    age=label,
                    n=n,
                    won=int(won_sel.sum()),
                    p_win=company.get((si, bi), stage_rate.get(si, base)),
                    days_to_close_p50=float(np.percentile(days, 50)) if len(days) >= 5 else None,
                    days_to_close_p90=float(np.percentile(days, 90)) if len(days) >= 5 else None,
                )
            )
    return StageTable(stages, company, stage_rate, team, tuple(out_rows), base)


@dataclass(frozen=True)
class PeriodTable:
    """Of the deals open at the same day of past months, by stage and days in stage: the share
    won before that month ended, relative to the share eventually won (the calendar — closes
    bunching at month end — is in it because the snapshots sit at the same day of the month)."""

    ratio: dict[tuple[int, int], float]
    stage_ratio: dict[int, float]
    overall: float

    def q(self, stage_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        b = age_bucket(days)
        return np.array(
            [
                self.ratio.get((int(s), int(a)), self.stage_ratio.get(int(s), self.overall))
                for s, a in zip(stage_idx, b, strict=True)
            ]
        )


def fit_period_table(rows: pd.DataFrame, table: StageTable) -> PeriodTable:
    """``rows``: stage_idx, days_in_stage, won_in_period (0/1) — snapshots at the same day of
    past months, whose months have ended."""
    if rows.empty:
        return PeriodTable({}, {}, 0.3)
    s = rows["stage_idx"].to_numpy(int)
    b = age_bucket(rows["days_in_stage"])
    y = rows["won_in_period"].to_numpy(float)
    p_win = table.p(s, rows["days_in_stage"].to_numpy(float))
    overall = float(min(1.0, y.sum() / max(float(p_win.sum()), 1e-9)))
    ys, ps = _sums(np.stack([s], axis=1), y), _sums(np.stack([s], axis=1), p_win)
    stage_ratio = {k[0]: min(1.0, ys[k][0] / max(ps[k][0], 1e-9)) for k in ys}
    yc, pc = _sums(np.stack([s, b], axis=1), y), _sums(np.stack([s, b], axis=1), p_win)
    ratio = {(k[0], k[1]): min(1.0, yc[k][0] / max(pc[k][0], 1e-9)) for k in yc if yc[k][1] >= MIN_CELL}
    return PeriodTable(ratio, stage_ratio, overall)


def _sums(keys: np.ndarray, values: np.ndarray) -> dict[tuple[int, ...], tuple[float, float]]:
    """Σ values and the row count per distinct key row."""
    if not len(keys):
        return {}
    uniq, inv = np.unique(keys.astype(np.int64), axis=0, return_inverse=True)
    inv = inv.ravel()
    sums = np.bincount(inv, weights=values.astype(float), minlength=len(uniq))
    counts = np.bincount(inv, minlength=len(uniq))
    return {
        tuple(int(v) for v in u): (float(sm), float(c)) for u, sm, c in zip(uniq, sums, counts, strict=True)
    }
