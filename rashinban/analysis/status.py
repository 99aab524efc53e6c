"""Status rows: for each scope, node and period — target, actual, achievement, pace,
projection and a grade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from rashinban.analysis.pace import Thresholds, evaluate_pace
from rashinban.analysis.targets import Key
from rashinban.kpi.calendar import BusinessCalendar, Span
from rashinban.kpi.model import Model
from rashinban.metrics.engine import Cell, Value
from rashinban.org.scopes import COMPANY, ScopeIndex


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


def status_rows(
    model: Model,
    actuals: dict[Cell, dict[str, Value]],
    targets: dict[Key, Fraction],
    scopes: ScopeIndex,
    periods: list[Span],
    as_of: date,
    additive: dict[str, bool],
    wanted_scopes: list[tuple[str, int]],
    calendar: BusinessCalendar,
) -> list[StatusRow]:
    th = Thresholds.from_model(model.extra.get("status"))
    rows: list[StatusRow] = []
    for stype, sid in wanted_scopes:
        scope = scopes.scopes[(stype, sid)]
        for span in periods:
            cell = (stype, sid, span.start)
            node_values = actuals.get(cell, {})
            for nid, node in model.nodes.items():
                v = node_values.get(nid, Value(None, "no_data"))
                target = targets.get((nid, stype, None if stype == COMPANY else sid, span.label))
                p = evaluate_pace(
                    target, v.value, span, as_of, calendar, additive.get(nid, False), node.direction, th
                )
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
                        p.projected,
                        p.status,
                        v.reason if v.value is None else None,
                    )
                )
    return rows
