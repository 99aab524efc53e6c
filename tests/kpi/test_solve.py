"""Reverse calculation: the seeds' worked examples, what-if, consistency, and properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashinban.errors import ModelError
from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.solve import Source, solve
from rashinban.kpi.tree import forward
from tests.kpi.helpers import example, model

SEED_001_TEXT = """
name: seed 001
period: month
kgi: revenue
nodes:
  revenue:    {name: 売上, unit: yen, formula: orders * unit_price, target: 10000000}
  orders:     {name: 受注件数, unit: count, formula: prospects * close_rate}
  unit_price: {name: 顧客単価, unit: yen, assume: 100000}
  close_rate: {name: 成約率, unit: ratio, assume: 0.2}
  prospects:  {name: 見込み客数, unit: count}
members: 10
"""


@pytest.mark.parametrize("m", [model(SEED_001_TEXT), example("seed-001.yaml")], ids=["issue-text", "example"])
def test_seed_001_reverse_calculation(m: object) -> None:
    plan = solve(m)  # type: ignore[arg-type]
    # 1,000万円 ÷ 10万円 = 100件; ÷ 20% = 500名; ÷ 10名 = 50名/人
    assert plan.value("orders") == 100
    assert plan.value("prospects") == 500
    assert plan.values["orders"].source is Source.SOLVED
    assert plan.values["unit_price"].source is Source.ASSUMED
    assert plan.values["revenue"].source is Source.STATED
    assert plan.kgi_forward == 10_000_000
    assert plan.rounding_effect == 0
    per_member = {a.member: a.target for a in plan.allocations if a.node == "prospects"}
    assert len(per_member) == 10
    assert set(per_member.values()) == {50}
    assert {a.target for a in plan.allocations if a.node == "revenue"} == {1_000_000}
    assert {a.target for a in plan.allocations if a.node == "close_rate"} == {Fraction(1, 5)}
    assert not [f for f in plan.findings if f.severity == "error"]


def test_seed_004_reports_inconsistent_targets() -> None:
    plan = solve(example("seed-004.yaml"))
    found = [f for f in plan.findings if f.code == "inconsistent_targets"]
    assert len(found) == 1
    f = found[0]
    assert f.node == "revenue"
    # 50件/月 × 12 × 30% × 200万円 = 3.6億円 against 10億円
    assert f.params["implied"] == 360_000_000
    assert f.params["stated"] == 1_000_000_000
    assert f.params["gap"] == -640_000_000
    needed = {n["node"]: n["required"] for n in f.params["needed"]}
    assert needed["unit_price"] == Fraction(1_000_000_000, 180)
    assert needed["deals"] == Fraction(1_000_000_000, 2_000_000 * 12) / Fraction(3, 10)
    assert plan.value("orders") == 180  # implied by the stated KPIs below it


def test_what_if_set_on_an_assumed_leaf_recomputes_below_the_kgi() -> None:
    m = example("seed-001.yaml")
    plan = solve(m, {"close_rate": Fraction(1, 4)})
    assert plan.value("prospects") == 400
    assert plan.values["close_rate"].source is Source.ASSUMED
    assert plan.values["close_rate"].overridden
    assert plan.kgi_target == 10_000_000
    raised = solve(m, {"revenue": Fraction(12_000_000)})
    assert raised.value("prospects") == 600


def test_rounding_goes_up_and_reports_the_effect() -> None:
    plan = solve(example("seed-001.yaml"), {"unit_price": Fraction(120_000)})
    # 1,000万 ÷ 12万 = 83.33 → 84件 (up), 84 ÷ 0.2 = 420
    assert plan.value("orders") == 84
    assert plan.values["orders"].rounded_from == Fraction(250, 3)
    assert plan.value("prospects") == 420
    assert plan.kgi_forward == 420 * Fraction(1, 5) * 120_000
    assert plan.rounding_effect == 80_000


def test_monthly_kpi_under_an_annual_kgi_is_solved_per_month() -> None:
    m = model(
        """
name: annual
period: fiscal_year
kgi: revenue
nodes:
  revenue: {name: 売上, unit: yen, formula: orders * price, target: 12億}
  orders: {name: 受注, unit: count, formula: deals * win_rate}
  price: {name: 単価, unit: yen, assume: 200万}
  win_rate: {name: 受注率, unit: ratio, assume: 0.3}
  deals: {name: 商談数, unit: count, period: month}
"""
    )
    plan = solve(m)
    assert plan.value("orders") == 600  # per year
    # 600 ÷ 30% = 2,000 per year = 166.67 per month → 167 (rounded up in its own period)
    assert plan.value("deals") == 167
    assert plan.values["deals"].rounded_from == Fraction(2000, 12)


def test_sum_formula_and_two_unknowns() -> None:
    m = model(
        """
name: sums
kgi: total
nodes:
  total: {name: 合計, unit: count, formula: a + b * r, target: 100}
  a: {name: A, unit: count, assume: 40}
  b: {name: B, unit: count}
  r: {name: R, unit: ratio, assume: 0.5}
  lonely: {name: 孤立, unit: count, formula: x * y, target: 10}
  x: {name: X, unit: count}
  y: {name: Y, unit: count}
"""
    )
    plan = solve(m)
    assert plan.value("b") == 120
    codes = {f.code: f for f in plan.findings}
    assert codes["underdetermined"].node == "lonely"


def test_zero_divisor_is_an_error_with_location() -> None:
    m = model(
        """
