"""The planning page's input reading (issue #16 item 3): a KGI typed as people write it —
3億1,660万, 31,660万, 316,600,000, ¥316,600,000 — is read exactly; what does not read is
refused with a code that says what was expected (never a guess); the read-back says the value
in the page's unit; formulas come out as equations of the KPIs' names."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from rashinban.app.plan_input import formula_label, parse_value, parse_yen, readback
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.units import Unit

ROOT = Path(__file__).resolve().parents[2]
AMOUNT = Fraction(316_600_000)


@pytest.mark.parametrize(
    "text",
    [
        "3億1,660万",
        "3億1660万",
        "31,660万",
        "31660万",
        "316,600,000",
        "316600000",
        "¥316,600,000",
        "￥316,600,000",
        "3億1,660万円",
        "316,600,000円",
        "３億１，６６０万",  # full-width, as an IME types it
        " 3億1,660万 ",
        "3.166億",
    ],
)
def test_the_ways_people_write_316_6_million_yen(text: str) -> None:
    assert parse_yen(text) == (AMOUNT, None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1億", 100_000_000),
        ("2,480万", 24_800_000),
        ("¥0", 0),
        ("1兆", 10**12),
        ("5千", 5_000),
        ("12,345", 12_345),
    ],
)
def test_other_amounts(text: str, value: int) -> None:
    assert parse_yen(text) == (Fraction(value), None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "yen_expected"),
        ("abc", "yen_expected"),
        ("2,48O万", "yen_expected"),  # a letter O for a zero
        ("20%", "yen_expected"),  # a rate in an amount field
        ("1e9", "yen_expected"),
        ("万", "yen_expected"),
        ("¥", "yen_expected"),
        ("1億2億", "yen_expected"),
        ("5万3億", "yen_expected"),  # units out of order
        ("1,2,3", "yen_expected"),  # grouping that is not every three digits
        ("31,66万", "yen_expected"),
        ("3億 1,660万 円 x", "yen_expected"),
        ("316600000.5", "yen_fraction"),
        ("0.5", "yen_fraction"),
        ("-5万", "negative"),
        ("1000兆", "too_large"),
        ("1e20", "too_large"),  # a number, but more than any plan holds
        ("1" * 41, "yen_expected"),
    ],
)
def test_what_does_not_read_says_why(text: str, code: str) -> None:
    assert parse_yen(text) == (None, code)


def test_no_slow_path_on_long_digit_runs() -> None:
    """The pattern has no nested ambiguity: 40 digits and a stray letter answer at once."""
    import time

    start = time.perf_counter()
    for _ in range(200):
        assert parse_yen("1" * 39 + "x")[1] == "yen_expected"
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("17.8%", Unit.RATIO, (Fraction(178, 1000), None)),
        ("0.178", Unit.RATIO, (Fraction(178, 1000), None)),
        ("150%", Unit.RATIO, (None, "ratio_above_one")),
        ("高い", Unit.RATIO, (None, "ratio_expected")),
        ("1,680", Unit.COUNT, (Fraction(1680), None)),
        ("1,680件", Unit.COUNT, (Fraction(1680), None)),
        ("-3", Unit.COUNT, (None, "negative")),
        ("x", Unit.COUNT, (None, "not_number")),
        ("3億1,660万", Unit.YEN, (AMOUNT, None)),
    ],
)
def test_fields_in_their_units(text: str, unit: Unit, expected: tuple[Fraction | None, str | None]) -> None:
    assert parse_value(text, unit) == expected


def test_read_back_in_the_pages_language() -> None:
    assert readback(AMOUNT, Unit.YEN, "ja") == "3億1,660万円"
    assert readback(AMOUNT, Unit.YEN, "en") == "¥316,600,000 (¥316.6M)"
    assert readback(Fraction(24_800_000), "yen", "ja") == "2,480万円"
    assert readback(None, Unit.YEN, "ja") == ""


def test_formulas_as_equations_of_names() -> None:
    path = ROOT / "examples" / "demo" / "model.yaml"
    model = parse_model(path.read_text(encoding="utf-8"), str(path))
    texts = {nid: formula_label(model, nid, "ja") for nid in model.nodes}
    assert texts["revenue"] == "売上 = 受注件数 × 平均受注単価"
    for nid, node in model.nodes.items():  # every formula of the model, every name in it
        if node.expr is None:
            assert texts[nid] == ""
            continue
        assert "*" not in texts[nid] and "_" not in texts[nid], texts[nid]
        refs = [r for r in model.nodes if r in node.formula_text.replace("(", " ").replace(")", " ").split()]
        for ref in refs:
            assert model.nodes[ref].name in texts[nid]
    en = formula_label(model, "revenue", "en")
    names = [model.nodes[n].name_en for n in ("revenue", "won_deals", "avg_deal_size")]
    assert en == "{} = {} × {}".format(*names)
