"""Business days (weekdays that are not Japanese public holidays nor 年末年始) as numpy
arrays, so that every event can be placed with index arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import jpholiday
import numpy as np

# Fiscal-year seasonality (April start): 年度末 March peak, 半期末 September, slow
# Golden Week, お盆 and 年末年始.
MONTH_WEIGHT = {
    1: 0.85,
    2: 1.1,
    3: 1.4,
    4: 1.0,
    5: 0.9,
    6: 1.0,
    7: 1.0,
    8: 0.75,
    9: 1.15,
    10: 1.0,
    11: 1.0,
    12: 0.9,
}

DAY = np.timedelta64(1, "D")


def is_company_holiday(d: date) -> bool:
    """年末年始休業: 29 December to 3 January."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Japanese public holidays of a year (jpholiday, once per year: per-day calls are slow)."""
    return frozenset(d for d, _ in jpholiday.year_holidays(year))


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in public_holidays(d.year) and not is_company_holiday(d)


@dataclass(frozen=True)
class BusinessDays:
    """Every business day from ``first`` to ``last`` (inclusive) as ``datetime64[D]``."""

    days: np.ndarray  # datetime64[D], ascending
    first: date
    last: date

    @classmethod
    def between(cls, first: date, last: date, exact_until: date | None = None) -> BusinessDays:
        """Business days in [first, last]; after ``exact_until`` only weekends are skipped
        (cheap: no holiday look-ups for days whose events are cut anyway)."""
        out = []
        d = first
        while d <= last:
            exact = exact_until is None or d <= exact_until
            if is_business_day(d) if exact else d.weekday() < 5:
                out.append(d)
            d += timedelta(days=1)
        return cls(np.array(out, dtype="datetime64[D]"), first, last)

    def __len__(self) -> int:
        return len(self.days)

    def index_on_or_after(self, days: np.ndarray) -> np.ndarray:
        """For ``datetime64[D]`` values, the index of the same or next business day."""
        return np.searchsorted(self.days, days.astype("datetime64[D]"), side="left")

    def month_range(self, month_start: date) -> tuple[int, int]:
        """Indices [lo, hi) of the business days in the month starting ``month_start``."""
        nxt = date(month_start.year + (month_start.month == 12), month_start.month % 12 + 1, 1)
        lo, hi = np.searchsorted(self.days, np.array([month_start, nxt], dtype="datetime64[D]"))
        return int(lo), int(hi)

    def at(self, idx: np.ndarray) -> np.ndarray:
        """Business day for each index (clipped to the known range)."""
        out: np.ndarray = self.days[np.clip(idx, 0, len(self.days) - 1)]
        return out
