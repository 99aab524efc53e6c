"""Periods and business days: Japanese public holidays, company holidays, fiscal years.

Period names:

=============  =============================================================
``2026-11-23``  a day
``2026-W47``    an ISO week (Monday to Sunday)
``2026-11``     a month (also ``2026/11``)
``2026-Q3``     a calendar quarter (July–September 2026)
``FY2026-Q1``   a fiscal quarter (with an April start: April–June 2026)
``FY2026-H1``   a fiscal half: 上期 (H1, April–September with the default start) or 下期 (H2)
``FY2026``      a fiscal year, named by the calendar year it starts in (2026年度:
                April 2026 – March 2027 with the default April start)
``2026``        a calendar year
``A..B``        from the start of period A to the end of period B
=============  =============================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache

import jpholiday

from rashinban.kpi.errors import LimitError, PeriodError
from rashinban.kpi.limits import MAX_RANGE_YEARS, YEAR_MAX, YEAR_MIN
from rashinban.kpi.units import Period


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A named stretch of days, both ends included."""

    start: date
    end: date
    kind: str  # day | week | month | quarter | fiscal_quarter | fiscal_year | year | range
    label: str

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def month_span(year: int, month: int) -> Span:
    return Span(date(year, month, 1), _month_end(year, month), "month", f"{year:04d}-{month:02d}")


def week_span(year: int, week: int) -> Span:
    start = date.fromisocalendar(year, week, 1)
    return Span(start, start + timedelta(days=6), "week", f"{year:04d}-W{week:02d}")


def quarter_span(year: int, q: int) -> Span:
    start_m = 3 * (q - 1) + 1
    return Span(date(year, start_m, 1), _month_end(year, start_m + 2), "quarter", f"{year:04d}-Q{q}")


def fiscal_year_span(fy: int, start_month: int = 4) -> Span:
    ey, em = _add_months(fy, start_month, 11)
    return Span(date(fy, start_month, 1), _month_end(ey, em), "fiscal_year", f"FY{fy}")


def fiscal_quarter_span(fy: int, q: int, start_month: int = 4) -> Span:
    sy, sm = _add_months(fy, start_month, 3 * (q - 1))
    ey, em = _add_months(sy, sm, 2)
    return Span(date(sy, sm, 1), _month_end(ey, em), "fiscal_quarter", f"FY{fy}-Q{q}")


def fiscal_half_span(fy: int, h: int, start_month: int = 4) -> Span:
    sy, sm = _add_months(fy, start_month, 6 * (h - 1))
    ey, em = _add_months(sy, sm, 5)
    return Span(date(sy, sm, 1), _month_end(ey, em), "fiscal_half", f"FY{fy}-H{h}")


def fiscal_year_of(d: date, start_month: int = 4) -> int:
    return d.year if d.month >= start_month else d.year - 1


