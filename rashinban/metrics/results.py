"""The metrics engine's results and how they are finished.

Value types (:class:`Value`, :class:`Results`), turning the result rows of the grouped
queries into values, the real zeros of counts and sums, and formula measures (ratios)
evaluated exactly per cell.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rashinban.kpi.calendar import Span
from rashinban.kpi.errors import FormulaError
from rashinban.kpi.formula import BinOp, Ref, evaluate
from rashinban.kpi.units import Period
from rashinban.metrics.measures import DURATION_UNITS, Measure
from rashinban.metrics.tables import TABLES

Cell = tuple[str, int, date]  # (scope type, scope id, period start)


@dataclass(frozen=True)
class Value:
    value: Fraction | None
    reason: str | None = None  # why there is no value: no_rows | no_data | division_by_zero | missing_input


@dataclass
class Results:
    periods: list[Span]
    period_kind: Period
    values: dict[Cell, dict[str, Value]] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    covered: dict[str, set[date]] = field(default_factory=dict)  # table -> periods with any row

    def get(self, stype: str, sid: int, period: date, measure: str) -> Value:
        return self.values.get((stype, sid, period), {}).get(measure, Value(None, "no_data"))


_INTS: dict[int, Fraction] = {}


def to_fraction(v: Any) -> Fraction | None:
    if v is None:
        return None
    if type(v) is int:  # counts: the same small numbers again and again
        f = _INTS.get(v)
        if f is None:
            if len(_INTS) > 100_000:
                _INTS.clear()
            f = _INTS[v] = Fraction(v)
        return f
    if isinstance(v, float):
        if math.isnan(v):  # NaN from a backend
            return None
        return Fraction(Decimal(repr(v)))
    if isinstance(v, Decimal):
        return Fraction(v)
    if isinstance(v, bool):
        return Fraction(int(v))
    return Fraction(v)


def to_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if hasattr(v, "date"):  # pandas Timestamp
        return v.date()  # type: ignore[no-any-return]
    return date.fromisoformat(str(v)[:10])


def absorb(res: Results, table: str, df: Any, ms: list[Measure]) -> None:
    """Result rows (records, or a frame from a backend's ``execute``) into ``res``."""
    covered = res.covered.setdefault(table, set())
    finishers = [(m.id, _finisher(m)) for m in ms]
    dates: dict[Any, date] = {}
    records = df if isinstance(df, list) else df.to_dict("records")
    for row in records:
        raw = row["_p"]
        p = dates.get(raw)
        if p is None:
            p = dates[raw] = to_date(raw)
        covered.add(p)
        cell = (str(row["scope_type"]), int(row["scope_id"]), p)
        out = res.values.setdefault(cell, {})
        for mid, finish in finishers:
            out[mid] = finish(row)


def _finisher(m: Measure) -> Callable[[dict[str, Any]], Value]:
    """How to turn a result row's partial aggregates into the measure's value."""
    n, s, c, v = (f"{m.id}__{x}" for x in ("n", "s", "c", "v"))
    zero = Value(Fraction(0))
    no_rows = Value(None, "no_rows")
    if m.agg == "count" or (m.agg == "stock" and not m.column):

        def count(row: dict[str, Any]) -> Value:
            x = to_fraction(row.get(n))  # None, or NaN from a backend, is no rows: 0
            return Value(x) if x else zero

        return count
    if m.agg in ("sum", "stock"):

        def total(row: dict[str, Any]) -> Value:
            return Value(to_fraction(row.get(s)) or Fraction(0)) if to_fraction(row.get(c)) else zero

        return total
    if m.agg == "share":

        def share(row: dict[str, Any]) -> Value:
            hit, of = to_fraction(row.get(s)), to_fraction(row.get(c))
            if not of:
                return Value(None, "division_by_zero") if of is not None else no_rows
            return Value((hit or Fraction(0)) / of)

        return share
    scale = DURATION_UNITS[m.per] if m.agg == "duration" else 1

    def other(row: dict[str, Any]) -> Value:
        if m.agg in ("mean", "duration") and c in row:
            sv, cv = to_fraction(row.get(s)), to_fraction(row.get(c))
            if not cv or sv is None:
                return no_rows
            return Value(sv / cv / scale)
        x = to_fraction(row.get(v))
        if x is None:
            return no_rows
        return Value(x / scale if m.agg == "duration" else x)

    return other


def fill_zeros(res: Results, ms: list[Measure], keys: list[tuple[str, int]]) -> None:
    """Counts and sums are a real 0 for a scope with no rows in a period where the table
    has rows at all; a period in which the table has no rows stays without value."""
    by_table: dict[str, list[Measure]] = defaultdict(list)
    for m in ms:
        if m.agg in ("count", "sum", "stock") and m.table is not None:
            by_table[m.table].append(m)
    zero = Value(Fraction(0))
    for table, tms in by_table.items():
        covered = res.covered.get(table, set()) | res.covered.get(f"{table}:stock", set())
        applicable = [k for k in keys if _applies(tms[0], k)]
        ids = [m.id for m in tms]
        for p in covered:
            for key in applicable:
                out = res.values.setdefault((key[0], key[1], p), {})
                for mid in ids:
                    if mid not in out:
                        out[mid] = zero


def _applies(m: Measure, key: tuple[str, int]) -> bool:
    assert m.table is not None
    if TABLES[m.table].scope_kind == "team":
        return key[0] != "member"
    return True


def evaluate_formulas(
    res: Results, measures: dict[str, Measure], names: list[str], keys: Iterable[tuple[str, int]]
) -> None:
    """Formula measures for every cell of ``res`` and every period of the scopes ``keys``."""
    formulas = [measures[n] for n in names if not measures[n].is_base]
    if not formulas:
        return
    cells = set(res.values)
    for key in keys:
        for p in res.periods:
            cells.add((key[0], key[1], p.start))
    no_data = Value(None, "no_data")
    missing_input = Value(None, "missing_input")
    div_zero = Value(None, "division_by_zero")
    ratios = {
        m.id: (m.expr.left.name, m.expr.right.name)
        for m in formulas
        if isinstance(m.expr, BinOp)
        and m.expr.op == "/"
        and isinstance(m.expr.left, Ref)
        and isinstance(m.expr.right, Ref)
    }
    for cell in cells:
        out = res.values.setdefault(cell, {})
        for m in formulas:
            assert m.expr is not None
            ratio = ratios.get(m.id)
            if ratio is not None:  # the common case, a / b, without walking the formula
                a, b = out.get(ratio[0], no_data).value, out.get(ratio[1], no_data).value
                if a is None or b is None:
                    out[m.id] = missing_input
                elif b == 0:
                    out[m.id] = div_zero
                else:
                    out[m.id] = Value(a / b)
                continue
            inputs = {i: out.get(i, no_data) for i in m.inputs}
            missing = [i for i, v in inputs.items() if v.value is None]
            if missing:
                out[m.id] = Value(None, "missing_input")
                continue
            try:
                out[m.id] = Value(
                    evaluate(m.expr, {i: v.value for i, v in inputs.items() if v.value is not None})
                )
            except FormulaError:
                out[m.id] = Value(None, "division_by_zero")
