"""The pure engine's part of issue 10: relative targets, a bare percentage on a volume, tiers,
business-day proration (Golden Week, holidays, 上期/下期), whole counts, the new findings."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import jpholiday
import pytest

from rashinban.errors import ModelError
from rashinban.kpi.calendar import BusinessCalendar, parse_period, spans_in
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.prorate import remaining_business_days, spread
from rashinban.kpi.relative import comparison_span, parse_relative, resolve
from rashinban.kpi.smart import plan_findings, smart_findings
from rashinban.kpi.solve import solve
from rashinban.kpi.tiers import solve_tiers, tier_model, tiers_of
from rashinban.kpi.units import Period

BASE = """name: m
period: month
plan_period: 2026-05
kgi: revenue
nodes:
  revenue:
    {name: 売上, unit: yen, formula: orders * price, target: 1000万, definition: 受注金額の合計, role: main}
  orders: {name: 受注件数, unit: count, formula: deals * win_rate, definition: 受注した商談の件数, role: main}
  price: {name: 単価, unit: yen, assume: 10万, definition: 売上 ÷ 受注件数}
  deals: {name: 商談数, unit: count, definition: 作成された商談の件数, measure: deals_created, role: main}
  win_rate: {name: 受注率, unit: ratio, assume: 0.2, definition: 受注件数 ÷ 商談数, measure: win_rate}
