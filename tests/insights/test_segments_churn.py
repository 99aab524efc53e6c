"""Segment findings recovered from synthetic deals with a planted effect, none beyond the stated
level without one; next actions; churn C-index, backtest without leakage."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest

from rashinban.analysis import churn as C
from rashinban.analysis.next_actions import StageActions, suggest
from rashinban.analysis.segments import DealFacts, Options, analyse, pareto

STAGES = ("リード獲得", "アポイント", "初回訪問", "提案・見積", "クロージング", "受注")
PRODUCTS = np.array(["X", "Y", "Z"], dtype=object)


def synthetic(seed: int, n: int = 1500, planted: bool = True) -> DealFacts:
    """Deals through the funnel; with ``planted``: product X deals that take > 30 days from
    初回訪問 to 提案・見積 win 15 % instead of 40 %."""
    rng = np.random.default_rng(seed)
    product = PRODUCTS[rng.integers(0, 3, n)]
    channel = np.array(["web", "seminar", "outbound"], dtype=object)[rng.integers(0, 3, n)]
    t0 = rng.uniform(19000, 19300, n)
    gaps = rng.exponential([3, 5, 25, 10, 8], size=(n, 5))
    entered = {STAGES[0]: t0}
    for k in range(1, 6):
        entered[STAGES[k]] = entered[STAGES[k - 1]] + gaps[:, k - 1]
    p = np.full(n, 0.4)
    if planted:
        slow = (product == "X") & (entered[STAGES[3]] - entered[STAGES[2]] > 30)
        p[slow] = 0.15
    won = rng.random(n) < p
    entered[STAGES[5]] = np.where(won, entered[STAGES[5]], np.nan)
    lost_stage = np.where(won, "", STAGES[4]).astype(object)
    reasons = np.array(["価格", "競合", "時期尚早"], dtype=object)[rng.integers(0, 3, n)]
    return DealFacts(
        won,
        {"product": product, "channel": channel},
        entered,
        STAGES,
        lost_stage,
        np.where(won, "", reasons).astype(object),
    )


def test_planted_effect_is_recovered_with_its_counts() -> None:
    facts = synthetic(1)
    report = analyse(facts, Options(min_support=30))
    hits = [
        f
        for f in report.findings
        if f.kind == "duration" and f.segment == "X" and (f.stage_from, f.stage_to) == (STAGES[2], STAGES[3])
    ]
    assert hits, report.findings
    f = next(h for h in hits if h.threshold_days == 30)
    # independent counts
    x = facts.dims["product"] == "X"
    days = facts.entered[STAGES[3]] - facts.entered[STAGES[2]]
    slow = x & (days > 30)
    assert (f.n_in, f.won_in) == (int(slow.sum()), int(facts.won[slow].sum()))
    assert (f.n_out, f.won_out) == (int((x & ~slow).sum()), int(facts.won[x & ~slow].sum()))
    assert f.rate_in < 0.25
    assert f.rate_out > 0.35


def test_no_effect_gives_findings_at_most_at_the_stated_rate() -> None:
    """Under no effect, BH at 5 % keeps the chance of any finding near 5 % (over 60 seeds)."""
    runs = 60
    with_any = sum(
        bool(analyse(synthetic(s, 600, planted=False), Options(min_diff=0.0)).findings) for s in range(runs)
    )
    assert with_any / runs <= 0.12


def test_pareto_is_sorted_with_cumulative_share() -> None:
    rows = pareto(
        np.array(["a"] * 6 + ["b"] * 2, dtype=object), np.array([*list("xxxyyz"), "x", "x"], dtype=object)
    )
    a = [r for r in rows if r.group == "a"]
    assert [(r.reason, r.count) for r in a] == [("x", 3), ("y", 2), ("z", 1)]
    assert a[-1].cumulative == pytest.approx(1.0) and a[0].share == pytest.approx(0.5)


def test_next_actions_suggest_what_preceded_wins() -> None:
    rng = np.random.default_rng(5)
    n = 800
    visited = rng.random(n) < 0.5
    won = rng.random(n) < np.where(visited, 0.5, 0.2)
    mailed = rng.random(n) < 0.5  # no effect
    found = suggest(
        StageActions("提案・見積", won, {"visit:訪問": visited, "email:フォローメール": mailed}), set()
    )
    assert [s.action for s in found] == ["visit:訪問"]
    s = found[0]
    assert (s.n_with, s.won_with) == (int(visited.sum()), int(won[visited].sum()))
    done = suggest(StageActions("提案・見積", won, {"visit:訪問": visited}), {"visit:訪問"})
    assert done[0].done


# churn ---------------------------------------------------------------------------------------
def brute_c(risk: np.ndarray, time: np.ndarray, event: np.ndarray) -> float:
    conc = pairs = 0.0
    for i, j in combinations(range(len(risk)), 2):
        for a, b in ((i, j), (j, i)):
            if event[a] and time[a] < time[b]:
                pairs += 1
                conc += 1.0 if risk[a] > risk[b] else 0.5 if risk[a] == risk[b] else 0.0
    return conc / pairs


def test_c_index_matches_brute_force() -> None:
    rng = np.random.default_rng(2)
    risk = np.round(rng.random(120), 1)
    time = rng.integers(1, 30, 120).astype(float)
    event = rng.random(120) < 0.6
    assert C.c_index(risk, time, event) == pytest.approx(brute_c(risk, time, event), abs=1e-12)


def customer_facts(seed: int, n: int = 3000) -> C.CustomerFacts:
    """Customers whose low NPS makes churn likely (the planted signal), yearly renewals."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(18000, 19800, n)
    nps = rng.integers(0, 11, n).astype(float)
    monthly = np.where(nps <= 6, 0.08, 0.01)  # detractors churn 8 % a month, the others 1 %
    life = rng.exponential(30.4 / monthly)
    churned = np.where(start + life < 20600, start + life, np.nan)
    s_day = start + 20
    return C.CustomerFacts(
        account=np.arange(n),
        start=start,
        end=np.full(n, np.nan),
        churned=churned,
        mrr=rng.uniform(1e4, 3e5, n),
        s_account=np.arange(n),
        s_day=s_day,
        s_nps=nps,
        s_csat=np.full(n, np.nan),
        s_complaint=np.zeros(n, bool),
        t_account=np.zeros(0, np.int64),
        t_day=np.zeros(0),
    )


