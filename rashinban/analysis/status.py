"""Status rows: for each scope, node and period — target (and its stretch and floor tiers),
actual, achievement, pace, projection, what is still needed and a grade.

A rate above 100 % on actuals is not good news but a data finding (``rate_above_one``: the
numerator and denominator do not describe the same things — a team's deals over another
team's leads): it is graded ``data_issue``, never green.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from rashinban.analysis.pace import Thresholds, evaluate_pace
from rashinban.analysis.targets import Key
from rashinban.kpi.calendar import BusinessCalendar, Span
from rashinban.kpi.model import Model
from rashinban.kpi.prorate import remaining_business_days
from rashinban.kpi.units import WHOLE_UNITS, Direction, Unit
from rashinban.metrics.engine import Cell, Value
from rashinban.org.scopes import COMPANY, ScopeIndex

DATA_ISSUE = "data_issue"


@dataclass(frozen=True)
class TargetSet:
    """The targets a status read works with: the target tier, the stretch and floor tiers,
    and why a target is missing where it is (``relative_no_basis``)."""

    target: Mapping[Key, Fraction]
    stretch: Mapping[Key, Fraction] = field(default_factory=dict)
    floor: Mapping[Key, Fraction] = field(default_factory=dict)
    notes: Mapping[Key, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusRow:
    scope_type: str
    scope_id: int
    scope: str
    node: str
    period: str
    target: Fraction | None
    actual: Fraction | None
    achievement: Fraction | None
    pace: Fraction | None
    projected: Fraction | None
    status: str
    reason: str | None  # why the actual is missing
    stretch: Fraction | None = None
    floor: Fraction | None = None
    stretch_achievement: Fraction | None = None
    floor_achievement: Fraction | None = None
    remaining: Fraction | None = None  # still needed to reach the target (あと○円)
    days_left: int | None = None  # business days from the as-of date on (it counts when one)
    per_day: Fraction | None = None  # needed per remaining business day (1営業日あたり○件)
    note: str | None = None  # a finding about the row: rate_above_one, relative_no_basis
    total: bool = False  # the total (累計) of a range, not one of its periods


def _ratio(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return a / b if a is not None and b else None


def status_rows(
    model: Model,
    actuals: dict[Cell, dict[str, Value]],
    targets: Mapping[Key, Fraction] | TargetSet,
    scopes: ScopeIndex,
    periods: list[Span],
    as_of: date,
    additive: dict[str, bool],
    wanted_scopes: list[tuple[str, int]],
    calendar: BusinessCalendar,
    total: bool = False,
) -> list[StatusRow]:
    th = Thresholds.from_model(model.extra.get("status"))
    tset = targets if isinstance(targets, TargetSet) else TargetSet(targets)
    rows: list[StatusRow] = []
    for stype, sid in wanted_scopes:
        scope = scopes.scopes[(stype, sid)]
        for span in periods:
            cell = (stype, sid, span.start)
            node_values = actuals.get(cell, {})
            left = remaining_business_days(span, as_of, calendar)
            for nid, node in model.nodes.items():
                v = node_values.get(nid, Value(None, "no_data"))
                key = (nid, stype, None if stype == COMPANY else sid, span.label)
                target = tset.target.get(key)
                add = additive.get(nid, False)
                p = evaluate_pace(target, v.value, span, as_of, calendar, add, node.direction, th)
                status, note = p.status, tset.notes.get(key) if target is None else None
                if node.unit is Unit.RATIO and v.value is not None and v.value > 1:
                    status, note = DATA_ISSUE, "rate_above_one"
                remaining = per_day = None
                if add and target is not None and v.value is not None and node.direction is Direction.HIGHER:
                    remaining = max(target - v.value, Fraction(0))
                    per_day = remaining / left if left else None
                stretch, floor = tset.stretch.get(key), tset.floor.get(key)
                projected = p.projected
                if projected is not None and node.unit in WHOLE_UNITS and projected.denominator != 1:
                    projected = Fraction(round(projected))  # counts and yen are whole where shown
                rows.append(
                    StatusRow(
                        stype,
                        sid,
                        scope.name,
                        nid,
                        span.label,
                        p.target,
                        p.actual,
                        p.achievement,
                        p.pace,
                        projected,
                        status,
                        v.reason if v.value is None else None,
                        stretch=stretch,
                        floor=floor,
                        stretch_achievement=_ratio(v.value, stretch),
                        floor_achievement=_ratio(v.value, floor),
                        remaining=remaining,
                        days_left=left,
                        per_day=per_day,
                        note=note,
                        total=total,
                    )
                )
    return rows
