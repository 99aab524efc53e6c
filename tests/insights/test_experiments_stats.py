"""A/B figures against independent scipy / statsmodels computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from rashinban.analysis.experiments import (
    COLLECTING,
    Design,
    MeanArm,
    RateArm,
    compare_means,
    compare_rates,
    prob_beta_greater,
    required_per_arm_rate,
)


def evan_miller(a_b: int, b_b: int, a_a: int, b_a: int) -> float:
    """Closed form of P(p_B > p_A) for integer Beta parameters (Evan Miller)."""
    total = 0.0
    lbeta = lambda x, y: math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)  # noqa: E731
    for i in range(a_b):
        total += math.exp(lbeta(a_a + i, b_a + b_b) - math.log(b_b + i) - lbeta(1 + i, b_b) - lbeta(a_a, b_a))
    return total


@pytest.mark.parametrize(
    ("na", "ka", "nb", "kb"), [(648, 36, 650, 58), (4000, 400, 4100, 452), (50, 3, 60, 9)]
)
def test_rates_match_statsmodels(na: int, ka: int, nb: int, kb: int) -> None:
    (c,) = compare_rates([RateArm("A", na, ka), RateArm("B", nb, kb)], Design())
    z, p = proportions_ztest([kb, ka], [nb, na])
    assert c.statistic == pytest.approx(z, rel=1e-9)
    assert c.p_value == pytest.approx(p, rel=1e-9)
    chi2 = stats.chi2_contingency([[kb, nb - kb], [ka, na - ka]], correction=False)
    assert c.p_value == pytest.approx(chi2.pvalue, rel=1e-9)
    lo, hi = confint_proportions_2indep(kb, nb, ka, na, method="wald", compare="diff")
    assert (c.ci_low, c.ci_high) == (pytest.approx(lo, rel=1e-9), pytest.approx(hi, rel=1e-9))
    assert c.prob_better == pytest.approx(evan_miller(1 + kb, 1 + nb - kb, 1 + ka, 1 + na - ka), abs=1e-6)
    need = samplesize_proportions_2indep_onetail(
        ka / na * 0.2, ka / na, 0.8, alpha=0.05, alternative="two-sided"
    )
    assert c.required_per_arm == math.ceil(need)
    assert c.remaining == max(0, math.ceil(need) - min(na, nb))


def test_monte_carlo_agrees_with_the_integral() -> None:
    rng = np.random.default_rng(1)
    b, a = rng.beta(60, 590, 400_000), rng.beta(40, 610, 400_000)
    assert prob_beta_greater(60, 590, 40, 610) == pytest.approx(float((b > a).mean()), abs=0.003)


def test_fixed_horizon_holds_a_lucky_early_result() -> None:
    """p < 0.05 with fewer units than planned: still collecting, not a verdict."""
    (c,) = compare_rates([RateArm("A", 300, 15), RateArm("B", 300, 30)], Design(mde=0.2))
    assert c.p_value is not None and c.p_value < 0.05
    assert c.verdict == COLLECTING and c.remaining and c.remaining > 0
    (done,) = compare_rates([RateArm("A", 20000, 1000), RateArm("B", 20000, 1300)], Design(mde=0.2))
    assert done.verdict == "better" and done.remaining == 0


def test_early_stopping_guard_keeps_the_false_positive_rate() -> None:
    """Peeking every 200 units under no effect: stopping at the first p < 0.05 errs far more
    often than the fixed horizon, which only judges at the planned size."""
    rng = np.random.default_rng(7)
    need = required_per_arm_rate(0.1, 0.12, 0.05, 0.8)
    assert need is not None
    peek_hits = horizon_hits = 0
    runs = 120
    for _ in range(runs):
        a = rng.random(need) < 0.1
        b = rng.random(need) < 0.1
        for n in range(400, need + 1, 400):
            _, p = proportions_ztest([int(b[:n].sum()), int(a[:n].sum())], [n, n])
            if p < 0.05:
                peek_hits += 1
                break
        (end,) = compare_rates(
            [RateArm("A", need, int(a.sum())), RateArm("B", need, int(b.sum()))],
            Design(mde=0.2, baseline=0.1),
        )
        horizon_hits += end.verdict in ("better", "worse")
    assert horizon_hits / runs <= 0.09
    assert peek_hits > 2 * horizon_hits


def test_means_match_scipy_welch() -> None:
    rng = np.random.default_rng(3)
    a = rng.lognormal(14, 0.5, 80)
    b = rng.lognormal(14.2, 0.5, 90)
    (c,) = compare_means([MeanArm("A", tuple(a)), MeanArm("B", tuple(b))], Design())
    res = stats.ttest_ind(b, a, equal_var=False)
    assert c.statistic == pytest.approx(res.statistic, rel=1e-9)
    assert c.p_value == pytest.approx(res.pvalue, rel=1e-9)
    ci = res.confidence_interval(0.95)
    assert (c.ci_low, c.ci_high) == (pytest.approx(ci.low, rel=1e-9), pytest.approx(ci.high, rel=1e-9))


def test_three_variants_split_alpha() -> None:
    comps = compare_rates([RateArm("A", 100, 10), RateArm("B", 100, 12), RateArm("C", 100, 14)], Design())
    assert [c.alpha for c in comps] == [0.025, 0.025]
