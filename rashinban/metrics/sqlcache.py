"""Compiled SQL of the engine's queries, cached by query shape.

Compiling an Ibis expression costs far more than running it on dashboard-sized data, so the
SQL text (with the small in-memory tables inlined as VALUES) is kept per (backend, table,
measures, span, period kind, scope map).  The scope map is left as a placeholder and written
in per run, so one compiled query serves every scope set.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from rashinban.metrics.measures import Measure

_SQL_CACHE: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_SQL_CACHE_SIZE = 512
_SQL_LOCK = threading.Lock()

SCOPE_MAP = "rashinban_scope_map"  # the scope map's placeholder name in cached SQL
SCOPE_COLUMNS = ("_key", "scope_type", "scope_id")


def measure_key(m: Measure) -> tuple[Any, ...]:
    return (
        m.id,
        m.agg,
        m.table,
        m.column,
        m.filter_text,
        m.time,
        m.start,
        m.end,
        m.stat,
        m.per,
        m.scope,
        m.of_text,
    )


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


def _values_sql(df: Any) -> str:
    cols = list(df.columns)
    return values_of(cols, [df[c].tolist() for c in cols])


def values_of(cols: list[str], columns: list[list[Any]]) -> str:
    rows = zip(*columns, strict=True)
    values = ", ".join("(" + ", ".join(_sql_literal(v) for v in row) + ")" for row in rows)
    names = ", ".join('"' + str(c).replace('"', '""') + '"' for c in cols)
    return f"(SELECT * FROM (VALUES {values}) AS _v({names}))"


def inline_sql(expr: ir.Table) -> str:
    """SQL of ``expr`` with its in-memory tables written out as VALUES (no registration)."""
    sql = str(ibis.to_sql(expr))
    for op in expr.op().find(ops.InMemoryTable):
        if tuple(op.schema.names) == SCOPE_COLUMNS:  # filled in per run: one compiled query
            sql = sql.replace(f'"{op.name}"', f'"{SCOPE_MAP}"')  # serves every scope set
        else:
            sql = sql.replace(f'"{op.name}"', _values_sql(op.data.to_frame()))
    return sql


def cached_sql(key: tuple[Any, ...], build: Callable[[], ir.Table]) -> str:
    """The inlined SQL of ``build()``, compiled once per ``key`` (the least recently used go)."""
    with _SQL_LOCK:
        sql = _SQL_CACHE.get(key)
        if sql is not None:
            _SQL_CACHE.move_to_end(key)
    if sql is None:
        sql = inline_sql(build())
        with _SQL_LOCK:
            _SQL_CACHE[key] = sql
            while len(_SQL_CACHE) > _SQL_CACHE_SIZE:
                _SQL_CACHE.popitem(last=False)
    return sql


def with_scope_map(sql: str, smap: dict[str, list[Any]]) -> str:
    """Cached SQL with the scope map ``smap`` written in as VALUES."""
    return sql.replace(f'"{SCOPE_MAP}"', values_of(list(SCOPE_COLUMNS), [smap[c] for c in SCOPE_COLUMNS]))
