"""Driver attribution: contributions add up exactly to the KGI change (Hypothesis over random
trees and values), the log split of a product, and the volume / mix / rate split by child."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from rashinban.analysis.attribution import ChildChange, Tree, attribute, mix_split
from rashinban.kpi.formula import parse

POS = st.fractions(min_value=Fraction(1, 50), max_value=Fraction(10_000), max_denominator=50)


@st.composite
def trees(draw: st.DrawFn) -> tuple[Tree, list[str]]:
    """A random tree: each derived node combines 2–3 children with + - * / (no division by a
    sum that may reach 0), leaves l0…"""
    counter = {"leaf": 0, "node": 0}

    def leaf() -> str:
        counter["leaf"] += 1
        return f"l{counter['leaf'] - 1}"

    exprs: dict[str, object] = {}

    def node(depth: int) -> str:
        if depth == 0 or (draw(st.booleans()) and depth < 3):
            return leaf()
        counter["node"] += 1
        name = f"n{counter['node']}"
        kids = [node(depth - 1) for _ in range(draw(st.integers(2, 3)))]
        ops = [draw(st.sampled_from(["+", "*", "*", "/"])) for _ in kids[1:]]
        text = kids[0]
        for op, kid in zip(ops, kids[1:], strict=True):
            text = f"({text}) {op} {kid}"
        exprs[name] = parse(text)
        return name

    root = node(2)
    if root.startswith("l"):
        exprs["n0"] = parse(f"{root} * {leaf()}")
        root = "n0"
    leaves = [f"l{i}" for i in range(counter["leaf"])]
    return Tree(root, exprs, tuple(leaves)), leaves  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_shapley_sums_exactly_to_the_change(data: st.DataObject) -> None:
    tree, leaves = data.draw(trees())
    before = {leaf: data.draw(POS) for leaf in leaves}
    after = {leaf: data.draw(POS) for leaf in leaves}
    res = attribute(tree, before, after)
    assert sum(r.contribution for r in res.rows) == tree.value(after) - tree.value(before)
    assert res.residual == 0
    # a leaf that did not move contributes nothing
    still = {**after, leaves[0]: before[leaves[0]]}
    assert attribute(tree, before, still).rows[0].contribution == 0


def test_sum_gives_each_addend_its_own_change() -> None:
    tree = Tree("s", {"s": parse("a + b + c")}, ("a", "b", "c"))
    res = attribute(
        tree,
        {"a": Fraction(1), "b": Fraction(5), "c": Fraction(2)},
        {"a": Fraction(4), "b": Fraction(3), "c": Fraction(2)},
    )
    assert [r.contribution for r in res.rows] == [3, -2, 0]


def test_shapley_of_a_product_of_two_is_the_textbook_split() -> None:
    """Y = p × q: ΔY = q̄Δp + p̄Δq with the means of before and after (independent formula)."""
    tree = Tree("y", {"y": parse("p * q")}, ("p", "q"))
    p0, p1, q0, q1 = Fraction(10), Fraction(13), Fraction(7), Fraction(5)
    res = attribute(tree, {"p": p0, "q": q0}, {"p": p1, "q": q1})
    assert res.rows[0].contribution == (q0 + q1) / 2 * (p1 - p0)
    assert res.rows[1].contribution == (p0 + p1) / 2 * (q1 - q0)


def test_log_split_of_a_product() -> None:
    tree = Tree(
        "rev",
        {"rev": parse("won * size"), "won": parse("deals * rate"), "deals": parse("leads * conv")},
        ("size", "rate", "leads", "conv"),
    )
    before = {
        "size": Fraction(900_000),
        "rate": Fraction(1, 5),
        "leads": Fraction(500),
        "conv": Fraction(3, 10),
    }
    after = {
        "size": Fraction(1_100_000),
        "rate": Fraction(3, 20),
        "leads": Fraction(560),
        "conv": Fraction(1, 3),
    }
    res = attribute(tree, before, after, "log")
    assert res.method == "log"
    y0, y1 = float(tree.value(before)), float(tree.value(after))
    w = (y1 - y0) / (math.log(y1) - math.log(y0))
    for r in res.rows:
        assert math.isclose(
            float(r.contribution), w * math.log(float(r.after) / float(r.before)), rel_tol=1e-12
        )
    assert abs(float(res.residual)) < 1e-6


def test_many_leaves_use_sampled_orders_and_still_add_up() -> None:
    names = [f"x{i}" for i in range(12)]
    tree = Tree("y", {"y": parse(" * ".join(names[:6]) + " + " + " * ".join(names[6:]))}, tuple(names))
    before = {n: Fraction(i + 2) for i, n in enumerate(names)}
    after = {n: Fraction(i + 3, 2) for i, n in enumerate(names)}
    res = attribute(tree, before, after)
    assert res.method == "shapley_sampled"
    assert res.residual == 0


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), POS, POS), min_size=1, max_size=6))
def test_volume_mix_rate_add_up_per_child(rows: list[tuple[int, int, Fraction, Fraction]]) -> None:
    children = [
        ChildChange(("member", i), Fraction(v0), Fraction(v1), Fraction(v0) * u0, Fraction(v1) * u1)
        for i, (v0, v1, u0, u1) in enumerate(rows)
    ]
    out = mix_split(children)
    for c, r in zip(children, out, strict=True):
        assert r.volume + r.mix + r.rate == c.kgi_after - c.kgi_before
    # the volume effects add up to the total volume change at the old average unit value
    v0 = sum(c.volume_before for c in children)
    v1 = sum(c.volume_after for c in children)
    if v0:
        avg0 = sum(c.kgi_before for c in children) / v0
        assert sum(r.volume for r in out) == (v1 - v0) * avg0


def test_tree_holding_cuts_where_the_formula_does_not_hold_on_actuals() -> None:
    """売上 = 受注件数 × 単価, 受注件数 = 商談数 × 受注率, 商談数 = リード × 商談化率: at a field
    team 商談数 (66, the deals it works) ≠ リード × 商談化率 (20, the deals it sourced), so 商談数
    becomes a leaf and リード・商談化率 drop out; where every formula holds nothing changes."""
    exprs = {
        "revenue": parse("won * avg"),
        "won": parse("deals * win_rate"),
        "deals": parse("leads * deal_rate"),
    }
    tree = Tree("revenue", exprs, ("avg", "win_rate", "leads", "deal_rate"))  # type: ignore[arg-type]
    F = Fraction
    field = {"revenue": F(21_463_000), "won": F(14), "avg": F(21_463_000, 14), "win_rate": F(14, 66)}
    cut = tree.holding({**field, "deals": F(66), "leads": F(32), "deal_rate": F(20, 32)})
    assert set(cut.leaves) == {"avg", "win_rate", "deals"} and set(cut.exprs) == {"revenue", "won"}
    assert cut.value({"avg": field["avg"], "win_rate": field["win_rate"], "deals": F(66)}) == field["revenue"]
    holds = {**field, "deals": F(66), "leads": F(132), "deal_rate": F(1, 2)}
    assert tree.holding(holds) is tree
    assert tree.holding({**field, "deals": F(66), "leads": None}) is tree  # a missing value: no cut
