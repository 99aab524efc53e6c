"""Periods and business days, checked against a naive day-by-day count with jpholiday."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import jpholiday
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rashinban.errors import PeriodError
from rashinban.kpi.calendar import BusinessCalendar, parse_holidays, parse_period, span_of, spans_in
from rashinban.kpi.units import Period


def naive_business_days(start: date, end: date, company: set[date] = frozenset()) -> int:  # type: ignore[assignment]
    n, d = 0, start
    while d <= end:
        if d.weekday() < 5 and not jpholiday.is_holiday(d) and d not in company:
            n += 1
        d += timedelta(days=1)
    return n


@pytest.mark.parametrize(
    ("name", "start", "end", "kind"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "month"),
        ("2026/2", date(2026, 2, 1), date(2026, 2, 28), "month"),
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22), "week"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "week"),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "quarter"),
        ("FY2026", date(2026, 4, 1), date(2027, 3, 31), "fiscal_year"),
        ("FY2026-Q4", date(2027, 1, 1), date(2027, 3, 31), "fiscal_quarter"),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), "year"),
        ("2026-11-23", date(2026, 11, 23), date(2026, 11, 23), "day"),
        ("2026-04..2026-09", date(2026, 4, 1), date(2026, 9, 30), "range"),
    ],
)
def test_period_names(name: str, start: date, end: date, kind: str) -> None:
    span = parse_period(name)
    assert (span.start, span.end, span.kind) == (start, end, kind)


def test_fiscal_year_start_month() -> None:
    assert parse_period("FY2026", fiscal_year_start=1).end == date(2026, 12, 31)
    assert parse_period("FY2026", fiscal_year_start=10).start == date(2026, 10, 1)
    assert span_of(date(2027, 2, 10), Period.FISCAL_YEAR).label == "FY2026"
    assert span_of(date(2026, 5, 10), Period.QUARTER).label == "FY2026-Q1"
    assert [s.label for s in spans_in(parse_period("FY2026"), Period.QUARTER)] == [
        "FY2026-Q1",
        "FY2026-Q2",
        "FY2026-Q3",
        "FY2026-Q4",
    ]
    assert len(spans_in(parse_period("FY2026"), Period.MONTH)) == 12


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-W60", "FY26", "next month", "2026-02-30", "2026-09..2026-04", ""]
)
def test_bad_period_names(bad: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_november_2026_business_days() -> None:
    cal = BusinessCalendar()
    span = parse_period("2026-11")
    # 3 Nov (文化の日, Tue) and 23 Nov (勤労感謝の日, Mon) are public holidays.
    assert cal.business_days(span.start, span.end) == naive_business_days(span.start, span.end) == 19
    assert not cal.is_business_day(date(2026, 11, 23))


def test_company_holidays_and_ranges() -> None:
    days = parse_holidays(["2026-12-29..2027-01-03", "2026-08-14"])
    assert len(days) == 7
    cal = BusinessCalendar(days)
    span = parse_period("2026-12")
    assert cal.business_days(span.start, span.end) == naive_business_days(span.start, span.end, set(days))


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 800))
def test_business_days_match_naive_count(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    company = {start + timedelta(days=3), start + timedelta(days=10)}
    assert BusinessCalendar(company).business_days(start, end) == naive_business_days(start, end, company)


def test_prorate_by_business_days() -> None:
    cal = BusinessCalendar()
    span = parse_period("2026-11")
    as_of = date(2026, 11, 20)
    elapsed = naive_business_days(span.start, as_of)
    assert cal.prorate(Fraction(10_000_000), span, as_of) == Fraction(10_000_000) * elapsed / 19
    assert cal.prorate(Fraction(100), span, date(2026, 10, 31)) == 0
    assert cal.prorate(Fraction(100), span, date(2026, 12, 1)) == 100
