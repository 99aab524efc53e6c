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

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import ibis
import ibis.expr.types as ir

from rashinban.kpi.calendar import Span, spans_in
from rashinban.kpi.units import Period
from rashinban.metrics.breakdown import check_dimension, dim_columns, dim_expr, split_rows
from rashinban.metrics.expressions import (
    DECOMPOSABLE,
    check_columns,
    in_span,
    needed_columns,
    partials,
    period_start_expr,
    whole,
)
from rashinban.metrics.measures import Measure, closure
from rashinban.metrics.results import (
    Cell,
    Results,
    Value,
    absorb,
    evaluate_formulas,
    fill_zeros,
    to_date,
)
from rashinban.metrics.sqlcache import cached_sql, measure_key, with_scope_map
from rashinban.metrics.tables import TABLES, table_expr
from rashinban.org.scopes import COMPANY, ScopeIndex

CACHED_BACKENDS = ("duckdb", "postgres")  # compiled once per query shape (see ``sqlcache.py``)

_in_span, _to_date = in_span, to_date  # the names ``rashinban.analysis.funnel`` imports from here


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
        kind: Period | None,
    ) -> Results:
        """Every measure in ``wanted`` (and what it needs) for each period of ``kind`` in
        ``span``; ``kind`` None: the whole span as one period (a range's total, 累計)."""
        names = closure(list(wanted), measures)
        periods = spans_in(span, kind, self.fys) if kind is not None else [span]
        whole = Span(periods[0].start, periods[-1].end, "range", span.label)
        res = Results(periods=periods, period_kind=kind or Period.MONTH)
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
        keys = list(self._keys())
        fill_zeros(res, [measures[n] for n in names], keys)
        evaluate_formulas(res, measures, names, keys)
        return res

    def compute_by(
        self, measures: dict[str, Measure], wanted: Iterable[str], span: Span, dim: str
    ) -> dict[str, Results]:
        """The measures over the whole ``span`` per value of the breakdown ``dim`` (channel,
        product, industry …; see ``breakdown.py``); stock measures have no breakdown."""
        check_dimension(dim)
        names = closure(list(wanted), measures)
        out: dict[str, Results] = {}
        groups: dict[tuple[str, str | None, str | None], list[Measure]] = defaultdict(list)
        for mid in names:
            m = measures[mid]
            if m.is_base and m.agg != "stock":
                assert m.table is not None
                groups[(m.table, m.time, m.scope)].append(m)
        for (table, time_col, scope_col), ms in groups.items():
            assert time_col is not None
            self._grouped(
                Results([span], Period.MONTH), table, time_col, scope_col, ms, span, None, (dim, out)
            )
        keys = list(self._keys())
        for res in out.values():
            res.periods = [span]
            if self.only is not None:
                res.values = {c: v for c, v in res.values.items() if (c[0], c[1]) in self.only}
            fill_zeros(res, [measures[n] for n in names], keys)
            evaluate_formulas(res, measures, names, keys)
        return out

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
        sql = with_scope_map(cached_sql((backend, *key), build), smap)
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
        kind: Period | None,
        by: tuple[str, dict[str, Results]] | None = None,
    ) -> None:
        """Base measures of one table and time column: member-level partial aggregates joined
        to the scope map; ``by``: (dimension, results per value) for a breakdown."""
        col, data = self._scope_data(table, scope_col)
        dim = by[0] if by else None
        dec = [m for m in ms if m.agg in DECOMPOSABLE or (m.agg == "duration" and m.stat == "mean")]
        other = [m for m in ms if m not in dec]
        key = (
            "grouped",
            table,
            time_col,
            col,
            tuple(measure_key(m) for m in ms),
            span.start,
            span.end,
            kind.value if kind is not None else "total",
            self.fys,
            dim,
        )
        built: dict[str, ir.Table] = {}

        def build(which: str) -> ir.Table:
            if not built:
                wanted = set().union(*(needed_columns(m) for m in ms))
                wanted |= set(dim_columns(dim, table)) if dim else set()
                t = table_expr(self.con, table, wanted)
                for m in ms:
                    check_columns(m, t)
                smap = ibis.memtable(data)
                t = t.filter(in_span(t[time_col], span))
                period = (
                    period_start_expr(t[time_col], kind, self.fys)
                    if kind is not None
                    else ibis.literal(span.start).cast("date")
                )
                t = t.mutate(_p=period, _key=t[col].cast("int64").fill_null(-1))
                if dim:
                    t = t.mutate(_d=dim_expr(t, dim, table))
                extra = ["_d"] if dim else []
                parts: dict[str, ir.Scalar] = {"_rows": t.count()}
                for m in dec:
                    parts.update(partials(m, t))
                inner = t.group_by(["_key", "_p", *extra]).aggregate(**parts)
                joined = inner.join(smap, inner._key == smap._key)
                built["dec"] = joined.group_by(["scope_type", "scope_id", "_p", *extra]).aggregate(
                    **{k: joined[k].sum() for k in parts}
                )
                if other:
                    j = t.join(smap, t._key == smap._key)
                    built["other"] = j.group_by(["scope_type", "scope_id", "_p", *extra]).aggregate(
                        **{f"{m.id}__v": whole(m, j) for m in other}
                    )
            return built[which]

        for which, group in (("dec", dec), ("other", other)):
            if not group:
                continue
            sql, df = self._run((*key, which), lambda which=which: build(which), data)  # type: ignore[misc]
            res.queries.append(sql)
            if by is None:
                absorb(res, table, df, group)
                continue
            for value, rows in split_rows(df).items():
                target = by[1].setdefault(value, Results([span], Period.MONTH))
                absorb(target, table, rows, group)

    def _stock(
        self, res: Results, table: str, scope_col: str | None, ms: list[Measure], periods: list[Span]
    ) -> None:
        """Rows active at the end of each period (start ≤ end of period < end or no end)."""
        col, data = self._scope_data(table, scope_col)
        bounds = tuple((p.start, p.end) for p in periods)

        def build(m: Measure) -> ir.Table:
            t = table_expr(self.con, table, needed_columns(m))
            check_columns(m, t)
            smap = ibis.memtable(data)
            pt = ibis.memtable({"_p": [p.start for p in periods], "_e": [p.end for p in periods]})
            assert m.start and m.end
            start = t[m.start].cast("date")
            end = t[m.end].cast("date")
            cond = (start <= pt._e) & (end.isnull() | (end > pt._e))
            j = t.cross_join(pt).filter(cond)
            j = j.mutate(_key=j[col].cast("int64").fill_null(-1))
            parts = {"_rows": j.count(), **partials(m, j)}
            inner = j.group_by(["_key", "_p"]).aggregate(**parts)
            joined = inner.join(smap, inner._key == smap._key)
            return joined.group_by(["scope_type", "scope_id", "_p"]).aggregate(
                **{k: joined[k].sum() for k in parts}
            )

        for m in ms:
            key = ("stock", table, col, measure_key(m), bounds)
            sql, df = self._run(key, lambda m=m: build(m), data)  # type: ignore[misc]
            res.queries.append(sql)
            absorb(res, f"{table}:stock", df, [m])


__all__ = ["COMPANY", "Cell", "MetricsEngine", "Results", "Value", "period_start_expr"]
