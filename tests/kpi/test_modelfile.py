"""Model files: every mistake is reported with the file, the line and the node."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rashinban.errors import ModelError
from rashinban.kpi.units import Unit
from tests.kpi.helpers import model

GOOD = """name: m
period: month
kgi: revenue
nodes:
  revenue: {name: 売上, unit: yen, formula: orders * price, target: "1,000万円"}
  orders: {name: 受注件数, unit: count}
  price: {name: 単価, unit: 円, assume: "¥100,000"}
"""


def test_numbers_in_the_forms_people_write() -> None:
    m = model(GOOD)
    assert m.nodes["revenue"].target == 10_000_000
    assert m.nodes["price"].assume == 100_000
    assert m.nodes["price"].unit is Unit.YEN
    m2 = model(GOOD.replace("1,000万円", "3億6,000万").replace("¥100,000", "１２万"))
    assert m2.nodes["revenue"].target == 360_000_000
    assert m2.nodes["price"].assume == 120_000
    rate = model(GOOD + "  r: {name: 率, unit: ratio, assume: 20%}\n")
    assert rate.nodes["r"].assume == Fraction(1, 5)


@pytest.mark.parametrize(
    ("edit", "code", "line", "node"),
    [
        (("orders * price", "orders * prise"), "model_unknown_ref", 5, "revenue"),
        (
            (
                "orders: {name: 受注件数, unit: count}",
                "orders: {name: 受注件数, unit: count, formula: revenue / price}",
            ),
            "model_cycle",
            5,
            "revenue",
        ),
        (("orders * price", "orders * (price"), "formula_syntax", 5, "revenue"),
        (('target: "1,000万円"', "target: たくさん"), "model_not_a_number", 5, "revenue"),
        (('assume: "¥100,000"', "assume: -5"), "model_negative", 7, "price"),
        (("unit: count}", "unit: count, formual: x}"), "model_unknown_key", 6, "orders"),
        (("unit: count}", "unit: pieces}"), "model_bad_choice", 6, "orders"),
        (("  orders:", "  受注:"), "model_bad_node_id", 6, "受注"),
        (("kgi: revenue", "kgi: revenu"), "model_unknown_kgi", 3, "revenu"),
        (("period: month", "period: monthly_ish"), "model_bad_choice", 2, None),
    ],
)
def test_errors_name_line_and_node(edit: tuple[str, str], code: str, line: int, node: str | None) -> None:
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(ModelError) as info:
        model(text, "plan.yaml")
    err = info.value
    assert (err.code, err.line, err.node, err.file) == (code, line, node, "plan.yaml")


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        ("1.5", "model_ratio_above_one"),
        ("0", "model_zero_rate"),
        ("-0.1", "model_negative"),
        ("120%", "model_ratio_above_one"),
    ],
)
def test_bad_rates(rate: str, code: str) -> None:
    with pytest.raises(ModelError) as info:
        model(GOOD + f"  r: {{name: 率, unit: ratio, assume: '{rate}'}}\n")
    assert (info.value.code, info.value.line, info.value.node) == (code, 8, "r")


def test_bad_yaml_and_duplicates() -> None:
    with pytest.raises(ModelError) as info:
        model("name: x\nnodes: [a\n")
    assert info.value.code == "model_bad_yaml"
    assert info.value.line is not None
    with pytest.raises(ModelError) as info:
        model(GOOD + "  orders: {name: again, unit: count}\n")
    assert (info.value.code, info.value.line) == ("model_duplicate_key", 8)
    with pytest.raises(ModelError) as info:
        model("")
    assert info.value.code == "model_empty"


def test_members_and_holidays() -> None:
    m = model(
        GOOD
        + "members:\n  - {name: 佐藤, weight: 2}\n  - 鈴木\nholidays: [2026-12-29..2027-01-03, 2026/8/14]\n"
    )
    assert [(x.name, x.weight) for x in m.members] == [("佐藤", 2), ("鈴木", 1)]
    assert len(m.holidays) == 7
    assert [x.name for x in model(GOOD + "members: 3\n").members] == ["rep01", "rep02", "rep03"]
    with pytest.raises(ModelError) as info:
        model(GOOD + "members:\n  - 佐藤\n  - 佐藤\n")
    assert info.value.code == "model_duplicate_member"
