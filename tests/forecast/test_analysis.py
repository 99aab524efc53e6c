"""The pure forecast functions against independent computations (numpy, pandas, scipy,
sklearn), on small hand-made inputs: metrics, the stage table's shrinkage, the simulation's
quantiles and P(target), the report's MAPE and coverage, and what an instant may see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rashinban.analysis.forecast import report, scoring
from rashinban.analysis.forecast import simulate as sim
from rashinban.analysis.forecast.backtest import Outcome
from rashinban.analysis.forecast.data import DealFacts, deals_at
from rashinban.analysis.forecast.stages import TEAM_PRIOR, fit_stage_table


def test_probability_metrics_match_independent_formulas() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = (rng.random(500) < p * 0.8).astype(int)
    s = scoring.probability_score(p, y)
    assert s.brier == pytest.approx(np.mean((p - y) ** 2))
    assert s.log_loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-6)
    u = stats.mannwhitneyu(p[y == 1], p[y == 0]).statistic
    assert s.auc == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(abs(p[bins == b].mean() - y[bins == b].mean()) * (bins == b).sum() for b in range(10)) / len(p)
    assert s.ece == pytest.approx(ece)
    assert sum(b.n for b in s.bins) == 500


def test_mape_and_coverage() -> None:
    f, a = np.array([90.0, 120.0, 5.0]), np.array([100.0, 100.0, 0.0])
    assert scoring.mape(f, a) == pytest.approx((0.1 + 0.2) / 2)  # the zero actual is left out
    assert scoring.coverage(np.array([80, 130, 0]), np.array([110, 140, 1]), a) == pytest.approx(2 / 3)


def test_stage_table_rates_and_team_shrinkage() -> None:
    rng = np.random.default_rng(1)
    n = 4000
    rows = pd.DataFrame(
        {
            "stage_idx": rng.integers(0, 3, n),
            "days_in_stage": rng.integers(0, 90, n).astype(float),
            "won": (rng.random(n) < 0.3).astype(int),
            "team": rng.choice([-1, 7, 8], n),
        }
    )
    table = fit_stage_table(rows, ("a", "b", "c"))
    # the company cell rates, independently
    bucket = pd.cut(rows["days_in_stage"], [-np.inf, 7, 21, 60, np.inf], labels=False)
    g = rows.assign(b=bucket).groupby(["stage_idx", "b"])["won"].agg(["mean", "sum", "count"])
    for (s, b), r in g.iterrows():
        assert table.company[(int(s), int(b))] == pytest.approx(r["mean"])
    # a team's cell: (won + K · company) / (n + K)
    t = rows.assign(b=bucket).query("team == 7 and stage_idx == 1 and b == 2")
    expected = (t["won"].sum() + TEAM_PRIOR * table.company[(1, 2)]) / (len(t) + TEAM_PRIOR)
    assert table.team[(7, 1, 2)] == pytest.approx(expected)
    # a team with no rows gets the company's rate
    p = table.p(np.array([1]), np.array([30.0]), np.array([99]))
    assert p[0] == pytest.approx(table.company[(1, 2)])


def test_simulation_matches_the_binomial() -> None:
    """20 open deals, each won with p = 0.3, amount 1, 5 closed: the total is 5 + Binomial(20, 0.3)."""
    inp = sim.PeriodInputs(
        members=np.array([1, -1]),
        open_member=np.zeros(20, int),
        open_p=np.full(20, 0.3),
        open_amount=np.ones(20),
        closed_revenue=np.array([5.0, 0.0]),
        closed_won=np.array([5.0, 0.0]),
        new_rate=np.zeros(2),
        new_amounts=np.array([]),
    )
    d = sim.simulate(inp, draws=40_000, seed=4)
    s = sim.summarise(d.revenue[0], target=12.0)
    b = stats.binom(20, 0.3)
    assert s.mean == pytest.approx(5 + 6, abs=0.05)
    assert s.p50 == 5 + b.median()
    assert s.p10 == 5 + b.ppf(0.1) and s.p90 == 5 + b.ppf(0.9)
    assert s.p_achieve == pytest.approx(b.sf(12 - 5 - 1), abs=0.01)  # P(5 + X ≥ 12)
    assert (d.revenue[1] == 0).all()


def test_new_deals_are_poisson_at_the_members_rate() -> None:
    members = np.array([1, 2, -1])
    past = pd.DataFrame({"owner_id": [1] * 12 + [2] * 0, "amount": [100.0] * 12})
    rate, pool = sim.new_deal_rates(past, members, months=6)
    per_member = 12 / 2 / 6
    assert rate[0] == pytest.approx((12 + sim.NEW_PRIOR * per_member) / (6 + sim.NEW_PRIOR))
    assert rate[1] == pytest.approx((0 + sim.NEW_PRIOR * per_member) / (6 + sim.NEW_PRIOR))
    inp = sim.PeriodInputs(
        members, np.zeros(0, int), np.zeros(0), np.zeros(0), np.zeros(3), np.zeros(3), rate, pool
    )
    d = sim.simulate(inp, draws=20_000, seed=2)
    assert d.won[0].mean() == pytest.approx(rate[0], rel=0.05)
    assert d.revenue[0].mean() == pytest.approx(rate[0] * 100, rel=0.05)


def test_report_levels_against_pandas() -> None:
    rng = np.random.default_rng(3)
    n = 60
    rows = pd.DataFrame(
        {
            "day": np.repeat([5, 15], n // 2),
            "level": np.tile(["company", "team", "member"], n // 3),
            "actual": rng.integers(0, 100, n).astype(float),
            "p50": rng.integers(1, 100, n).astype(float),
            "run_rate": rng.integers(1, 100, n).astype(float),
            "last_period": rng.integers(1, 100, n).astype(float),
            "last_year": np.nan,
            "weighted": rng.integers(1, 100, n).astype(float),
        }
    )
    rows["p10"], rows["p90"] = rows["p50"] * 0.5, rows["p50"] * 1.5
    levels = report.levels(Outcome(rows, pd.DataFrame(), pd.DataFrame()))
    for lv in levels:
        x = rows[(rows["day"] == lv["day"]) & (rows["level"] == lv["level"])]
        pos = x[x["actual"] > 0]
        assert lv["mape"] == pytest.approx(((pos["p50"] - pos["actual"]).abs() / pos["actual"]).mean())
        base = {
            b: ((pos[b] - pos["actual"]).abs() / pos["actual"]).mean()
            for b in ("run_rate", "last_period", "weighted")
        }
        best = min(base, key=lambda k: base[k])
        assert lv["best_baseline"] == best and lv["baselines"]["last_year"] is None
        assert lv["relative"] == pytest.approx(lv["mape"] / base[best])
        inside = ((x["actual"] >= x["p10"]) & (x["actual"] <= x["p90"])).mean()
        assert lv["coverage"] == pytest.approx(inside)


def _facts() -> DealFacts:
    t = pd.Timestamp
    deals = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "owner_id": [10, 10, 11],
            "product": ["p", "p", "q"],
            "channel": ["web"] * 3,
            "industry": [""] * 3,
            "qualified": ["yes"] * 3,
            "list_price": [100.0] * 3,
            "created_at": [t("2026-01-05"), t("2026-01-10"), t("2026-02-20")],
            "closed_at": [t("2026-02-10"), pd.NaT, t("2026-03-01")],
            "is_won": [True, False, False],
            "amount": [120.0, 80.0, np.nan],
        }
    )
    history = pd.DataFrame(
        {
            "deal_id": [1, 2, 1, 2, 3, 2],
            "stage": ["a", "a", "b", "b", "a", "c"],
            "entered_at": [
                t("2026-01-05"),
                t("2026-01-10"),
                t("2026-01-20"),
                t("2026-02-01"),
                t("2026-02-20"),
                t("2026-03-05"),
            ],
            "amount": [np.nan, np.nan, 130.0, 90.0, np.nan, 95.0],
            "expected_close_on": [
                t("2026-01-31"),
                t("2026-01-31"),
                t("2026-02-28"),
                t("2026-02-28"),
                t("2026-03-31"),
                t("2026-03-31"),
            ],
        }
    )
    acts = pd.DataFrame(
        {
            "deal_id": [1, 2, 2, 2],
            "occurred_at": [t("2026-01-06"), t("2026-01-11"), t("2026-02-02"), t("2026-03-06")],
        }
    )
    return DealFacts(deals, history.sort_values("entered_at").reset_index(drop=True), acts, ("a", "b", "c"))


def test_an_instant_sees_only_what_was_known_then() -> None:
    f = _facts()
    snap = deals_at(f, pd.Timestamp("2026-02-05")).set_index("id")
    assert list(snap.index) == [1, 2]  # deal 3 not created yet; deal 1 still open
    assert snap.loc[1, "stage"] == "b" and snap.loc[2, "stage"] == "b"  # not c (entered in March)
    assert snap.loc[2, "amount"] == 90.0  # the quote then, not the later 95
    assert snap.loc[2, "acts_total"] == 2 and snap.loc[2, "pushes"] == 1
    assert snap.loc[2, "expected_close"] == pd.Timestamp("2026-02-28")
    # changing everything after the instant changes nothing it sees
    later = _facts()
    later.history.loc[later.history["entered_at"] > "2026-02-05", "stage"] = "a"
    later.deals.loc[later.deals["id"] == 2, ["closed_at", "is_won", "amount"]] = [
        pd.Timestamp("2026-02-06"),
        True,
        1e9,
    ]
    pd.testing.assert_frame_equal(
        deals_at(f, pd.Timestamp("2026-02-05")), deals_at(later, pd.Timestamp("2026-02-05"))
    )
