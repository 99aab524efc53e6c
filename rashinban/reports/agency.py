"""The agency's monthly report for its client: the agency page's read model (``AgencyResult``
dumped) as a document — the ROI, every agency KPI with target, actual, achievement, pace and
definition, and the monthly trend — so the PDF and the XLSX carry the page's figures."""

from __future__ import annotations

from typing import Any

from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.reports import charts
from rashinban.reports.document import Column, Document, Figures, Table

Data = dict[str, Any]
TREND = (
    ("roi", "number"),
    ("roi_target", "number"),
    ("appointments", "int"),
    ("appointments_target", "int"),
    ("handoffs", "int"),
    ("client_wins", "int"),
    ("client_win_rate", "ratio"),
    ("calls", "int"),
    ("fee", "yen"),
    ("cost_per_appointment", "yen"),
    ("cost_per_win", "yen"),
)


def _r(key: str, lang: str, **p: Any) -> str:
    return t(f"report.{key}", lang, **p)


def _pct(v: Any) -> str:
    return fmt.percent(v) if v is not None else "—"


def _value(v: Any, unit: str, lang: str) -> str:
    return fmt.value(v, unit, lang) if v is not None else "—"


def _kpi_rows(kpis: list[Data], lang: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "kpi": k["label"],
            "id": k["id"],
            "_unit": k["unit"],
            "target": k["target"],
            "actual": k["actual"],
            "achievement": k["achievement"],
            "pace": k["pace"],
            "status": t(f"status.{k['status']}", lang),
            "_status": k["status"],
            "definition": k["definition"],
        }
        for k in kpis
    )


def agency_doc(d: Data, lang: str, generated: str) -> Document:
    """The report of one agency team for one period (``d``: ``AgencyResult.model_dump``)."""
    kgi = d["kgi"]
    kpis = [kgi, *d["kpis"]]
    team = d["team"]["name"]
    head = Figures(
        t("agency.kgi", lang),
        (
            (t("agency.client", lang), d["client"] or "—"),
            (_r("col_target", lang), _value(kgi["target"], kgi["unit"], lang)),
            (_r("col_actual", lang), _value(kgi["actual"], kgi["unit"], lang)),
            (_r("col_achievement", lang), _pct(kgi["achievement"])),
            (_r("col_pace", lang), _pct(kgi["pace"])),
            (_r("col_status", lang), t(f"status.{kgi['status']}", lang)),
        ),
    )
    columns = (
        Column("kpi", _r("col_kpi", lang)),
        Column("id", _r("col_id", lang)),
        Column("target", _r("col_target", lang), "unit"),
        Column("actual", _r("col_actual", lang), "unit"),
        Column("achievement", _r("col_achievement", lang), "ratio"),
        Column("pace", _r("col_pace", lang), "ratio"),
        Column("status", _r("col_status", lang)),
        Column("definition", _r("col_definition", lang)),
    )
    trend = d["trend"]
    partial = [i for i, p in enumerate(trend) if p.get("partial")]
    chart = charts.line(
        [p["period"] for p in trend],
        [p["roi"] for p in trend],
        [p["roi_target"] for p in trend],
        axis=lambda v: fmt.axis_value(v, "number", lang),
        partial=partial[-1] if partial else None,
        partial_label=t("dash.to_date", lang),
    )
    trend_cols = (
        Column("period", t("agency.col_month", lang)),
        *(Column(key, t(f"agency.col_{key}", lang), kind) for key, kind in TREND),
    )
    return Document(
        "agency",
        f"{t('agency.report_title', lang)} · {team} · {d['period']}",
        _r("subtitle", lang, model=d["model"], as_of=d["as_of"]),
        lang,
        generated,
        (
            head,
            Table(t("agency.sheet_kpis", lang), t("agency.title", lang), columns, _kpi_rows(kpis, lang)),
            Table(
                t("agency.sheet_trend", lang),
                t("agency.trend", lang),
                trend_cols,
                tuple({k: p[k] for k in ("period", *(c for c, _ in TREND))} for p in trend),
                chart,
                t("agency.own_only", lang),
            ),
        ),
        f"rashinban-agency-{d['team']['id']}-{d['period']}",
    )


__all__ = ["agency_doc"]
