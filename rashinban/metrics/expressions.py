"""The Ibis expressions the metrics engine is built from: periods, spans and aggregates.

Decomposable measures become additive partial aggregates (sums and counts) that can be
summed up the scope tree; the others (distinct counts, medians) are whole aggregates taken
per scope after the join.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir

from rashinban.kpi.calendar import Span
from rashinban.kpi.units import Period
from rashinban.metrics.filters import columns as filter_columns
from rashinban.metrics.filters import to_ibis
from rashinban.metrics.measures import Measure, MeasureError
from rashinban.metrics.tables import allowed_related, shown_name

DECOMPOSABLE = {"count", "sum", "mean", "stock", "share"}


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
    if kind is Period.HALF:  # 上期 / 下期: the shifted year's first or seventh month
        start = ibis.ifelse(shifted.month() > 6, start + ibis.interval(months=6), start)
    return (start + ibis.interval(months=shift) if shift else start).cast("date")


def in_span(col: ir.Value, span: Span) -> ir.BooleanValue:
    if col.type().is_date():
        return (col >= ibis.literal(span.start)) & (col <= ibis.literal(span.end))
    lo = datetime.combine(span.start, datetime.min.time())
    hi = datetime.combine(span.end + timedelta(days=1), datetime.min.time())
    return (col >= ibis.literal(lo)) & (col < ibis.literal(hi))


def needed_columns(m: Measure) -> set[str]:
    """Every column a base measure reads (related ones as ``account__industry``)."""
    wanted = {c for c in (m.column, m.start, m.end, m.time, m.scope) if c}
    if m.filter is not None:
        wanted |= filter_columns(m.filter)
    if m.of is not None:
        wanted |= filter_columns(m.of)
    return wanted


def check_columns(m: Measure, t: ir.Table) -> None:
    missing = sorted(needed_columns(m) - set(t.columns))
    if missing:
        allowed = [c for c in t.columns if not c.startswith("_")]
        allowed += [c for c in allowed_related(m.table or "") if c not in allowed]
        raise MeasureError(
            "measure_unknown_column",
            measure=m.id,
            table=m.table,
            column=shown_name(missing[0]),
            allowed=", ".join(shown_name(c) for c in allowed),
        )


def partials(m: Measure, t: ir.Table) -> dict[str, ir.Scalar]:
    """Additive partial aggregates of a decomposable measure over member-level groups."""
    where = to_ibis(m.filter, t) if m.filter is not None else None
    if m.agg == "count":
        return {f"{m.id}__n": t.count(where=where)}
    if m.agg == "share":
        of = to_ibis(m.of, t) if m.of is not None else None
        hit = where if of is None else (where & of if where is not None else of)
        return {f"{m.id}__s": t.count(where=hit), f"{m.id}__c": t.count(where=of)}
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


def whole(m: Measure, t: ir.Table) -> ir.Scalar:
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