def test_backtest_beats_tenure_only_and_uses_no_future() -> None:
    f = customer_facts(4)
    as_of = 20500.0
    bt = C.backtest(f, as_of, horizon=182)
    assert bt.train_cutoffs and all(c + 182 <= bt.test_cutoff for c in bt.train_cutoffs)
    assert bt.brier is not None and bt.brier_baseline is not None
    assert bt.brier < bt.brier_baseline
    assert bt.c_index is not None and bt.c_index > 0.6 > (bt.c_index_baseline or 0.5) - 0.05
    # leakage: answers and churn after the test cutoff change nothing the model saw at it
    later = replace(
        f,
        s_day=np.where(f.s_day > bt.test_cutoff, f.s_day, f.s_day),
        s_nps=np.where(f.s_day > bt.test_cutoff, 10 - f.s_nps, f.s_nps),
    )
    a = C.snapshot(f, bt.test_cutoff, 182)
    b = C.snapshot(later, bt.test_cutoff, 182)
    assert np.array_equal(a.x, b.x)
    moved = replace(f, churned=np.where(f.churned > bt.test_cutoff + 182, f.churned + 400, f.churned))
    assert np.array_equal(C.snapshot(moved, bt.test_cutoff, 182).event, a.event)
    train = [C.snapshot(f, c, 182) for c in bt.train_cutoffs]
    assert all(np.all(s.time <= 182) for s in train)