name: div
kgi: cpa
nodes:
  cpa: {name: CPA, unit: yen, formula: spend / leads}
  spend: {name: 費用, unit: yen, assume: 100万}
  leads: {name: リード, unit: count, assume: 0}
"""
    )
    with pytest.raises(ModelError) as info:
        solve(m)
    assert info.value.code == "plan_div_zero"
    assert info.value.node == "cpa"
    assert info.value.line == 5


@pytest.mark.parametrize(
    ("sets", "code"),
    [({"close_rate": Fraction(2)}, "model_ratio_above_one"), ({"nope": Fraction(1)}, "set_unknown_node")],
)
def test_bad_what_if_values(sets: dict[str, Fraction], code: str) -> None:
    with pytest.raises(ModelError) as info:
        solve(example("seed-001.yaml"), sets)
    assert info.value.code == code


def test_elasticity_of_a_product_is_one_and_of_a_sum_its_share() -> None:
    plan = solve(example("seed-001.yaml"))
    assert {lv.node: lv.elasticity for lv in plan.levers} == {
        "prospects": 1,
        "close_rate": 1,
        "unit_price": 1,
    }
    m = model(
        """
name: sum
kgi: total
nodes:
  total: {name: 合計, unit: count, formula: a + b, target: 100}
  a: {name: A, unit: count, assume: 25}
  b: {name: B, unit: count}
"""
    )
    levers = {lv.node: lv.elasticity for lv in solve(m).levers}
    assert levers == {"a": Fraction(1, 4), "b": Fraction(3, 4)}


def test_weighted_allocation() -> None:
    m = model(
        """
name: weighted
kgi: revenue
nodes:
  revenue: {name: 売上, unit: yen, formula: orders * price, target: 1000万}
  orders: {name: 受注, unit: count}
  price: {name: 単価, unit: yen, assume: 10万}
members:
  - {name: 佐藤, weight: 2}
  - {name: 鈴木, weight: 1}
  - 高橋
"""
    )
    plan = solve(m, mode=AllocationMode.WEIGHTS)
    orders = {a.member: a.target for a in plan.allocations if a.node == "orders"}
    assert orders == {"佐藤": 50, "鈴木": 25, "高橋": 25}
    equal = {a.member: a.target for a in solve(m).allocations if a.node == "orders"}
    assert equal == {"佐藤": 34, "鈴木": 33, "高橋": 33}


# --- properties -----------------------------------------------------------------------

RATE = st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=1000)


@st.composite
def chain_models(draw: st.DrawFn) -> str:
    """売上 = n0 × 単価; n_i = n_{i+1} × r_i (+ c_i); the deepest volume is solved."""
    depth = draw(st.integers(1, 5))
    target = draw(st.integers(1, 10**10))
    price = draw(st.integers(1, 10**7))
    whole = draw(st.booleans())
    unit = "count" if whole else "number"
    lines = [
        "name: chain",
        "kgi: kgi",
        "nodes:",
        f"  kgi: {{name: KGI, unit: yen, formula: n0 * price, target: {target}}}",
        f"  price: {{name: 単価, unit: yen, assume: {price}}}",
    ]
    for i in range(depth):
        rate = draw(RATE)
        offset = draw(st.one_of(st.none(), st.integers(0, 50)))
        formula = f"n{i + 1} * r{i}" + (f" + c{i}" if offset is not None else "")
        lines.append(f"  n{i}: {{name: N{i}, unit: {unit}, formula: {formula}}}")
        lines.append(f"  r{i}: {{name: R{i}, unit: ratio, assume: '{float(rate)!r}'}}")
        if offset is not None:
            lines.append(f"  c{i}: {{name: C{i}, unit: {unit}, assume: {offset}}}")
    lines.append(f"  n{depth}: {{name: N{depth}, unit: {unit}}}")
    lines.append(f"members: {draw(st.integers(1, 13))}")
    return "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(chain_models())
def test_forward_on_the_solved_plan_gives_back_the_kgi(text: str) -> None:
    m = model(text)
    plan = solve(m)
    if any(f.code == "negative_solution" for f in plan.findings):
        return  # the offsets alone exceed the target: reported, nothing to reach
    leaves = {
        nid: pv.value for nid, pv in plan.values.items() if pv.value is not None and not m.nodes[nid].derived
    }
    kgi = forward(m, leaves, plan.additive)["kgi"]
    assert plan.kgi_target is not None
    if m.nodes["n0"].unit.value == "count":
        assert kgi >= plan.kgi_target  # rounded up so that the KGI is still reached
        for pv in plan.values.values():
            if pv.rounded_from is not None:
                assert pv.value is not None
                assert 0 < pv.value - pv.rounded_from < 1
    else:
        assert kgi == plan.kgi_target  # exact without rounding


@settings(max_examples=150, deadline=None)
@given(chain_models())
def test_allocations_sum_exactly_to_the_parent(text: str) -> None:
    plan = solve(model(text))
    for nid, pv in plan.values.items():
        parts = [a.target for a in plan.allocations if a.node == nid]
        if pv.value is None:
            assert not parts
        elif plan.additive[nid]:
            assert sum(parts) == pv.value
        else:
            assert set(parts) == {pv.value}
