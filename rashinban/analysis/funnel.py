"""The sales funnel from deal stage history: counts, conversion, drop-off, days in stage.

A deal belongs to the cohort of the period in which it entered the funnel (its first stage
entry).  It counts at every stage up to the furthest funnel stage it reached, so counts
never grow down the funnel.  Days in a stage run from entering it to entering the next
stage of the deal's history (any later stage, e.g. 失注).  Everything is grouped per scope
(company, every team, every member) in the same way as the metrics engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import ibis

from rashinban.kpi.calendar import Span, spans_in
from rashinban.kpi.units import Period
from rashinban.metrics.engine import _in_span, _to_date, period_start_expr
from rashinban.metrics.tables import table_expr
from rashinban.org.scopes import ScopeIndex

DEFAULT_STAGES = ("リード獲得", "アポイント", "初回訪問", "提案・見積", "クロージング", "受注")


@dataclass(frozen=True)
class FunnelRow:
    scope_type: str
    scope_id: int
    scope: str
    period: str
    stage: str
    index: int
    count: int
    conversion: Fraction | None  # from the previous stage
    cumulative: Fraction | None  # from the first stage
    drop_off: int | None  # lost before the next stage
    median_days: float | None  # time spent in this stage (deals that moved on)


def compute_funnel(
    con: Any,
    scopes: ScopeIndex,
    span: Span,
    kind: Period,
    fiscal_year_start: int = 4,
    stages: tuple[str, ...] = DEFAULT_STAGES,
    only: set[tuple[str, int]] | None = None,
) -> list[FunnelRow]:
    """``only``: compute these scopes only (the company is always among them)."""
    h = table_expr(con, "deal_stage_entries")
    # a deal whose first entry falls in the span has an entry in the span: look at those only
    touched = h.filter(_in_span(h.entered_at, span)).select("deal_id").distinct()
    h = h.semi_join(touched, h.deal_id == touched.deal_id)
    data = scopes.member_map()
    if only is not None:
        keep = [
            i
            for i, key in enumerate(zip(data["scope_type"], data["scope_id"], strict=True))
            if key in only or key[0] == "company"
        ]
        data = {c: [data[c][i] for i in keep] for c in data}
    smap = ibis.memtable(data)
    idx = ibis.memtable({"stage": list(stages), "_idx": list(range(len(stages)))})
    # time in each history entry: until the deal's next entry
    w = ibis.window(group_by=h.deal_id, order_by=[h.entered_at, h.id])
    h = h.mutate(_next=h.entered_at.lead().over(w))
    h = h.mutate(_secs=(h._next.epoch_seconds() - h.entered_at.epoch_seconds()).cast("float64"))
    staged = h.join(idx, h.stage == idx.stage)
    per_deal = staged.group_by(staged.deal_id).aggregate(
        _reached=staged._idx.max(), _entered=staged.entered_at.min(), _owner=staged.owner_id.max()
    )
    per_deal = per_deal.filter(_in_span(per_deal._entered, span))
    per_deal = per_deal.mutate(
        _p=period_start_expr(per_deal._entered, kind, fiscal_year_start),
        _key=per_deal._owner.cast("int64").fill_null(-1),
    )
    j = per_deal.join(smap, per_deal._key == smap._key)
    reached = j.group_by(["scope_type", "scope_id", "_p", "_reached"]).aggregate(n=j.count()).execute()
    # median days in stage, for deals of the same cohorts
    stay = staged.join(per_deal.select("deal_id", "_p", "_key"), "deal_id")
    stay = stay.filter(stay._secs.notnull())
    sj = stay.join(smap, stay._key == smap._key)
    days = sj.group_by(["scope_type", "scope_id", "_p", "_idx"]).aggregate(med=sj._secs.median()).execute()

    counts: dict[tuple[str, int, date], list[int]] = {}
    for r in reached.to_dict("records"):
        key = (str(r["scope_type"]), int(r["scope_id"]), _to_date(r["_p"]))
        counts.setdefault(key, [0] * len(stages))[int(r["_reached"])] += int(r["n"])
    medians = {
        (str(r["scope_type"]), int(r["scope_id"]), _to_date(r["_p"]), int(r["_idx"])): float(r["med"]) / 86400
        for r in days.to_dict("records")
        if r["med"] is not None
    }
    labels = {p.start: p.label for p in spans_in(span, kind, fiscal_year_start)}
    rows: list[FunnelRow] = []
    order = {"company": 0, "team": 1, "member": 2}
    for (stype, sid, p), at in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2])):
        # a deal that reached stage k also passed every stage before it
        cum = [sum(at[i:]) for i in range(len(stages))]
        scope = scopes.scopes.get((stype, sid))
        for i, stage in enumerate(stages):
            nxt = cum[i + 1] if i + 1 < len(stages) else None
            rows.append(
                FunnelRow(
                    stype,
                    sid,
                    scope.name if scope else str(sid),
                    labels.get(p, p.isoformat()),
                    stage,
                    i,
                    cum[i],
                    Fraction(cum[i], cum[i - 1]) if i and cum[i - 1] else None,
                    Fraction(cum[i], cum[0]) if cum[0] else None,
                    cum[i] - nxt if nxt is not None else None,
                    medians.get((stype, sid, p, i)),
                )
            )
    return rows
