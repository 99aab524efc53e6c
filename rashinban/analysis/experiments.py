"""A/B tests of sales tactics (seed 000: テレアポスクリプト, メール文面, LP/フォーム, 提案資料).

Each variant is compared with the control (the first variant):

* a rate KPI (アポ獲得率, 開封率, 返信率, 商談化率, 受注率, CVR): counts and rates, the
  difference with a Wald 95 % interval, a two-sided two-proportion z-test (pooled; the
  same p as Pearson's χ² without continuity correction), and the Bayesian probability that
  the variant beats the control under uniform Beta(1, 1) priors, P(p_B > p_A), integrated
  numerically;
* a mean KPI (平均受注単価): Welch's t-test and interval, and P(μ_B > μ_A) under the normal
  approximation of the two means.

Stopping early on a lucky p-value inflates false positives, so the test is **fixed
horizon**: the sample per variant is fixed when the experiment is defined (baseline rate,
minimum detectable effect, α, power) and no verdict is given before every variant has it —
until then the result says how many units are still needed.  With more than two variants
α is split between the comparisons (Bonferroni).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

COLLECTING, BETTER, WORSE, NO_DIFFERENCE, INSUFFICIENT = (
    "collecting",
    "better",
    "worse",
    "no_difference",
    "insufficient",
)


@dataclass(frozen=True)
class RateArm:
    variant: str
    n: int
    conversions: int

    @property
    def rate(self) -> float | None:
        return self.conversions / self.n if self.n else None


@dataclass(frozen=True)
class MeanArm:
    variant: str
    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None


@dataclass(frozen=True)
class Design:
    alpha: float = 0.05
    power: float = 0.8
    mde: float = 0.2  # minimum detectable effect, relative to the baseline (+20 %)
    baseline: float | None = None  # the control's expected rate / mean (None: observed)
    sd: float | None = None  # for a mean KPI: the expected standard deviation (None: observed)


@dataclass(frozen=True)
class Comparison:
    variant: str
    control: str
    estimate_control: float | None
    estimate_variant: float | None
    difference: float | None  # variant − control
    ci_low: float | None
    ci_high: float | None
    lift: float | None  # difference ÷ control
    statistic: float | None  # z (rates) or t (means)
    p_value: float | None
    prob_better: float | None  # P(variant > control)
    alpha: float  # after the split between comparisons
    required_per_arm: int | None
    remaining: int | None  # units still needed in the smaller of the two arms
    verdict: str


def required_per_arm_rate(p1: float, p2: float, alpha: float, power: float) -> int | None:
    """Units per arm for a two-sided two-proportion z-test to detect p1 → p2."""
    from scipy import stats

    if not (0 < p1 < 1 and 0 < p2 < 1) or p1 == p2:
        return None
    za, zb = float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))
    pbar = (p1 + p2) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num**2 / (p2 - p1) ** 2)


def required_per_arm_mean(sd: float, delta: float, alpha: float, power: float) -> int | None:
    from scipy import stats

    if sd <= 0 or delta == 0:
        return None
    za, zb = float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))
    return math.ceil(2 * ((za + zb) * sd / delta) ** 2)


def prob_beta_greater(a_b: float, b_b: float, a_a: float, b_a: float) -> float:
    """P(X_B > X_A) for independent Beta(a_b, b_b) and Beta(a_a, b_a): ∫ f_B(x) F_A(x) dx by
    Simpson's rule on a fine grid over where the two densities live (± 12 sd)."""
    from scipy import integrate, stats

    def spread(a: float, b: float) -> tuple[float, float]:
        m = a / (a + b)
        return m, math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))

    (mb, sb), (ma, sa) = spread(a_b, b_b), spread(a_a, b_a)
    lo = max(0.0, min(mb - 12 * sb, ma - 12 * sa))
    hi = min(1.0, max(mb + 12 * sb, ma + 12 * sa))
    x = np.linspace(lo, hi, 8001)
    y = stats.beta.pdf(x, a_b, b_b) * stats.beta.cdf(x, a_a, b_a)
    y = np.nan_to_num(y, nan=0.0, posinf=0.0)
    value = float(integrate.simpson(y, x=x))
    return min(1.0, max(0.0, value))


