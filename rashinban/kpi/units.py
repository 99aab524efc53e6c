"""Units of KPI nodes and what follows from them (additivity, rounding, bounds)."""

from __future__ import annotations

from enum import StrEnum


class Unit(StrEnum):
    YEN = "yen"
    USD = "usd"  # for data kept in dollars (e.g. the Maven CRM dataset)
    COUNT = "count"
    RATIO = "ratio"  # a share between 0 and 1, e.g. 受注率 0.2
    DAYS = "days"
    HOURS = "hours"
    MINUTES = "minutes"
    SCORE = "score"  # NPS, CSAT …
    NUMBER = "number"  # any other non-additive quantity (multiples, indices)


# Units whose values add up across members, teams and sub-periods (by default).
ADDITIVE_UNITS = frozenset({Unit.YEN, Unit.USD, Unit.COUNT})
# Units that plans hold in whole numbers (counts as 件/名, yen as whole yen).
WHOLE_UNITS = frozenset({Unit.YEN, Unit.USD, Unit.COUNT})


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"  # 上期 / 下期 of the fiscal year
    FISCAL_YEAR = "fiscal_year"


# How many of each period fit in a year, for converting plan targets between periods.
# Days are business days; the default is replaced by the model's calendar when it names
# a concrete plan period.
DEFAULT_BUSINESS_DAYS_PER_YEAR = 245
PERIODS_PER_YEAR: dict[Period, int] = {
    Period.FISCAL_YEAR: 1,
    Period.HALF: 2,
    Period.QUARTER: 4,
    Period.MONTH: 12,
    Period.WEEK: 52,
    Period.DAY: DEFAULT_BUSINESS_DAYS_PER_YEAR,
}