"""


def business_days(start: date, end: date) -> int:
    """Weekdays that are not Japanese public holidays (independent of the calendar module)."""
    n, d = 0, start
    while d <= end:
        n += d.weekday() < 5 and not jpholiday.is_holiday(d)
        d += timedelta(days=1)
    return n


# --- relative targets --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "basis", "factor"),
    [
        ("前年比120%", "yoy", Fraction(6, 5)),
        ("前年同月比 110%", "yoy", Fraction(11, 10)),
        ("前月比105％", "mom", Fraction(21, 20)),
        ("yoy 1.2", "yoy", Fraction(6, 5)),
        ("ＹＯＹ：１２０％", "yoy", Fraction(6, 5)),
    ],
)
def test_relative_targets_are_read(text: str, basis: str, factor: Fraction) -> None:
    assert parse_relative(text) == (basis, factor)


def test_relative_target_in_a_model_resolves_from_the_comparison_actual() -> None:
    model = parse_model(BASE.replace("target: 1000万", "target: 前年比120%, stretch: 前年比130%"), "m.yaml")
    rev = model.nodes["revenue"]
    assert rev.target is None and [(r.tier, r.basis, r.factor) for r in rev.relative] == [
        ("target", "yoy", Fraction(6, 5)),
        ("stretch", "yoy", Fraction(13, 10)),
    ]
    assert "kgi_no_target" not in {f.code for f in smart_findings(model)}
    resolved, findings = resolve(model, {("revenue", "yoy"): Fraction(8_000_000)}, "2026-05")
    assert findings == []
    assert resolved.nodes["revenue"].target == Fraction(9_600_000)
    assert resolved.nodes["revenue"].stretch == Fraction(10_400_000)
    plan = solve(resolved)
    assert plan.value("orders") == 96  # 960万 ÷ 10万
    # no actual a year earlier: no target, and a finding that says why (not a made-up number)
    empty, findings = resolve(model, {}, "2026-05")
    assert empty.nodes["revenue"].target is None
    assert [f.code for f in findings] == ["relative_no_basis", "relative_no_basis"]


def test_yoy_key_and_comparison_periods() -> None:
    model = parse_model(BASE.replace("target: 1000万", "yoy: 1.2"), "m.yaml")
    assert model.nodes["revenue"].relative[0].basis == "yoy"
    assert comparison_span(parse_period("2026-05"), "yoy").label == "2025-05"
    assert comparison_span(parse_period("2026-05"), "mom").label == "2026-04"
    assert comparison_span(parse_period("FY2026-H1"), "yoy").label == "FY2025-H1"
    assert comparison_span(parse_period("2026-04..2026-09"), "mom").label == "2025-10..2026-03"
    assert comparison_span(parse_period("2024-02-29"), "yoy").start == date(2023, 2, 28)


@pytest.mark.parametrize("unit", ["yen", "count"])
def test_a_bare_percentage_on_a_yen_or_count_node_is_an_error_naming_file_line_node(unit: str) -> None:
    text = (
        BASE.replace("target: 1000万", "target: 120%")
        if unit == "yen"
        else BASE.replace(
            "measure: deals_created, role: main}", "measure: deals_created, role: main, target: 110%}"
        )
    )
    with pytest.raises(ModelError) as e:
        parse_model(text, "plan.yaml")
    assert e.value.code == "model_percent_on_volume"
    assert e.value.file == "plan.yaml"
    assert e.value.node == ("revenue" if unit == "yen" else "deals")
    assert e.value.line == (7 if unit == "yen" else 10)


# --- tiers ---------------------------------------------------------------------------------
def test_stretch_and_floor_are_planned_like_the_target() -> None:
    text = BASE.replace("target: 1000万,", "target: 1000万, stretch: 1200万, floor: 800万,")
    model = parse_model(text, "m.yaml")
    assert tiers_of(model) == ["target", "stretch", "floor"]
    plans = solve_tiers(model)
    assert plans["target"].value("orders") == 100
    assert plans["stretch"].value("orders") == 120 and plans["stretch"].value("deals") == 600
    assert plans["floor"].value("deals") == 400
    # a stated target on the tiered node's path gives way in the other tiers
    stated = parse_model(
        text.replace(
            "measure: deals_created, role: main}", "measure: deals_created, role: main, target: 500}"
        ),
        "m",
    )
    assert tier_model(stated, "stretch").nodes["deals"].target is None
    assert solve_tiers(stated)["target"].value("deals") == 500


def test_tiers_out_of_order_are_refused() -> None:
    with pytest.raises(ModelError) as e:
        parse_model(BASE.replace("target: 1000万,", "target: 1000万, stretch: 900万,"), "m.yaml")
    assert e.value.code == "model_tier_order"


# --- business days ----------------------------------------------------------------------------
def test_a_golden_week_week_gets_its_share_of_business_days() -> None:
    cal = BusinessCalendar()
    monthly = Fraction(100)
    may = parse_period("2026-05")
    days_in_may = business_days(may.start, may.end)
    week = parse_period("2026-W19")  # 4–10 May 2026: 4, 5, 6 May are holidays
    in_may = business_days(week.start, week.end)
    assert in_may == 2  # Thursday 7 and Friday 8 May
    got = spread(monthly, Period.MONTH, week, cal)
    assert got == monthly * in_may / days_in_may
    full = parse_period("2026-W21")
    assert spread(monthly, Period.MONTH, full, cal) == monthly * 5 / days_in_may
    holiday = parse_period("2026-05-05")
    assert spread(monthly, Period.MONTH, holiday, cal) == 0  # こどもの日: no target
    # whole counts: every week of May is whole and the weeks add up to the month exactly
    parts = [spread(monthly, Period.MONTH, w, cal, whole=True) for w in spans_in(may, Period.WEEK)]
    clipped = [
        spread(
            monthly,
            Period.MONTH,
            type(may)(max(w.start, may.start), min(w.end, may.end), "range", ""),
            cal,
            whole=True,
        )
        for w in spans_in(may, Period.WEEK)
    ]
    assert all(p.denominator == 1 for p in clipped) and sum(clipped) == monthly
    assert all(p.denominator == 1 for p in parts)


def test_halves_quarters_and_remaining_days() -> None:
    h1, h2 = parse_period("FY2026-H1"), parse_period("2026年度下期")
    assert (h1.start, h1.end) == (date(2026, 4, 1), date(2026, 9, 30))
    assert (h2.start, h2.end, h2.label) == (date(2026, 10, 1), date(2027, 3, 31), "FY2026-H2")
    cal = BusinessCalendar()
    assert spread(Fraction(120), Period.FISCAL_YEAR, h1, cal) == Fraction(120) * business_days(
        h1.start, h1.end
    ) / business_days(date(2026, 4, 1), date(2027, 3, 31))
    assert spread(Fraction(10), Period.MONTH, h1, cal) == 60  # six whole months
    may = parse_period("2026-05")
    left = remaining_business_days(may, date(2026, 5, 20), cal)
    assert left == business_days(date(2026, 5, 20), date(2026, 5, 31))  # today counts


def test_remaining_business_days_count_today_when_it_is_one() -> None:
    """残り○営業日 counts today when today is a business day (its actuals are still arriving):
    on the month's last business day one day is left, on its weekend none, before the month
    all of them, after it none — every day of 2026 against a day-by-day count."""
    cal = BusinessCalendar()
    for month in range(1, 13):
        span = parse_period(f"2026-{month:02d}")
        d = span.start - timedelta(days=3)
        while d <= span.end + timedelta(days=3):
            expected = business_days(max(d, span.start), span.end)
            assert remaining_business_days(span, d, cal) == expected, d
            d += timedelta(days=1)
    may = parse_period("2026-05")
    last = max(d for d in (date(2026, 5, n) for n in range(1, 32)) if business_days(d, d))
    assert last == date(2026, 5, 29)  # a Friday
    assert remaining_business_days(may, last, cal) == 1
    assert remaining_business_days(may, date(2026, 5, 30), cal) == 0  # Saturday after it
    assert remaining_business_days(may, date(2026, 5, 6), cal) == business_days(
        date(2026, 5, 7), may.end
    )  # 振替休日


# --- whole counts and findings -----------------------------------------------------------------
def test_implied_counts_are_whole_and_say_they_were_rounded() -> None:
    text = """name: m
period: month
plan_period: 2026-05
kgi: appointments
nodes:
  appointments: {name: アポ, unit: count, formula: connected * rate, definition: アポイント件数}
  connected: {name: 接続数, unit: count, target: 5807, definition: 接続した架電の件数}
  rate: {name: アポ率, unit: ratio, assume: 0.229, definition: アポ ÷ 接続}
"""
    plan = solve(parse_model(text, "m"))
    pv = plan.values["appointments"]
    assert pv.value == 1330 and pv.rounded_from == Fraction(5807) * Fraction(229, 1000)


def test_too_few_main_kpis_and_a_main_kpi_without_target() -> None:
    text = BASE.replace(", role: main}", "}").replace(
        "measure: deals_created}", "measure: deals_created, role: main}"
    )
    model = parse_model(text, "m")
    codes = {f.code for f in smart_findings(model)}
    assert "too_few_main_kpis" in codes
    orphan = (
        BASE + "  nps: {name: NPS, unit: score, definition: 推奨者率 − 批判者率, role: main, measure: nps}\n"
    )
    plan = solve(parse_model(orphan, "m"))
    assert [(f.code, f.node) for f in plan_findings(plan)] == [("kpi_no_target", "nps")]
