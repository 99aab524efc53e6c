"""Segment insights: where deals win or lose more than the rest — beyond chance.

Over closed deals (won or lost), each segment (a product, an industry, a channel, a deal
size band, a rep) is compared with the rest of the deals on the win rate; and for every
product (and all deals) each stage-to-stage duration is split at a few thresholds (deals
that took longer than T days against the others that reached the same stage).

Statistics, stated: a two-sided two-proportion z-test (pooled; Fisher's exact test when an
expected cell count is below 5); a segment is tested only with at least ``min_support``
deals on each side; the p-values of all tests of one run are corrected for many
comparisons by Benjamini–Hochberg at ``fdr`` (default 5 %); a finding also needs an
absolute difference of at least ``min_diff`` (default 5 points) to be worth a sentence.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rashinban.analysis.coded import Coded, coded, factorize

DIMENSIONS = ("product", "industry", "channel", "size_band", "rep")
THRESHOLDS = (7, 14, 30, 60)  # days
SIZE_BANDS = (1_000_000, 5_000_000)  # yen: < 100万, < 500万, larger
SIZE_LABELS = ("small", "medium", "large")


@dataclass(frozen=True)
class DealFacts:
    """Closed deals (one row each): the outcome, the segments, when each stage was entered."""

    won: np.ndarray  # bool
    dims: Mapping[str, np.ndarray | Coded]  # dimension -> labels (str objects or coded, "" unknown)
    entered: Mapping[str, np.ndarray]  # stage -> days since epoch (float, nan: never entered)
    stages: tuple[str, ...]  # the funnel order
    lost_stage: np.ndarray | Coded  # the stage a lost deal was lost at ("" for won)
    lost_reason: np.ndarray | Coded  # "" unknown

    @property
    def n(self) -> int:
        return len(self.won)


@dataclass(frozen=True)
class Options:
    min_support: int = 30
    fdr: float = 0.05
    min_diff: float = 0.05
    thresholds: tuple[int, ...] = THRESHOLDS


@dataclass(frozen=True)
class Test:
    kind: str  # segment | duration
    dimension: str  # product, industry, … (for a duration test: the product's or "all")
    segment: str  # the segment's label ("" for all deals)
    n_in: int
    won_in: int
    n_out: int
    won_out: int
    p_value: float
    method: str  # z | fisher
    stage_from: str | None = None
    stage_to: str | None = None
    threshold_days: int | None = None
    q_value: float = 1.0

    @property
    def rate_in(self) -> float:
        return self.won_in / self.n_in

    @property
    def rate_out(self) -> float:
        return self.won_out / self.n_out


@dataclass(frozen=True)
class SegmentReport:
    options: Options
    deals: int
    tests: int
    findings: tuple[Test, ...]  # significant after the correction, by effect size
    win_rates: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # dim -> (label, n, won)
    durations: dict[str, list[tuple[str, str, float | None, int]]] = field(default_factory=dict)
    # dim -> (label, transition "A→B", median days, n)


def two_proportion_p(won_in: int, n_in: int, won_out: int, n_out: int) -> tuple[float, str]:
    """Two-sided p of equal rates: z-test, or Fisher's exact test for small expected counts."""
    p, fisher = two_proportion_many(
        np.array([won_in]), np.array([n_in]), np.array([won_out]), np.array([n_out])
    )
    return float(p[0]), "fisher" if fisher[0] else "z"


