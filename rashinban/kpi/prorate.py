"""Targets of any period from a plan period's target, by business days.

A monthly target of 100件 over a month of 20 business days is 5件 a business day: a week
with 2 business days (Golden Week) gets 10件, a full week 25件, a public holiday nothing.
The same rule turns a fiscal year's target into quarters, halves (上期/下期), months, weeks
and days, and monthly targets into a quarter's or a range's total (累計).

Whole units (件, 円) stay whole: within each plan period the cumulative target up to a day is
rounded (up for higher-is-better KPIs, down for lower-is-better ones), and a span gets the
difference of the cumulative targets at its ends.  So the parts of a plan period always add
up to the plan period's target exactly, and no part is ever a fraction of a deal.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

from rashinban.kpi.calendar import BusinessCalendar, Span, span_of
from rashinban.kpi.units import Period


def _round(x: Fraction, up: bool) -> Fraction:
    if x.denominator == 1:
        return x
    return Fraction(math.ceil(x) if up else math.floor(x))


def cumulative(
    value: Fraction, plan: Span, through: date, calendar: BusinessCalendar, whole: bool, up: bool = True
) -> Fraction:
    """The part of ``plan``'s ``value`` due by the end of ``through``."""
    if through < plan.start:
        return Fraction(0)
    if through >= plan.end:
        return value
    share = calendar.elapsed_share(plan, through)
    part = value * share
    return _round(part, up) if whole else part


def spread(
    value: Fraction,
    kind: Period,
    span: Span,
    calendar: BusinessCalendar,
    fiscal_year_start: int = 4,
    whole: bool = False,
    up: bool = True,
) -> Fraction:
    """The target of ``span`` when every plan period of ``kind`` has the target ``value``.

    ``span`` may be shorter than a plan period (a week of a monthly plan), longer (a quarter
    or a range of months) or straddle two (a week across a month's end)."""
    total = Fraction(0)
    d = span.start
    while d <= span.end:
        plan = span_of(d, kind, fiscal_year_start)
        last = min(plan.end, span.end)
        before = cumulative(value, plan, d - timedelta(days=1), calendar, whole, up)
        total += cumulative(value, plan, last, calendar, whole, up) - before
        d = last + timedelta(days=1)
    return total


def remaining_business_days(span: Span, as_of: date, calendar: BusinessCalendar) -> int:
    """残り○営業日: business days of ``span`` from ``as_of`` on, ``as_of`` itself included when it
    is a business day (all of them before the span starts, none after it ends).

    ``as_of`` is today: its actuals are still arriving, so a sales manager counts it as a day
    left — at 08:00 on the month's last business day that is 残り1営業日 and the whole
    remainder is needed today.  Status, pages, the CLI, alerts and the digests all use this.
    """
    return calendar.business_days(max(as_of, span.start), span.end)
