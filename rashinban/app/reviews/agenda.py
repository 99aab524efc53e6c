"""A review meeting's agenda built from the data as of now: the KGI and its projection, the
KPIs off pace ranked by their effect on the KGI, the funnel stage with the largest
shortfall, the insights' bottleneck and diagnosis, open alerts and stalled deals, and the
previous meeting's action items with their observed effect — read through the app layer
(dashboards, insights, forecasts, alerts), never recomputed here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from rashinban.analysis.review import PaceInput, funnel_shortfall, rank_off_pace
from rashinban.app.context import AppContext
from rashinban.app.models import Bundle
from rashinban.app.results.reviews import (
    ActionView,
    AgendaAlert,
    AgendaFunnel,
    AgendaKgi,
    AgendaKpi,
    AgendaSnapshot,
    Section,
)
from rashinban.app.reviews.common import ScopeKey, scope_text
from rashinban.errors import RashinbanError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.i18n.stages import stage_label
from rashinban.kpi.calendar import parse_period

SECTIONS = ("numbers", "factors", "market", "proposals", "next_actions")  # seed 000's strategy meeting
KIND_SECTION = {
    "kgi": "numbers",
    "kpi": "numbers",
    "funnel": "numbers",
    "alerts": "numbers",
    "stalled": "numbers",
    "bottleneck": "factors",
    "diagnosis": "factors",
    "market": "market",
    "suggestion": "proposals",
    "previous_actions": "next_actions",
}
MAX_KPIS = 8
MAX_ALERTS = 20


def default_sections(lang: str) -> list[Section]:
    return [Section(key=k, label=t(f"review.section_{k}", lang)) for k in SECTIONS]


@dataclass
class Sources:
    """The app modules the agenda reads (given by the facade's composition)."""

    dashboards: Any
    insights: Any
    forecasts: Any
    alerts: Any


def _fr(v: float | None) -> Fraction | None:
    return Fraction(str(v)) if v is not None else None


def _months_before(label: str, n: int) -> str:
    y, m = (int(x) for x in label.split("-")[:2])
    first = (y * 12 + m - 1) - n
    last = (y * 12 + m - 1) - 1
    return f"{first // 12:04d}-{first % 12 + 1:02d}..{last // 12:04d}-{last % 12 + 1:02d}"


def build(
    ctx: AppContext,
    src: Sources,
    b: Bundle,
    key: ScopeKey,
    period: str | None,
    model_path: Any,
    previous: dict[str, Any] | None,
    previous_actions: list[ActionView],
) -> tuple[AgendaSnapshot, list[dict[str, Any]]]:
    """The snapshot of every number shown and the generated agenda items (in order)."""
    lang = ctx.lang
    scope = scope_text(key)
    as_of = ctx.today()
    tree = src.dashboards.tree(model_path, period, scope)
    model = b.model
    nodes = {n.id: n for n in tree.nodes}
    kgi_node = nodes.get(model.kgi)
    kgi = _kgi(src, model_path, scope, tree.period, kgi_node, lang) if kgi_node is not None else None
    kpis = _ranked(b, nodes, lang)
    funnel = _funnel(src, model_path, scope, tree.period, lang)
    bottleneck = diagnosis = None
    market: list[str] = []
    suggestions: list[str] = []
    try:
        rs = src.insights.review_section(model_path, tree.period, scope)
        bottleneck = rs.bottleneck.bottleneck.text if rs.bottleneck.bottleneck is not None else None
        diagnosis = rs.diagnosis.summary
        market = [s.text for s in rs.diagnosis.signs if s.cause == "market" and s.present]
        suggestions = [a.text for a in rs.diagnosis.actions][:5]
    except RashinbanError:
        pass
    since = (
        previous["created_at"]
        if previous
        else datetime.combine(as_of - timedelta(days=7), datetime.min.time())
    )
    alert_scope = None if key[0] == "company" else scope
    alerts = [_alert(a, since) for a in src.alerts.open_alerts(alert_scope) if a.kind != "stalled_deal"]
    stalled = [_alert(a, since) for a in src.alerts.stalled_deals(alert_scope)]
    snap = AgendaSnapshot(
        built_at=ctx.now(),
        as_of=as_of,
        period=tree.period,
        model=tree.model,
        kgi=kgi,
        kpis=kpis,
        funnel=funnel,
        bottleneck=bottleneck,
        diagnosis=diagnosis,
        market=market,
        suggestions=suggestions,
        alerts=alerts[:MAX_ALERTS],
        stalled=stalled[:MAX_ALERTS],
        previous_meeting=previous["id"] if previous else None,
        previous_actions=previous_actions,
    )
    return snap, items_for(snap, lang)


def _kgi(src: Sources, model_path: Any, scope: str, period: str, n: Any, lang: str) -> AgendaKgi:
    p50 = p_achieve = None
    try:
        band = src.forecasts.band(model_path, scope)
        if band is not None and band.period == period:
            p50, p_achieve = band.p50, band.p_achieve
    except RashinbanError:
        pass
    return AgendaKgi(
        node=n.id,
        label=n.label,
        unit=n.unit,
        period=period,
        target=n.target,
        actual=n.actual,
        projected=n.projected,
        achievement=n.achievement,
        pace=n.pace,
        status=n.status,
        target_text=fmt.value(n.target, n.unit, lang) if n.target is not None else "—",
        actual_text=fmt.value(n.actual, n.unit, lang) if n.actual is not None else "—",
        projected_text=fmt.value(n.projected, n.unit, lang) if n.projected is not None else "—",
        forecast_p50=p50,
        p_achieve=p_achieve,
    )


def _ranked(b: Bundle, nodes: dict[str, Any], lang: str) -> list[AgendaKpi]:
    model = b.model
    kgi = nodes.get(model.kgi)
    if kgi is None or kgi.target is None:
        return []
    plan: dict[str, Fraction] = {}
    for nid, n in nodes.items():
        v = n.target if n.target is not None else n.actual
        if v is not None:
            plan[nid] = Fraction(str(v))
    rows = [
        PaceInput(n.id, n.status, _fr(n.target), _fr(n.actual), _fr(n.projected), n.direction == "lower")
        for n in nodes.values()
    ]
    ranked = rank_off_pace(model, rows, plan, b.plan.additive, Fraction(str(kgi.target)))
    out = []
    for i, r in enumerate(ranked[:MAX_KPIS], start=1):
        n = nodes[r.node]
        unit = str(n.unit)
        effect_text = fmt.value(r.effect, str(kgi.unit), lang)
        out.append(
            AgendaKpi(
                rank=i,
                node=r.node,
                label=n.label,
                unit=n.unit,
                status=r.status,
                target=float(r.target),
                expected=float(r.expected),
                gap=float(r.gap),
                elasticity=float(r.elasticity),
                effect=float(r.effect),
                target_text=fmt.value(r.target, unit, lang),
                expected_text=fmt.value(r.expected, unit, lang),
                effect_text=effect_text,
                text=t(
                    "review.kpi_line",
                    lang,
                    label=n.label,
                    expected=fmt.value(r.expected, unit, lang),
                    target=fmt.value(r.target, unit, lang),
                    gap=fmt.percent(r.gap),
                    elasticity=fmt.number(r.elasticity, 2),
                    effect=effect_text,
                    kgi=kgi.label,
                ),
            )
        )
    return out


def _funnel(src: Sources, model_path: Any, scope: str, period: str, lang: str) -> AgendaFunnel | None:
    try:
        span = parse_period(period)
        res = src.dashboards.funnel(model_path, _months_before(f"{span.start:%Y-%m}", 4), scope)
    except RashinbanError:
        return None
    months = [(m.period, [(s.stage, s.count) for s in m.stages]) for m in res.periods]
    found = funnel_shortfall(months)
    if found is None:
        return None
    return AgendaFunnel(
        stage=found.stage,
        previous=found.previous,
        month=found.month,
        conversion=float(found.conversion),
        usual=float(found.usual),
        lost=float(found.lost),
        text=t(
            "review.funnel_line",
            lang,
            previous=found.previous,
            stage=found.stage,
            month=found.month,
            conversion=fmt.percent(found.conversion),
            usual=fmt.percent(found.usual),
            lost=fmt.number(found.lost, 1),
        ),
    )


def _alert(a: Any, since: datetime) -> AgendaAlert:
    return AgendaAlert(
        id=a.id,
        kind=a.kind,
        severity=a.severity,
        message=a.message,
        url=a.url,
        new=a.opened_at > since,
        opened_at=a.opened_at,
        deal_id=a.deal_id,
    )


def items_for(snap: AgendaSnapshot, lang: str) -> list[dict[str, Any]]:
    """The generated agenda items, section by section (refs point into the snapshot)."""
    items: list[dict[str, Any]] = []

    def add(kind: str, title: str, ref: str | None = None) -> None:
        items.append({"section": KIND_SECTION[kind], "kind": kind, "title": title, "data": {"ref": ref}})

    if snap.kgi is not None:
        k = snap.kgi
        add(
            "kgi",
            t(
                "review.item_kgi",
                lang,
                label=k.label,
                actual=k.actual_text,
                target=k.target_text,
                projected=k.projected_text,
            ),
            k.node,
        )
    for kpi in snap.kpis:
        add(
            "kpi",
            t("review.item_kpi", lang, rank=kpi.rank, label=kpi.label, effect=kpi.effect_text),
            kpi.node,
        )
    if snap.funnel is not None:
        add(
            "funnel",
            t("review.item_funnel", lang, stage=stage_label(snap.funnel.stage, lang)),
            snap.funnel.stage,
        )
    if snap.alerts:
        add(
            "alerts",
            t("review.item_alerts", lang, count=len(snap.alerts), new=sum(a.new for a in snap.alerts)),
        )
    if snap.stalled:
        add("stalled", t("review.item_stalled", lang, count=len(snap.stalled)))
    if snap.bottleneck:
        add("bottleneck", t("review.item_bottleneck", lang))
    if snap.diagnosis:
        add("diagnosis", t("review.item_diagnosis", lang))
    add("market", t("review.item_market", lang))
    add("suggestion", t("review.item_suggestion", lang))
    if snap.previous_actions:
        add("previous_actions", t("review.item_previous_actions", lang, count=len(snap.previous_actions)))
    return items


def place(items: list[dict[str, Any]], sections: list[Section]) -> list[dict[str, Any]]:
    """Items in the template's section order; a kind whose section the template lacks goes
    to the first section; every section without an item gets an empty one to talk in."""
    keys = [s.key for s in sections]
    first = keys[0] if keys else "numbers"
    for it in items:
        if it["section"] not in keys:
            it["section"] = first
    out: list[dict[str, Any]] = []
    for s in sections:
        mine = [it for it in items if it["section"] == s.key]
        out += mine or [{"section": s.key, "kind": "free", "title": s.label, "data": None}]
    return out


__all__ = ["KIND_SECTION", "SECTIONS", "Sources", "build", "default_sections", "items_for", "place"]
