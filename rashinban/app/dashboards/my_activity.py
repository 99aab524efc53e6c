"""The rep's own activity KPIs on the home page: today's and this period's count, the target,
what was due by today (prorated by business days), pace and status."""

from __future__ import annotations

from rashinban.app.dashboards.board import Board, num
from rashinban.app.results.activities import ActivityCount, MyActivity
from rashinban.kpi.calendar import BusinessCalendar, span_of
from rashinban.kpi.units import Period
from rashinban.org.scopes import MEMBER


def activity_nodes(b: Board) -> list[str]:
    """The model's KPIs whose measure counts logged activities (calls, visits, appointments…),
    in the model's order."""
    out = []
    for nid, node in b.model.nodes.items():
        m = b.bundle.measures.get(node.measure or "")
        if m is not None and m.table == "activities" and m.agg == "count":
            out.append(nid)
    return out


def my_activity(b: Board, member_id: int, lang: str) -> MyActivity:
    """The activity KPIs with a target for the member this period (the default month)."""
    key = (MEMBER, member_id)
    span = b.month(None)
    day = span_of(b.as_of, Period.DAY, b.model.fiscal_year_start)
    nodes = activity_nodes(b)
    cal = BusinessCalendar(b.model.holidays)
    month_rows = b.status([key], [span], nodes).get((key, span.label), {}) if nodes else {}
    day_rows = b.status([key], [day], nodes).get((key, day.label), {}) if nodes else {}
    share = cal.elapsed_share(span, b.as_of)
    kpis = []
    for nid in nodes:
        row = month_rows.get(nid)
        if row is None or row.target is None:
            continue
        node = b.model.nodes[nid]
        today = day_rows.get(nid)
        kpis.append(
            ActivityCount(
                node=nid,
                label=node.name_en if lang == "en" and node.name_en else node.name,
                today=num(today.actual if today is not None else None) or 0.0,
                today_target=num(today.target) if today is not None else None,
                actual=num(row.actual) or 0.0,
                target=num(row.target),
                expected=num(row.target * share),
                pace=num(row.pace),
                status=row.status,
                per_day=num(row.per_day),
            )
        )
    return MyActivity(
        member_id=member_id,
        period=span.label,
        today=day.label,
        business_days=cal.business_days(span.start, span.end),
        elapsed_days=cal.business_days(span.start, b.as_of) if b.as_of >= span.start else 0,
        kpis=kpis,
    )
