"""Evaluating measures for every scope and period in a few grouped queries.

For each (table, time column) the engine builds one Ibis expression: the rows of the asked
span are grouped by the member (or team) they belong to and their period; the small result
is joined to the scope map and summed up to every team level and the company.  Means and
durations travel as sums and counts, so one scan serves every scope.  Measures that do not
add up (distinct counts, medians) are grouped after the join instead.  Formula measures
(ratios) are evaluated exactly per cell afterwards.

The same expressions run on DuckDB, PostgreSQL and PySpark (see ``backends.py``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from rashinban.kpi.calendar import Span, spans_in
from rashinban.kpi.errors import FormulaError
from rashinban.kpi.formula import BinOp, Ref, evaluate
from rashinban.kpi.units import Period
from rashinban.metrics.filters import columns as filter_columns
from rashinban.metrics.filters import to_ibis
from rashinban.metrics.measures import DURATION_UNITS, Measure, MeasureError, closure
from rashinban.metrics.scopes import COMPANY, ScopeIndex
from rashinban.metrics.tables import TABLES, table_expr

Cell = tuple[str, int, date]  # (scope type, scope id, period start)
DECOMPOSABLE = {"count", "sum", "mean", "stock"}


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


def _to_fraction(v: Any) -> Fraction | None:
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


def _to_date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if hasattr(v, "date"):  # pandas Timestamp
        return v.date()  # type: ignore[no-any-return]
    return date.fromisoformat(str(v)[:10])


def period_start_expr(col: ir.Value, kind: Period, fiscal_year_start: int) -> ir.Value:
    """The first day of the period that contains ``col`` (a date or timestamp)."""
    if kind is Period.DAY:
        return col.cast("date")
    if kind is Period.WEEK:
        return col.truncate("W").cast("date")
    if kind is Period.MONTH:
        return col.truncate("M").cast("date")
    shift = fiscal_year_start - 1
    unit = "Q" if kind is Period.QUARTER else "Y"
    shifted = col.cast("date") - ibis.interval(months=shift) if shift else col.cast("date")
    start = shifted.truncate(unit)
    return (start + ibis.interval(months=shift) if shift else start).cast("date")


def _in_span(col: ir.Value, span: Span) -> ir.BooleanValue:
    if col.type().is_date():
        return (col >= ibis.literal(span.start)) & (col <= ibis.literal(span.end))
    lo = datetime.combine(span.start, datetime.min.time())
    hi = datetime.combine(span.end + timedelta(days=1), datetime.min.time())
    return (col >= ibis.literal(lo)) & (col < ibis.literal(hi))


def _check_columns(m: Measure, t: ir.Table) -> None:
    wanted = {c for c in (m.column, m.start, m.end, m.time) if c}
    if m.filter is not None:
        wanted |= filter_columns(m.filter)
    missing = sorted(wanted - set(t.columns))
    if missing:
        raise MeasureError(
            "measure_unknown_column",
            measure=m.id,
            table=m.table,
            column=missing[0],
            allowed=", ".join(t.columns),
        )


def _partials(m: Measure, t: ir.Table) -> dict[str, ir.Scalar]:
    """Additive partial aggregates of a decomposable measure over member-level groups."""
    where = to_ibis(m.filter, t) if m.filter is not None else None
    if m.agg == "count":
        return {f"{m.id}__n": t.count(where=where)}
    if m.agg == "sum" or (m.agg == "stock" and m.column):
        assert m.column is not None
        return {f"{m.id}__s": t[m.column].sum(where=where), f"{m.id}__c": t[m.column].count(where=where)}
    if m.agg == "stock":
        return {f"{m.id}__n": t.count(where=where)}
    if m.agg == "mean":
        assert m.column is not None
        return {f"{m.id}__s": t[m.column].sum(where=where), f"{m.id}__c": t[m.column].count(where=where)}
    # duration mean: seconds between start and end, as sum and count
    assert m.start and m.end
    secs = _seconds(t, m)
    return {f"{m.id}__s": secs.sum(where=where), f"{m.id}__c": secs.count(where=where)}


def _seconds(t: ir.Table, m: Measure) -> ir.NumericValue:
    assert m.start and m.end
    start = t[m.start].cast("timestamp")
    end = t[m.end].cast("timestamp")
    return (end.epoch_seconds() - start.epoch_seconds()).cast("float64")


def _whole(m: Measure, t: ir.Table) -> ir.Scalar:
    """A non-decomposable aggregate, computed per scope after the join."""
    where = to_ibis(m.filter, t) if m.filter is not None else None
    if m.agg == "count_distinct":
        assert m.column is not None
        return t[m.column].nunique(where=where)
    if m.agg == "median":
        assert m.column is not None
        return _only(t[m.column].cast("float64"), where).median()
    return _only(_seconds(t, m), where).median()  # duration median


def _only(v: ir.NumericValue, where: ir.BooleanValue | None) -> ir.NumericValue:
    """``v`` where the filter holds, else NULL.  Medians take no ``where=``: Ibis applies it to
    the quantile argument too (``percentile(IF(c, x, NULL), IF(c, 0.5, NULL))``), which Spark
    refuses (the percentage must be a constant); NULLs are left out of a median everywhere."""
    return v if where is None else ibis.ifelse(where, v, ibis.null("float64"))


# Compiled SQL by query shape: compiling an Ibis expression costs far more than running it
# on dashboard-sized data, so the SQL text (with the small in-memory tables inlined as
# VALUES) is kept per (backend, table, measures, span, period kind, scope map).
_SQL_CACHE: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_SQL_CACHE_SIZE = 512
_SQL_LOCK = threading.Lock()
CACHED_BACKENDS = ("duckdb", "postgres")


def _measure_key(m: Measure) -> tuple[Any, ...]:
    return (m.id, m.agg, m.table, m.column, m.filter_text, m.time, m.start, m.end, m.stat, m.per, m.scope)


def _sql_literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    if isinstance(v, date):
        return f"DATE '{v.isoformat()}'"
    if hasattr(v, "item"):  # numpy scalar
        return _sql_literal(v.item())
    if hasattr(v, "to_pydatetime"):  # pandas Timestamp
        return _sql_literal(v.to_pydatetime())
    return "'" + str(v).replace("'", "''") + "'"


SCOPE_MAP = "rashinban_scope_map"  # the scope map's placeholder name in cached SQL
SCOPE_COLUMNS = ("_key", "scope_type", "scope_id")


def _values_sql(df: Any) -> str:
    cols = list(df.columns)
    return _values_of(cols, [df[c].tolist() for c in cols])


def _values_of(cols: list[str], columns: list[list[Any]]) -> str:
    rows = zip(*columns, strict=True)
    values = ", ".join("(" + ", ".join(_sql_literal(v) for v in row) + ")" for row in rows)
    names = ", ".join('"' + str(c).replace('"', '""') + '"' for c in cols)
    return f"(SELECT * FROM (VALUES {values}) AS _v({names}))"


def _inline_sql(expr: ir.Table) -> str:
    """SQL of ``expr`` with its in-memory tables written out as VALUES (no registration)."""
    sql = str(ibis.to_sql(expr))
    for op in expr.op().find(ops.InMemoryTable):
        if tuple(op.schema.names) == SCOPE_COLUMNS:  # filled in per run: one compiled query
            sql = sql.replace(f'"{op.name}"', f'"{SCOPE_MAP}"')  # serves every scope set
        else:
            sql = sql.replace(f'"{op.name}"', _values_sql(op.data.to_frame()))
    return sql


class MetricsEngine:
    """Computes measures on one Ibis connection for the scopes of a ``ScopeIndex``."""

    def __init__(
        self,
        con: Any,
        scopes: ScopeIndex,
        fiscal_year_start: int = 4,
        only: Iterable[tuple[str, int]] | None = None,
    ) -> None:
        self.con = con
        self.scopes = scopes
        self.fys = fiscal_year_start
        # compute these scopes only (dashboards); None: every scope of the index
        self.only: set[tuple[str, int]] | None = set(only) if only is not None else None

    def _keys(self) -> Iterable[tuple[str, int]]:
        return self.scopes.scopes if self.only is None else [k for k in self.scopes.scopes if k in self.only]

    def compute(
        self,
        measures: dict[str, Measure],
        wanted: Iterable[str],
        span: Span,
        kind: Period,
    ) -> Results:
        names = closure(list(wanted), measures)
        periods = spans_in(span, kind, self.fys)
        whole = Span(periods[0].start, periods[-1].end, "range", span.label)
        res = Results(periods=periods, period_kind=kind)
        groups: dict[tuple[str, str | None, str | None], list[Measure]] = defaultdict(list)
        for mid in names:
            m = measures[mid]
            if m.is_base:
                assert m.table is not None
                key_time = None if m.agg == "stock" else m.time
                groups[(m.table, key_time, m.scope)].append(m)
        for (table, time_col, scope_col), ms in groups.items():
            if time_col is None:
                self._stock(res, table, scope_col, ms, periods)
            else:
                self._grouped(res, table, time_col, scope_col, ms, whole, kind)
        if self.only is not None:
            res.values = {c: v for c, v in res.values.items() if (c[0], c[1]) in self.only}
        self._zeros(res, [measures[n] for n in names])
        self._formulas(res, measures, names)
        return res

    def _zeros(self, res: Results, ms: list[Measure]) -> None:
        """Counts and sums are a real 0 for a scope with no rows in a period where the table
        has rows at all; a period in which the table has no rows stays without value."""
        by_table: dict[str, list[Measure]] = defaultdict(list)
        for m in ms:
            if m.agg in ("count", "sum", "stock") and m.table is not None:
                by_table[m.table].append(m)
        zero = Value(Fraction(0))
        keys = list(self._keys())
        for table, tms in by_table.items():
            covered = res.covered.get(table, set()) | res.covered.get(f"{table}:stock", set())
            applicable = [k for k in keys if self._applies(tms[0], k)]
            ids = [m.id for m in tms]
            for p in covered:
                for key in applicable:
                    out = res.values.setdefault((key[0], key[1], p), {})
                    for mid in ids:
                        if mid not in out:
                            out[mid] = zero

    # base measures --------------------------------------------------------------------
    def _run(
        self, key: tuple[Any, ...], build: Callable[[], ir.Table], smap: dict[str, list[Any]]
    ) -> tuple[str, Any]:
        """Run a query (compiled once per shape on DuckDB/PostgreSQL, the scope map ``smap``
        written in as VALUES): (SQL, result frame)."""
        backend = getattr(self.con, "name", "")
        if backend not in CACHED_BACKENDS:
            expr = build()
            return str(ibis.to_sql(expr)), expr.execute()
        full = (backend, *key)
        with _SQL_LOCK:
            sql = _SQL_CACHE.get(full)
            if sql is not None:
                _SQL_CACHE.move_to_end(full)
        if sql is None:
            sql = _inline_sql(build())
            with _SQL_LOCK:
                _SQL_CACHE[full] = sql
                while len(_SQL_CACHE) > _SQL_CACHE_SIZE:
                    _SQL_CACHE.popitem(last=False)
        sql = sql.replace(f'"{SCOPE_MAP}"', _values_of(list(SCOPE_COLUMNS), [smap[c] for c in SCOPE_COLUMNS]))
        cur = self.con.raw_sql(sql)
        try:
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
        finally:
            if backend != "duckdb":  # DuckDB hands back the connection itself
                cur.close()
        return sql, [dict(zip(cols, r, strict=True)) for r in rows]

    def _scope_map(self, table: str, scope_col: str | None) -> tuple[str, ir.Table]:
        col, data = self._scope_data(table, scope_col)
        return col, ibis.memtable(data)

    def _scope_data(self, table: str, scope_col: str | None) -> tuple[str, dict[str, list[Any]]]:
        info = TABLES[table]
        col = scope_col or info.scope_column
        data = self.scopes.member_map() if info.scope_kind == "member" else self.scopes.team_map()
        if self.only is not None:
            # the company stays: which periods a table has rows in decides real zeros
            keep = [
                i
                for i, key in enumerate(zip(data["scope_type"], data["scope_id"], strict=True))
                if key in self.only or key[0] == COMPANY
            ]
            data = {c: [data[c][i] for i in keep] for c in ("_key", "scope_type", "scope_id")}
        return col, data

    def _grouped(
        self,
        res: Results,
        table: str,
        time_col: str,
        scope_col: str | None,
        ms: list[Measure],
        span: Span,
        kind: Period,
    ) -> None:
        col, data = self._scope_data(table, scope_col)
        dec = [m for m in ms if m.agg in DECOMPOSABLE or (m.agg == "duration" and m.stat == "mean")]
        other = [m for m in ms if m not in dec]
        key = (
            "grouped",
            table,
            time_col,
            col,
            tuple(_measure_key(m) for m in ms),
            span.start,
            span.end,
            kind.value,
            self.fys,
        )
        built: dict[str, ir.Table] = {}

        def build(which: str) -> ir.Table:
            if not built:
                t = table_expr(self.con, table)
                for m in ms:
                    _check_columns(m, t)
                smap = ibis.memtable(data)
                t = t.filter(_in_span(t[time_col], span))
                t = t.mutate(
                    _p=period_start_expr(t[time_col], kind, self.fys),
                    _key=t[col].cast("int64").fill_null(-1),
                )
                parts: dict[str, ir.Scalar] = {"_rows": t.count()}
                for m in dec:
                    parts.update(_partials(m, t))
                inner = t.group_by(["_key", "_p"]).aggregate(**parts)
                joined = inner.join(smap, inner._key == smap._key)
                built["dec"] = joined.group_by(["scope_type", "scope_id", "_p"]).aggregate(
                    **{k: joined[k].sum() for k in parts}
                )
                if other:
                    j = t.join(smap, t._key == smap._key)
                    built["other"] = j.group_by(["scope_type", "scope_id", "_p"]).aggregate(
                        **{f"{m.id}__v": _whole(m, j) for m in other}
                    )
            return built[which]

        sql, df = self._run((*key, "dec"), lambda: build("dec"), data)
        res.queries.append(sql)
        self._absorb(res, table, df, dec)
        if other:
            sql, df = self._run((*key, "other"), lambda: build("other"), data)
            res.queries.append(sql)
            self._absorb(res, table, df, other)

    def _stock(
        self, res: Results, table: str, scope_col: str | None, ms: list[Measure], periods: list[Span]
    ) -> None:
        """Rows active at the end of each period (start ≤ end of period < end or no end)."""
        col, data = self._scope_data(table, scope_col)
        bounds = tuple((p.start, p.end) for p in periods)

        def build(m: Measure) -> ir.Table:
            t = table_expr(self.con, table)
            _check_columns(m, t)
            smap = ibis.memtable(data)
            pt = ibis.memtable({"_p": [p.start for p in periods], "_e": [p.end for p in periods]})
            assert m.start and m.end
            start = t[m.start].cast("date")
            end = t[m.end].cast("date")
            cond = (start <= pt._e) & (end.isnull() | (end > pt._e))
            j = t.cross_join(pt).filter(cond)
            j = j.mutate(_key=j[col].cast("int64").fill_null(-1))
            parts = {"_rows": j.count(), **_partials(m, j)}
            inner = j.group_by(["_key", "_p"]).aggregate(**parts)
            joined = inner.join(smap, inner._key == smap._key)
            return joined.group_by(["scope_type", "scope_id", "_p"]).aggregate(
                **{k: joined[k].sum() for k in parts}
            )

        for m in ms:
            key = ("stock", table, col, _measure_key(m), bounds)
            sql, df = self._run(key, lambda m=m: build(m), data)  # type: ignore[misc]
            res.queries.append(sql)
            self._absorb(res, f"{table}:stock", df, [m])

    def _absorb(self, res: Results, table: str, df: Any, ms: list[Measure]) -> None:
        """Result rows (records, or a frame from a backend's ``execute``) into ``res``."""
        covered = res.covered.setdefault(table, set())
        finishers = [(m.id, _finisher(m)) for m in ms]
        dates: dict[Any, date] = {}
        records = df if isinstance(df, list) else df.to_dict("records")
        for row in records:
            raw = row["_p"]
            p = dates.get(raw)
            if p is None:
                p = dates[raw] = _to_date(raw)
            covered.add(p)
            cell = (str(row["scope_type"]), int(row["scope_id"]), p)
            out = res.values.setdefault(cell, {})
            for mid, finish in finishers:
                out[mid] = finish(row)

    def _applies(self, m: Measure, key: tuple[str, int]) -> bool:
        assert m.table is not None
        if TABLES[m.table].scope_kind == "team":
            return key[0] != "member"
        return True

    # formulas ----------------------------------------------------------------------------
    def _formulas(self, res: Results, measures: dict[str, Measure], names: list[str]) -> None:
        formulas = [measures[n] for n in names if not measures[n].is_base]
        if not formulas:
            return
        cells = set(res.values)
        for key in self._keys():
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


def _finisher(m: Measure) -> Callable[[dict[str, Any]], Value]:
    """How to turn a result row's partial aggregates into the measure's value."""
    n, s, c, v = (f"{m.id}__{x}" for x in ("n", "s", "c", "v"))
    zero = Value(Fraction(0))
    no_rows = Value(None, "no_rows")
    if m.agg == "count" or (m.agg == "stock" and not m.column):

        def count(row: dict[str, Any]) -> Value:
            x = _to_fraction(row.get(n))  # None, or NaN from a backend, is no rows: 0
            return Value(x) if x else zero

        return count
    if m.agg in ("sum", "stock"):

        def total(row: dict[str, Any]) -> Value:
            return Value(_to_fraction(row.get(s)) or Fraction(0)) if _to_fraction(row.get(c)) else zero

        return total
    scale = DURATION_UNITS[m.per] if m.agg == "duration" else 1

    def other(row: dict[str, Any]) -> Value:
        if m.agg in ("mean", "duration") and c in row:
            sv, cv = _to_fraction(row.get(s)), _to_fraction(row.get(c))
            if not cv or sv is None:
                return no_rows
            return Value(sv / cv / scale)
        x = _to_fraction(row.get(v))
        if x is None:
            return no_rows
        return Value(x / scale if m.agg == "duration" else x)

    return other


__all__ = ["COMPANY", "Cell", "MetricsEngine", "Results", "Value"]
