"""The records behind a measured figure: the rows one base measure counts for one scope and
span, built from the measure's own definition (table, time column, attribution, filter) so
that a drill-down lists exactly the rows the engine aggregated — never a filter re-derived
by hand.

``record_rows`` gives an Ibis table of those rows with the display columns of the table
(related names joined in as the engine joins them, ``account__name`` …); ``record_value``
the measure's value over them, computed with the engine's own aggregates.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from rashinban.kpi.calendar import Span
from rashinban.metrics.expressions import DECOMPOSABLE, in_span, needed_columns, partials, whole
from rashinban.metrics.filters import to_ibis
from rashinban.metrics.measures import DURATION_UNITS, Measure
from rashinban.metrics.tables import TABLE_RELATIONS, TABLES, table_expr
from rashinban.org.scopes import ScopeIndex

# the columns a drill-down shows per table (engine names; ``account__name`` is joined in)
DISPLAY: dict[str, tuple[str, ...]] = {
    "deals": ("id", "name", "account__name", "stage", "amount", "created_at", "closed_at", "is_won"),
    "leads": ("id", "account__name", "channel", "status", "created_at", "sql_at"),
    "activities": ("id", "type", "outcome", "subject", "occurred_at", "account__name", "deal_id", "lead_id"),
    "deal_stage_entries": ("deal_id", "stage", "entered_at", "amount", "account__name"),
    "contracts": ("id", "account__name", "start_on", "end_on", "mrr", "status"),
    "surveys": ("id", "account__name", "kind", "score", "answered_at"),
    "spend": ("id", "channel", "period_start", "period_end", "amount"),
}
ACCOUNT = "account_id"  # not shown: links a row's account name to the customer page
WHO = "_who"  # the attributed member (or team) id of each row
HIT = "_hit"  # a share measure: whether the row meets the measure's filter


def scope_keys(scopes: ScopeIndex, table: str, key: tuple[str, int]) -> list[int]:
    """The member (or team) ids whose rows count for ``key`` — the engine's scope map."""
    data = scopes.member_map() if TABLES[table].scope_kind == "member" else scopes.team_map()
    return [
        int(k)
        for k, st, sid in zip(data["_key"], data["scope_type"], data["scope_id"], strict=True)
        if (st, int(sid)) == key
    ]


def record_rows(con: Any, m: Measure, span: Span, keys: list[int]) -> ir.Table:
    """The rows of base measure ``m`` in ``span`` attributed to one of ``keys`` (a share
    measure: the rows below its line, ``_hit`` telling which of them meet its filter)."""
    assert m.is_base and m.table is not None and m.scope is not None
    shown = [
        c for c in DISPLAY[m.table] if not c.startswith("account__") or "account" in TABLE_RELATIONS[m.table]
    ]
    t = table_expr(con, m.table, needed_columns(m) | set(shown))
    if m.agg == "stock":
        assert m.start and m.end
        end = ibis.literal(span.end)
        t = t.filter((t[m.start].cast("date") <= end) & (t[m.end].isnull() | (t[m.end].cast("date") > end)))
    else:
        assert m.time is not None
        t = t.filter(in_span(t[m.time], span))
    t = t.mutate(**{WHO: t[m.scope].cast("int64").fill_null(-1)})
    t = t.filter(t[WHO].isin(keys))
    if m.agg == "share":
        if m.of is not None:
            t = t.filter(to_ibis(m.of, t))
        assert m.filter is not None
        t = t.mutate(**{HIT: to_ibis(m.filter, t).fill_null(False)})
    elif m.filter is not None:
        t = t.filter(to_ibis(m.filter, t))
    return t


def display_columns(m: Measure) -> list[str]:
    assert m.table is not None
    cols = [
        c for c in DISPLAY[m.table] if not c.startswith("account__") or "account" in TABLE_RELATIONS[m.table]
    ]
    extra = [c for c in (m.column, m.time) if c and c not in cols and "__" not in c]
    return cols + extra + ([HIT] if m.agg == "share" else [])


def record_value(m: Measure, t: ir.Table) -> float | None:
    """The measure's value over the rows (what the figure shows for this scope and span)."""
    if m.agg in DECOMPOSABLE or (m.agg == "duration" and m.stat == "mean"):
        parts = partials(m, t)
        row = t.aggregate(**parts).to_pyarrow().to_pylist()[0]
        if f"{m.id}__n" in row:
            return float(row[f"{m.id}__n"] or 0)
        s, c = row[f"{m.id}__s"], row[f"{m.id}__c"]
        if m.agg == "sum" or (m.agg == "stock" and m.column):
            return float(s or 0)
        if not c:
            return None
        value = float(s) / float(c)
        return value / DURATION_UNITS[m.per] if m.agg == "duration" else value
    row = t.aggregate(v=whole(m, t)).to_pyarrow().to_pylist()[0]
    if row["v"] is None:
        return None
    return float(row["v"]) / DURATION_UNITS[m.per] if m.agg == "duration" else float(row["v"])


def page(
    t: ir.Table, cols: list[str], sort: str, desc: bool, offset: int, limit: int | None
) -> list[dict[str, Any]]:
    """One page of the rows, sorted on ``sort`` (then the first column, for a stable order),
    with the row's account id (for a link to the customer page) when the table has one."""
    key = t[sort].desc() if desc else t[sort].asc()
    tie = cols[0]
    link = [ACCOUNT] if ACCOUNT in t.columns and ACCOUNT not in cols else []
    q = t.select(*cols, *link, WHO).order_by([key, t[tie].asc()] if tie != sort else [key])
    if limit is not None:
        q = q.limit(limit, offset=offset)
    rows: list[dict[str, Any]] = q.to_pyarrow().to_pylist()
    return rows


def count(t: ir.Table) -> int:
    return int(t.aggregate(n=t.count()).to_pyarrow().to_pylist()[0]["n"] or 0)


# the funnel's stage counts (analysis/funnel.py) ------------------------------------------------
FUNNEL_DISPLAY = (
    "id",
    "name",
    "account__name",
    "stage",
    "amount",
    "funnel_entered_at",
    "reached",
    "closed_at",
)
REACHED = "reached"


def funnel_deals(con: Any, span: Span, stages: tuple[str, ...], at: int, keys: list[int]) -> ir.Table:
    """The deals one stage count of the funnel counts: the deals whose first entry into a
    funnel stage falls in ``span`` (their cohort), that reached stage ``at`` or a later one,
    owned by one of ``keys`` — the rule of ``analysis.funnel.compute_funnel`` row for row."""
    h = table_expr(con, "deal_stage_entries")
    idx = ibis.memtable({"_stage": list(stages), "_idx": list(range(len(stages)))})
    staged = h.join(idx, h.stage == idx._stage)
    per_deal = staged.group_by(_did=staged.deal_id).aggregate(
        _reached=staged._idx.max(), funnel_entered_at=staged.entered_at.min(), _owner=staged.owner_id.max()
    )
    per_deal = per_deal.mutate(**{WHO: per_deal._owner.cast("int64").fill_null(-1)})
    per_deal = per_deal.filter(in_span(per_deal.funnel_entered_at, span) & (per_deal._reached >= at))
    per_deal = per_deal.filter(per_deal[WHO].isin(keys))
    names = idx.select(_ridx=idx._idx, **{REACHED: idx._stage})
    per_deal = per_deal.join(names, per_deal._reached == names._ridx)
    d = table_expr(con, "deals", ["account__name"])
    j = d.join(per_deal, d.id == per_deal._did)
    return j.select(*FUNNEL_DISPLAY, ACCOUNT, WHO)
