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
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

DIMENSIONS = ("product", "industry", "channel", "size_band", "rep")
THRESHOLDS = (7, 14, 30, 60)  # days
SIZE_BANDS = (1_000_000, 5_000_000)  # yen: < 100万, < 500万, larger
SIZE_LABELS = ("small", "medium", "large")


@dataclass(frozen=True)
class DealFacts:
    """Closed deals (one row each): the outcome, the segments, when each stage was entered."""

    won: np.ndarray  # bool
    dims: Mapping[str, np.ndarray]  # dimension -> labels (str objects, "" unknown)
    entered: Mapping[str, np.ndarray]  # stage -> days since epoch (float, nan: never entered)
    stages: tuple[str, ...]  # the funnel order
    lost_stage: np.ndarray  # str: the stage a lost deal was lost at ("" for won)
    lost_reason: np.ndarray  # str ("" unknown)

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
    total_won = won_in + won_out
    total = n_in + n_out
    expected = [n_in * total_won / total, n_in * (total - total_won) / total]
    expected += [n_out * total_won / total, n_out * (total - total_won) / total]
    if min(expected) < 5:
        table = [[won_in, n_in - won_in], [won_out, n_out - won_out]]
        return float(stats.fisher_exact(table).pvalue), "fisher"
    pooled = total_won / total
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
    if se == 0:
        return 1.0, "z"
    z = (won_in / n_in - won_out / n_out) / se
    return float(2 * stats.norm.sf(abs(z))), "z"


def _test(mask: np.ndarray, won: np.ndarray, opts: Options, **kw: object) -> Test | None:
    n_in = int(mask.sum())
    n_out = len(mask) - n_in
    if n_in < opts.min_support or n_out < opts.min_support:
        return None
    won_in = int(won[mask].sum())
    won_out = int(won.sum()) - won_in
    p, method = two_proportion_p(won_in, n_in, won_out, n_out)
    return Test(n_in=n_in, won_in=won_in, n_out=n_out, won_out=won_out, p_value=p, method=method, **kw)  # type: ignore[arg-type]


def analyse(facts: DealFacts, opts: Options | None = None) -> SegmentReport:
    opts = opts or Options()
    won = facts.won.astype(bool)
    tests: list[Test] = []
    win_rates: dict[str, list[tuple[str, int, int]]] = {}
    for dim in DIMENSIONS:
        labels = facts.dims.get(dim)
        if labels is None:
            continue
        values, inverse = np.unique(labels.astype(str), return_inverse=True)
        counts = np.bincount(inverse, minlength=len(values))
        wins = np.bincount(inverse, weights=won, minlength=len(values)).astype(int)
        win_rates[dim] = [(str(v), int(c), int(w)) for v, c, w in zip(values, counts, wins, strict=True) if v]
        total_won = int(won.sum())
        for value, n_in, won_in in zip(values, counts.tolist(), wins.tolist(), strict=True):
            n_out = facts.n - n_in
            if not value or n_in < opts.min_support or n_out < opts.min_support:
                continue
            p, method = two_proportion_p(won_in, n_in, total_won - won_in, n_out)
            tests.append(Test("segment", dim, str(value), n_in, won_in, n_out, total_won - won_in, p, method))
    tests += _duration_tests(facts, won, opts)
    durations = _duration_table(facts)
    findings = _correct(tests, opts)
    return SegmentReport(opts, facts.n, len(tests), findings, win_rates, durations)


def _transitions(facts: DealFacts) -> list[tuple[str, str]]:
    present = [s for s in facts.stages if s in facts.entered]
    return list(itertools.pairwise(present))[:-1]  # not into the won stage itself


def _duration_tests(facts: DealFacts, won: np.ndarray, opts: Options) -> list[Test]:
    out: list[Test] = []
    products = facts.dims.get("product")
    groups: list[tuple[str, np.ndarray]] = [("", np.ones(facts.n, bool))]
    if products is not None:
        groups += [(str(p), products == p) for p in np.unique(products.astype(str)) if p]
    for a, b in _transitions(facts):
        days = facts.entered[b] - facts.entered[a]
        reached = ~np.isnan(days)
        for label, group in groups:
            sel = group & reached
            if sel.sum() < 2 * opts.min_support:
                continue
            d, w = days[sel], won[sel]
            for th in opts.thresholds:
                t = _test(
                    d > th,
                    w,
                    opts,
                    kind="duration",
                    dimension="product" if label else "all",
                    segment=label,
                    stage_from=a,
                    stage_to=b,
                    threshold_days=th,
                )
                if t is not None:
                    out.append(t)
    return out


def _duration_table(facts: DealFacts) -> dict[str, list[tuple[str, str, float | None, int]]]:
    out: dict[str, list[tuple[str, str, float | None, int]]] = {}
    transitions = _transitions(facts)
    for dim in DIMENSIONS:
        labels = facts.dims.get(dim)
        if labels is None:
            continue
        rows = []
        values, inverse = np.unique(labels.astype(str), return_inverse=True)
        for a, b in transitions:
            days = facts.entered[b] - facts.entered[a]
            ok = ~np.isnan(days)
            inv, d = inverse[ok], days[ok]
            order = np.lexsort((d, inv))
            inv, d = inv[order], d[order]
            bounds = np.searchsorted(inv, np.arange(len(values) + 1))
            for i, value in enumerate(values):
                if not value:
                    continue
                part = d[bounds[i] : bounds[i + 1]]
                rows.append(
                    (str(value), f"{a}→{b}", float(np.median(part)) if len(part) else None, len(part))
                )
        out[dim] = rows
    return out


def _correct(tests: list[Test], opts: Options) -> tuple[Test, ...]:
    if not tests:
        return ()
    q = stats.false_discovery_control([t.p_value for t in tests], method="bh")
    kept = []
    for t, qv in zip(tests, q, strict=True):
        if qv <= opts.fdr and abs(t.rate_in - t.rate_out) >= opts.min_diff:
            kept.append(_with_q(t, float(qv)))
    kept.sort(key=lambda t: (-abs(t.rate_in - t.rate_out), t.q_value))
    return tuple(kept)


def _with_q(t: Test, q: float) -> Test:
    from dataclasses import replace

    return replace(t, q_value=q)


def size_band(amounts: np.ndarray) -> np.ndarray:
    """small (< 100万円) / medium (< 500万円) / large; "" without an amount."""
    idx = np.digitize(np.nan_to_num(amounts, nan=-1.0), SIZE_BANDS)
    out: np.ndarray = np.array(SIZE_LABELS, dtype=object)[idx]
    out[np.isnan(amounts) | (amounts < 0)] = ""
    return out


# lost reasons -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParetoRow:
    group: str  # the stage (or product) the losses are grouped by
    reason: str
    count: int
    share: float  # of the group's losses
    cumulative: float


def pareto(group: np.ndarray, reason: np.ndarray) -> list[ParetoRow]:
    """Lost reasons by count within each group, with their cumulative share (a Pareto)."""
    out: list[ParetoRow] = []
    for g in sorted({str(x) for x in group}):
        sel = group == g
        reasons, counts = np.unique(
            np.where(reason[sel] == "", "-", reason[sel]).astype(str), return_counts=True
        )
        order = np.argsort(-counts, kind="stable")
        total = int(counts.sum())
        cum = 0
        for i in order:
            cum += int(counts[i])
            out.append(ParetoRow(g, str(reasons[i]), int(counts[i]), counts[i] / total, cum / total))
    return out
