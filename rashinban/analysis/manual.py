"""Manual KPIs (``kind: manual``: 代行費用, 内製化 KPIs …) as actuals: the values people entered
per scope and period, placed in the status periods and rolled up the scope tree.

* A value is entered for one scope and one period of the node's own period kind (a monthly
  KPI: ``2026-11``).  A scope without its own value takes the sum of its direct children's
  (sub-teams and members) when the KPI adds up; a KPI that does not add up (a rate, a score)
  is never rolled up.
* A status period made of several entry periods (a quarter of monthly values, a range's
  total) sums them when the KPI adds up — only when every entry period begun by the as-of
  date has a value: a quarter with a missing month has no value (``manual_missing``), it is
  not two months passed off as three; a KPI that does not add up takes the latest value.
* A status period shorter than the entry period (a week of a monthly fee) gets its share by
  business days.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from rashinban.kpi.calendar import BusinessCalendar, Span, spans_in
from rashinban.kpi.model import Model
from rashinban.metrics.engine import Cell, Value
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex

Entries = Mapping[tuple[str, str, int | None, str], Fraction]  # node, scope type, scope id, period
MISSING = Value(None, "manual_missing")


def _children(scopes: ScopeIndex) -> dict[tuple[str, int], list[tuple[str, int]]]:
    out: dict[tuple[str, int], list[tuple[str, int]]] = {k: [] for k in scopes.scopes}
    for key, scope in scopes.scopes.items():
        if scope.parent is not None and scope.parent in out:
            out[scope.parent].append(key)
    return out


def _value_in(
    nid: str,
    key: tuple[str, int],
    label: str,
    entries: Entries,
    children: dict[tuple[str, int], list[tuple[str, int]]],
    additive: bool,
    depth: int = 0,
) -> Fraction | None:
    stype, sid = key
    own = entries.get((nid, stype, None if stype == COMPANY else sid, label))
    if own is not None or not additive or depth > 30:
        return own
    parts = [_value_in(nid, c, label, entries, children, True, depth + 1) for c in children.get(key, [])]
    got = [p for p in parts if p is not None]
    return sum(got, Fraction(0)) if got else None


def manual_cells(
    model: Model,
    entries: Entries,
    scopes: ScopeIndex,
    periods: list[Span],
    as_of: date,
    additive: Mapping[str, bool],
    calendar: BusinessCalendar,
) -> dict[Cell, dict[str, Value]]:
    """Cell → node → the manual KPI's value (or why there is none) for every scope."""
    nodes = [nid for nid, n in model.nodes.items() if n.manual]
    out: dict[Cell, dict[str, Value]] = {}
    if not nodes:
        return out
    children = _children(scopes)
    keys = [k for k in scopes.scopes if k[0] in (COMPANY, TEAM, MEMBER)]
    for nid in nodes:
        kind = model.period_of(nid)
        add = bool(additive.get(nid))
        for span in periods:
            parts = spans_in(span, kind, model.fiscal_year_start)
            begun = [p for p in parts if p.start <= as_of] or parts[:1]
            for key in keys:
                values = {p.label: _value_in(nid, key, p.label, entries, children, add) for p in begun}
                out.setdefault((key[0], key[1], span.start), {})[nid] = _combine(
                    values, begun, span, add, calendar
                )
    return out


def _combine(
    values: dict[str, Fraction | None], parts: list[Span], span: Span, additive: bool, cal: BusinessCalendar
) -> Value:
    if not additive:
        known = [values[p.label] for p in parts if values[p.label] is not None]
        return Value(known[-1]) if known else MISSING
    if any(values[p.label] is None for p in parts):
        return MISSING
    total = Fraction(0)
    for p in parts:
        v = values[p.label]
        assert v is not None
        if span.start <= p.start and p.end <= span.end:
            total += v
            continue
        lo, hi = max(p.start, span.start), min(p.end, span.end)
        days = cal.business_days(p.start, p.end)
        share = Fraction(cal.business_days(lo, hi), days) if days else Fraction((hi - lo).days + 1, p.days)
        total += v * share
    return Value(total)