def two_proportion_many(
    won_in: np.ndarray, n_in: np.ndarray, won_out: np.ndarray, n_out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`two_proportion_p` of many comparisons at once: (p-values, used Fisher)."""
    from scipy import stats

    won_in, n_in, won_out, n_out = (np.asarray(a, dtype=np.int64) for a in (won_in, n_in, won_out, n_out))
    total_won = won_in + won_out
    total = n_in + n_out
    lost = total - total_won
    expected = np.minimum(
        np.minimum(n_in * total_won / total, n_in * lost / total),
        np.minimum(n_out * total_won / total, n_out * lost / total),
    )
    fisher = expected < 5
    pooled = total_won / total
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (won_in / n_in - won_out / n_out) / se
    p = np.where(se == 0, 1.0, 2 * stats.norm.sf(np.abs(z)))
    for i in np.nonzero(fisher)[0].tolist():
        table = [[int(won_in[i]), int(n_in[i] - won_in[i])], [int(won_out[i]), int(n_out[i] - won_out[i])]]
        p[i] = float(stats.fisher_exact(table).pvalue)
    return p.astype(float), fisher


def _tests(kind: str, rows: list[dict[str, Any]], counts: np.ndarray) -> list[Test]:
    """Tests from rows of (n_in, won_in, n_out, won_out) counts and their descriptions."""
    if not rows:
        return []
    p, fisher = two_proportion_many(counts[:, 1], counts[:, 0], counts[:, 3], counts[:, 2])
    return [
        Test(
            kind=kind,
            n_in=c[0],
            won_in=c[1],
            n_out=c[2],
            won_out=c[3],
            p_value=pv,
            method="fisher" if fi else "z",
            **row,
        )
        for row, c, pv, fi in zip(rows, counts.tolist(), p.tolist(), fisher.tolist(), strict=True)
    ]


def analyse(facts: DealFacts, opts: Options | None = None) -> SegmentReport:
    opts = opts or Options()
    won = facts.won.astype(bool)
    n = facts.n
    total_won = int(won.sum())
    coded_dims = {dim: factorize(x) for dim in DIMENSIONS if (x := facts.dims.get(dim)) is not None}
    tests: list[Test] = []
    win_rates: dict[str, list[tuple[str, int, int]]] = {}
    for dim, (values, inverse) in coded_dims.items():
        counts = np.bincount(inverse, minlength=len(values))
        wins = np.bincount(inverse, weights=won, minlength=len(values)).astype(np.int64)
        win_rates[dim] = [(v, int(c), int(w)) for v, c, w in zip(values, counts, wins, strict=True) if v]
        ok = [
            i
            for i, v in enumerate(values)
            if v and counts[i] >= opts.min_support and n - counts[i] >= opts.min_support
        ]
        rows: list[dict[str, Any]] = [{"dimension": dim, "segment": values[i]} for i in ok]
        c = np.column_stack([counts[ok], wins[ok], n - counts[ok], total_won - wins[ok]])
        tests += _tests("segment", rows, c.reshape(-1, 4))
    tests += _duration_tests(facts, won, opts, coded_dims.get("product"))
    durations = _duration_table(facts, coded_dims)
    findings = _correct(tests, opts)
    return SegmentReport(opts, n, len(tests), findings, win_rates, durations)


def _transitions(facts: DealFacts) -> list[tuple[str, str]]:
    present = [s for s in facts.stages if s in facts.entered]
    return list(itertools.pairwise(present))[:-1]  # not into the won stage itself


def _duration_tests(
    facts: DealFacts, won: np.ndarray, opts: Options, products: tuple[list[str], np.ndarray] | None
) -> list[Test]:
    """For all deals and each product, per transition and threshold: the deals slower than the
    threshold against the others that made the transition (counts by one bincount each)."""
    values, inverse = products if products is not None else ([], np.zeros(facts.n, np.int64))
    named = [i for i, v in enumerate(values) if v]
    rows: list[dict[str, Any]] = []
    counts: list[list[int]] = []
    for a, b in _transitions(facts):
        days = facts.entered[b] - facts.entered[a]
        reached = ~np.isnan(days)
        d, w, g = days[reached], won[reached], inverse[reached]
        size = np.bincount(g, minlength=len(values))
        wins = np.bincount(g, weights=w, minlength=len(values))
        by_th = []
        for th in opts.thresholds:
            slow = d > th
            by_th.append(
                (
                    int(slow.sum()),
                    int((slow & w).sum()),
                    np.bincount(g, weights=slow, minlength=len(values)),
                    np.bincount(g, weights=slow & w, minlength=len(values)),
                )
            )
        groups = [("", len(d), int(w.sum()), None)] + [
            (values[i], int(size[i]), int(wins[i]), i) for i in named
        ]
        for label, total, total_w, i in groups:
            if total < 2 * opts.min_support:
                continue
            for th, (n_all, w_all, n_by, w_by) in zip(opts.thresholds, by_th, strict=True):
                n_in = n_all if i is None else int(n_by[i])
                won_in = w_all if i is None else int(w_by[i])
                if n_in < opts.min_support or total - n_in < opts.min_support:
                    continue
                rows.append(
                    {
                        "dimension": "product" if label else "all",
                        "segment": label,
                        "stage_from": a,
                        "stage_to": b,
                        "threshold_days": th,
                    }
                )
                counts.append([n_in, won_in, total - n_in, total_w - won_in])
    return _tests("duration", rows, np.array(counts, dtype=np.int64).reshape(-1, 4))


def _duration_table(
    facts: DealFacts, coded_dims: Mapping[str, tuple[list[str], np.ndarray]]
) -> dict[str, list[tuple[str, str, float | None, int]]]:
    """Median days per transition and segment: the days sorted once per transition, then
    grouped per dimension by a stable sort of the codes (a median is the middle of a group)."""
    out: dict[str, list[tuple[str, str, float | None, int]]] = {dim: [] for dim in coded_dims}
    for a, b in _transitions(facts):
        days = facts.entered[b] - facts.entered[a]
        ok = ~np.isnan(days)
        by_day = np.argsort(days[ok])
        d = days[ok][by_day]
        for dim, (values, inverse) in coded_dims.items():
            inv = inverse[ok][by_day]
            small = inv.astype(np.int16) if len(values) < 2**15 else inv
            d_grouped = d[np.argsort(small, kind="stable")]
            size = np.bincount(inv, minlength=len(values))
            lo = np.cumsum(size) - size
            has = size > 0
            mid = np.zeros(len(values))
            if has.any():
                upper = d_grouped[(lo + size // 2)[has]]
                lower = d_grouped[(lo + (size - 1) // 2)[has]]
                mid[has] = np.where(size[has] % 2 == 1, upper, (lower + upper) / 2)
            out[dim] += [
                (value, f"{a}→{b}", float(mid[i]) if size[i] else None, int(size[i]))
                for i, value in enumerate(values)
                if value
            ]
    return out


def _correct(tests: list[Test], opts: Options) -> tuple[Test, ...]:
    from scipy import stats

    if not tests:
        return ()
    q = stats.false_discovery_control([t.p_value for t in tests], method="bh")
    kept = []
    for t, qv in zip(tests, q, strict=True):
        if qv <= opts.fdr and abs(t.rate_in - t.rate_out) >= opts.min_diff:
            kept.append(replace(t, q_value=float(qv)))
    kept.sort(key=lambda t: (-abs(t.rate_in - t.rate_out), t.q_value))
    return tuple(kept)


def size_band(amounts: np.ndarray) -> Coded:
    """small (< 100万円) / medium (< 500万円) / large; "" without an amount."""
    idx = np.digitize(np.nan_to_num(amounts, nan=-1.0), SIZE_BANDS)
    idx[np.isnan(amounts) | (amounts < 0)] = len(SIZE_LABELS)
    return Coded.of([*SIZE_LABELS, ""], idx)


# lost reasons -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParetoRow:
    group: str  # the stage (or product) the losses are grouped by
    reason: str
    count: int
    share: float  # of the group's losses
    cumulative: float


def pareto(group: np.ndarray | Coded, reason: np.ndarray | Coded) -> list[ParetoRow]:
    """Lost reasons by count within each group, with their cumulative share (a Pareto)."""
    groups, gi = factorize(group)
    reasons, ri = factorize(coded(reason).relabel({"": "-"}))
    if not len(gi):
        return []
    counts = np.bincount(gi * len(reasons) + ri, minlength=len(groups) * len(reasons))
    out: list[ParetoRow] = []
    for g, row in zip(groups, counts.reshape(len(groups), len(reasons)), strict=True):
        order = np.argsort(-row, kind="stable")
        total = int(row.sum())
        cum = 0
        for i in order.tolist():
            c = int(row[i])
            if c == 0:
                break
            cum += c
            out.append(ParetoRow(g, reasons[i], c, c / total, cum / total))
    return out