_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$"), "day"),
    (re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I), "week"),
    (re.compile(r"^(\d{4})[-/](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^FY(\d{4})-?Q([1-4])$", re.I), "fiscal_quarter"),
    (re.compile(r"^FY(\d{4})-?H([12])$", re.I), "fiscal_half"),
    (re.compile(r"^(\d{4})年度(上|下)期$"), "fiscal_half_ja"),
    (re.compile(r"^FY(\d{4})$", re.I), "fiscal_year"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def parse_period(text: str, fiscal_year_start: int = 4) -> Span:
    """Parse a period name (see the module doc) into a :class:`Span`: years 1900–2199, a range
    of at most 20 years (``kpi/limits.py``)."""
    raw = text.strip()[:100]
    if ".." in raw:
        a, _, b = raw.partition("..")
        first, last = parse_period(a, fiscal_year_start), parse_period(b, fiscal_year_start)
        if last.end < first.start:
            raise PeriodError("period_range_reversed", value=text)
        months = (last.end.year - first.start.year) * 12 + last.end.month - first.start.month + 1
        if months > MAX_RANGE_YEARS * 12:
            raise LimitError("period_too_long", value=text, years=MAX_RANGE_YEARS)
        return Span(first.start, last.end, "range", f"{first.label}..{last.label}")
    span = _parse_one(raw, text, fiscal_year_start)
    if span.start.year < YEAR_MIN or span.end.year > YEAR_MAX:
        raise LimitError("period_out_of_range", value=text, first=YEAR_MIN, last=YEAR_MAX)
    return span


def _parse_one(raw: str, text: str, fiscal_year_start: int) -> Span:
    for pattern, kind in _PATTERNS:
        m = pattern.match(raw)
        if not m:
            continue
        if kind == "fiscal_half_ja":
            return fiscal_half_span(int(m.group(1)), 1 if m.group(2) == "上" else 2, fiscal_year_start)
        nums = [int(g) for g in m.groups()]
        try:
            if kind == "day":
                d = date(*nums)
                return Span(d, d, "day", d.isoformat())
            if kind == "week":
                return week_span(*nums)
            if kind == "month":
                if not 1 <= nums[1] <= 12:
                    raise ValueError
                return month_span(*nums)
            if kind == "quarter":
                return quarter_span(*nums)
            if kind == "fiscal_quarter":
                return fiscal_quarter_span(nums[0], nums[1], fiscal_year_start)
            if kind == "fiscal_half":
                return fiscal_half_span(nums[0], nums[1], fiscal_year_start)
            if kind == "fiscal_year":
                return fiscal_year_span(nums[0], fiscal_year_start)
            return Span(date(nums[0], 1, 1), date(nums[0], 12, 31), "year", str(nums[0]))
        except ValueError:
            break
    raise PeriodError("period_unknown", value=text)


def span_of(d: date, kind: Period, fiscal_year_start: int = 4) -> Span:
    """The period of ``kind`` that contains ``d``."""
    if kind is Period.DAY:
        return Span(d, d, "day", d.isoformat())
    if kind is Period.WEEK:
        y, w, _ = d.isocalendar()
        return week_span(y, w)
    if kind is Period.MONTH:
        return month_span(d.year, d.month)
    if kind in (Period.QUARTER, Period.HALF):
        fy = fiscal_year_of(d, fiscal_year_start)
        months = (d.year * 12 + d.month - 1) - (fy * 12 + fiscal_year_start - 1)
        if kind is Period.HALF:
            return fiscal_half_span(fy, months // 6 + 1, fiscal_year_start)
        return fiscal_quarter_span(fy, months // 3 + 1, fiscal_year_start)
    return fiscal_year_span(fiscal_year_of(d, fiscal_year_start), fiscal_year_start)


def spans_in(span: Span, kind: Period, fiscal_year_start: int = 4) -> list[Span]:
    """The periods of ``kind`` that overlap ``span``, in order."""
    out: list[Span] = []
    d = span.start
    while d <= span.end:
        s = span_of(d, kind, fiscal_year_start)
        out.append(s)
        d = s.end + timedelta(days=1)
    return out


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(d for d, _name in jpholiday.year_holidays(year))


def public_holiday_name(d: date) -> str | None:
    name = jpholiday.is_holiday_name(d)
    return str(name) if name else None


class BusinessCalendar:
    """Business days: Monday–Friday, minus Japanese public holidays and company holidays."""

    def __init__(self, company_holidays: Iterable[date] = (), weekend: Iterable[int] = (5, 6)) -> None:
        self.company_holidays = frozenset(company_holidays)
        self.weekend = frozenset(weekend)

    def is_business_day(self, d: date) -> bool:
        return (
            d.weekday() not in self.weekend
            and d not in _public_holidays(d.year)
            and d not in self.company_holidays
        )

    def business_days(self, start: date, end: date) -> int:
        """Business days from ``start`` to ``end``, both included (0 if end < start)."""
        if end < start:
            return 0
        full_weeks, rest = divmod((end - start).days + 1, 7)
        workdays_per_week = 7 - len(self.weekend)
        count = full_weeks * workdays_per_week
        for i in range(rest):
            if (start + timedelta(days=full_weeks * 7 + i)).weekday() not in self.weekend:
                count += 1
        return count - sum(1 for _ in self._closed_weekdays(start, end))

    def _closed_weekdays(self, start: date, end: date) -> Iterator[date]:
        holidays = set(self.company_holidays)
        for year in range(start.year, end.year + 1):
            holidays |= _public_holidays(year)
        for d in holidays:
            if start <= d <= end and d.weekday() not in self.weekend:
                yield d

    def elapsed_share(self, span: Span, as_of: date) -> Fraction:
        """The share of ``span``'s business days that have passed by the end of ``as_of``.

        A span without business days falls back to calendar days.
        """
        if as_of < span.start:
            return Fraction(0)
        if as_of >= span.end:
            return Fraction(1)
        total = self.business_days(span.start, span.end)
        if total == 0:
            return Fraction((as_of - span.start).days + 1, span.days)
        return Fraction(self.business_days(span.start, as_of), total)

    def prorate(self, target: Fraction, span: Span, as_of: date) -> Fraction:
        """The part of ``target`` due by the end of ``as_of`` (pro rata by business days)."""
        return target * self.elapsed_share(span, as_of)


def parse_holidays(items: Iterable[str]) -> list[date]:
    """Company holidays: dates and ranges (``2026-12-29..2027-01-03``)."""
    out: set[date] = set()
    for item in items:
        span = parse_period(str(item))
        d = span.start
        while d <= span.end:
            out.add(d)
            d += timedelta(days=1)
    return sorted(out)
