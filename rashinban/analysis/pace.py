"""Pace and status: actual against the target prorated by business days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from rashinban.kpi.calendar import BusinessCalendar, Span
from rashinban.kpi.units import Direction

ON_TRACK = "on_track"
BEHIND = "behind"
AT_RISK = "at_risk"
NO_TARGET = "no_target"
NO_DATA = "no_data"


@dataclass(frozen=True)
class Thresholds:
    on_track: Fraction = Fraction(1)
    behind: Fraction = Fraction(4, 5)

    @classmethod
    def from_model(cls, spec: Any) -> Thresholds:
        if not isinstance(spec, dict):
            return cls()
        return cls(
            Fraction(str(spec.get("on_track", 1))),
            Fraction(str(spec.get("behind", "0.8"))),
        )


@dataclass(frozen=True)
class Pace:
    target: Fraction | None
    actual: Fraction | None
    expected: Fraction | None  # the target prorated to the as-of date
    achievement: Fraction | None  # actual ÷ target
    pace: Fraction | None  # actual ÷ expected (inverted for lower-is-better)
    projected: Fraction | None  # the actual extrapolated to the period end
    status: str


def evaluate_pace(
    target: Fraction | None,
    actual: Fraction | None,
    span: Span,
    as_of: date,
    calendar: BusinessCalendar,
    additive: bool,
    direction: Direction = Direction.HIGHER,
    thresholds: Thresholds | None = None,
) -> Pace:
    th = thresholds or Thresholds()
    share = calendar.elapsed_share(span, as_of)
    if actual is None:
        return Pace(target, None, None, None, None, None, NO_DATA)
    if additive:
        projected = actual / share if share > 0 else None
        expected = target * share if target is not None else None
    else:
        projected = actual
        expected = target
    if target is None:
        return Pace(None, actual, None, None, None, projected, NO_TARGET)
    achievement = actual / target if target else None
    if expected is None or expected == 0:
        ratio = None if share == 0 else (Fraction(1) if actual == 0 else None)
    elif direction is Direction.LOWER:
        ratio = expected / actual if actual else Fraction(10)
    else:
        ratio = actual / expected
    if ratio is None:
        status = ON_TRACK if share == 0 else NO_DATA
    elif ratio >= th.on_track:
        status = ON_TRACK
    elif ratio >= th.behind:
        status = BEHIND
    else:
        status = AT_RISK
    return Pace(target, actual, expected, achievement, ratio, projected, status)