def _verdict(p: float | None, diff: float | None, alpha: float, remaining: int | None) -> str:
    if p is None or diff is None:
        return INSUFFICIENT
    if remaining is None or remaining > 0:
        return COLLECTING
    if p < alpha:
        return BETTER if diff > 0 else WORSE
    return NO_DIFFERENCE


def compare_rates(arms: Sequence[RateArm], design: Design) -> list[Comparison]:
    """Each variant against the first arm (the control)."""
    from scipy import stats

    if len(arms) < 2:
        return []
    control = arms[0]
    alpha = design.alpha / (len(arms) - 1)
    out = []
    for arm in arms[1:]:
        pa, pb = control.rate, arm.rate
        base = design.baseline if design.baseline is not None else pa
        need = None
        if base is not None:
            need = required_per_arm_rate(base, min(0.999, base * (1 + design.mde)), alpha, design.power)
        remaining = max(0, need - min(control.n, arm.n)) if need is not None else None
        if pa is None or pb is None:
            empty = (None,) * 7
            out.append(
                Comparison(arm.variant, control.variant, pa, pb, *empty, alpha, need, remaining, INSUFFICIENT)
            )
            continue
        diff = pb - pa
        se = math.sqrt(pa * (1 - pa) / control.n + pb * (1 - pb) / arm.n)
        z_ci = stats.norm.ppf(1 - alpha / 2)
        pooled = (control.conversions + arm.conversions) / (control.n + arm.n)
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / arm.n))
        z = diff / se0 if se0 > 0 else None
        p = float(2 * stats.norm.sf(abs(z))) if z is not None else None
        prob = prob_beta_greater(
            1 + arm.conversions,
            1 + arm.n - arm.conversions,
            1 + control.conversions,
            1 + control.n - control.conversions,
        )
        out.append(
            Comparison(
                arm.variant,
                control.variant,
                pa,
                pb,
                diff,
                diff - z_ci * se,
                diff + z_ci * se,
                diff / pa if pa else None,
                z,
                p,
                prob,
                alpha,
                need,
                remaining,
                _verdict(p, diff, alpha, remaining),
            )
        )
    return out


def compare_means(arms: Sequence[MeanArm], design: Design) -> list[Comparison]:
    """Welch's t-test of each variant's mean against the control's."""
    from scipy import stats

    if len(arms) < 2:
        return []
    control = arms[0]
    alpha = design.alpha / (len(arms) - 1)
    out = []
    for arm in arms[1:]:
        ma, mb = control.mean, arm.mean
        if control.n < 2 or arm.n < 2 or ma is None or mb is None:
            empty = (None,) * 7
            out.append(
                Comparison(arm.variant, control.variant, ma, mb, *empty, alpha, None, None, INSUFFICIENT)
            )
            continue
        va = stats.tvar(control.values)
        vb = stats.tvar(arm.values)
        se = math.sqrt(va / control.n + vb / arm.n)
        diff = mb - ma
        sd = design.sd if design.sd is not None else math.sqrt((va + vb) / 2)
        base = design.baseline if design.baseline is not None else ma
        need = required_per_arm_mean(sd, abs(base) * design.mde, alpha, design.power) if base else None
        remaining = max(0, need - min(control.n, arm.n)) if need is not None else None
        if se == 0:
            t, p, lo, hi, prob = None, None, diff, diff, (1.0 if diff > 0 else 0.0 if diff < 0 else 0.5)
        else:
            dof = (va / control.n + vb / arm.n) ** 2 / (
                (va / control.n) ** 2 / (control.n - 1) + (vb / arm.n) ** 2 / (arm.n - 1)
            )
            t = diff / se
            p = float(2 * stats.t.sf(abs(t), dof))
            half = float(stats.t.ppf(1 - alpha / 2, dof)) * se
            lo, hi = diff - half, diff + half
            prob = float(stats.norm.cdf(diff / se))
        out.append(
            Comparison(
                arm.variant,
                control.variant,
                ma,
                mb,
                diff,
                lo,
                hi,
                diff / ma if ma else None,
                t,
                p,
                prob,
                alpha,
                need,
                remaining,
                _verdict(p, diff, alpha, remaining),
            )
        )
    return out
