"""Documents built from the read models the JSON twins return (their ``model_dump``): the
status of a scope, the KPI tree, the funnel, a review meeting and a 1on1."""

from __future__ import annotations

from typing import Any

from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.reports import charts
from rashinban.reports.document import Column, Document, Figures, Table

Data = dict[str, Any]


def _l(key: str, lang: str, **p: Any) -> str:
    return t(f"report.{key}", lang, **p)


def _v(value: Any, unit: str, lang: str) -> str:
    return fmt.value(value, unit, lang) if value is not None else "—"


def _status(s: Any, lang: str) -> str:
    return t(f"status.{s}", lang) if s else "—"


def _kpi_rows(nodes: list[Data], lang: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "node": n["label"],
            "id": n["id"],
            "unit": t(f"units.{n['unit']}", lang),
            "_unit": n["unit"],
            "target": n["target"],
            "actual": n["actual"],
            "achievement": n["achievement"],
            "pace": n["pace"],
            "projected": n.get("projected"),
            "status": _status(n["status"], lang),
            "_status": n["status"],
            "formula": n.get("formula") or "",
            "definition": n.get("definition") or "",
        }
        for n in nodes
    )


def _kpi_columns(lang: str, tree: bool = False) -> tuple[Column, ...]:
    cols = [
        Column("node", _l("col_kpi", lang)),
        Column("id", _l("col_id", lang)),
        Column("target", _l("col_target", lang), "unit"),
        Column("actual", _l("col_actual", lang), "unit"),
        Column("achievement", _l("col_achievement", lang), "ratio"),
        Column("pace", _l("col_pace", lang), "ratio"),
        Column("projected", _l("col_projected", lang), "unit"),
        Column("status", _l("col_status", lang)),
    ]
    if tree:
        cols += [Column("formula", _l("col_formula", lang)), Column("definition", _l("col_definition", lang))]
    return tuple(cols)


def _achievement_chart(nodes: list[Data], lang: str) -> str:
    items = [
        (n["label"], n["achievement"] * 100 if n["achievement"] is not None else None, n["status"])
        for n in nodes
    ]
    texts = [fmt.percent(n["achievement"]) if n["achievement"] is not None else "—" for n in nodes]
    return charts.bars(items, value_text=texts, marker=100.0)


def status(tree: Data, detail: Data | None, lang: str, generated: str) -> Document:
    """The KGI, every KPI of the scope in the month, the KGI's trend and its breakdown."""
    nodes = tree["nodes"]
    kgi = next((n for n in nodes if n["id"] == tree["kgi"]), None)
    scope = tree["scope"]["name"]
    blocks: list[Any] = []
    if kgi is not None:
        blocks.append(
            Figures(
                _l("kgi", lang, label=kgi["label"]),
                (
                    (_l("col_target", lang), _v(kgi["target"], kgi["unit"], lang)),
                    (_l("col_actual", lang), _v(kgi["actual"], kgi["unit"], lang)),
                    (
                        _l("col_achievement", lang),
                        fmt.percent(kgi["achievement"]) if kgi["achievement"] is not None else "—",
                    ),
                    (_l("col_pace", lang), fmt.percent(kgi["pace"]) if kgi["pace"] is not None else "—"),
                    (_l("col_projected", lang), _v(kgi.get("projected"), kgi["unit"], lang)),
                    (_l("col_status", lang), _status(kgi["status"], lang)),
                ),
            )
        )
    blocks.append(
        Table(
            "KPI",
            _l("kpis", lang),
            _kpi_columns(lang),
            _kpi_rows(nodes, lang),
            _achievement_chart(nodes, lang),
        )
    )
    if detail is not None:
        unit = detail["node"]["unit"]
        trend = detail["trend"]
        partial = [i for i, p in enumerate(trend) if p.get("partial")]
        chart = charts.line(
            [p["period"] for p in trend],
            [p["actual"] for p in trend],
            [p["target"] for p in trend],
            axis=lambda v: fmt.axis_value(v, unit, lang),
            partial=partial[-1] if partial else None,
            partial_label=t("dash.to_date", lang),
        )
        rows = tuple(
            {**p, "_unit": unit, "status": _status(p["status"], lang), "_status": p["status"]} for p in trend
        )
        blocks.append(
            Table(
                _l("sheet_trend", lang),
                _l("trend", lang, label=detail["node"]["label"]),
                (
                    Column("period", _l("col_period", lang)),
                    Column("target", _l("col_target", lang), "unit"),
                    Column("actual", _l("col_actual", lang), "unit"),
                    Column("achievement", _l("col_achievement", lang), "ratio"),
                    Column("status", _l("col_status", lang)),
                ),
                rows,
                chart,
            )
        )
        if detail["breakdown"]:
            brows = tuple(
                {
                    **b,
                    "scope": b["scope"]["name"],
                    "_unit": unit,
                    "status": _status(b["status"], lang),
                    "_status": b["status"],
                }
                for b in detail["breakdown"]
            )
            blocks.append(
                Table(
                    _l("sheet_breakdown", lang),
                    _l("breakdown", lang, label=detail["node"]["label"]),
                    (
                        Column("scope", _l("col_scope", lang)),
                        Column("target", _l("col_target", lang), "unit"),
                        Column("actual", _l("col_actual", lang), "unit"),
                        Column("achievement", _l("col_achievement", lang), "ratio"),
                        Column("pace", _l("col_pace", lang), "ratio"),
                        Column("status", _l("col_status", lang)),
                    ),
                    brows,
                )
            )
    return Document(
        "status",
        _l("title_status", lang, scope=scope, period=tree["period"]),
        _l("subtitle", lang, model=tree["model"], as_of=tree["as_of"]),
        lang,
        generated,
        tuple(blocks),
        f"rashinban-status-{_stem(tree['scope'])}-{tree['period']}",
    )


def tree_doc(tree: Data, lang: str, generated: str) -> Document:
    nodes = tree["nodes"]
    table = Table(
        "KPI",
        _l("tree", lang),
        _kpi_columns(lang, tree=True),
        _kpi_rows(nodes, lang),
        _achievement_chart(nodes, lang),
    )
    return Document(
        "tree",
        _l("title_tree", lang, scope=tree["scope"]["name"], period=tree["period"]),
        _l("subtitle", lang, model=tree["model"], as_of=tree["as_of"]),
        lang,
        generated,
        (table,),
        f"rashinban-tree-{_stem(tree['scope'])}-{tree['period']}",
    )


def funnel(data: Data, lang: str, generated: str) -> Document:
    total = data["total"]
    cols = (
        Column("stage", _l("col_stage", lang)),
        Column("count", _l("col_count", lang), "int"),
        Column("conversion", _l("col_conversion", lang), "ratio"),
        Column("cumulative", _l("col_cumulative", lang), "ratio"),
        Column("drop_off", _l("col_drop_off", lang), "int"),
        Column("median_days", _l("col_median_days", lang), "number"),
    )
    chart = charts.bars(
        [(s["stage"], float(s["count"]), "default") for s in total],
        value_text=[fmt.number(s["count"], 0) for s in total],
    )
    blocks: list[Any] = [Table(_l("sheet_funnel", lang), _l("funnel_total", lang), cols, tuple(total), chart)]
    rows = tuple({"period": m["period"], **s} for m in data["periods"] for s in m["stages"])
    blocks.append(
        Table(
            _l("sheet_months", lang),
            _l("funnel_months", lang),
            (Column("period", _l("col_period", lang)), *cols),
            rows,
        )
    )
    return Document(
        "funnel",
        _l("title_funnel", lang, scope=data["scope"]["name"], period=data["period"]),
        _l("subtitle", lang, model=data["model"], as_of=data["as_of"]),
        lang,
        generated,
        tuple(blocks),
        f"rashinban-funnel-{_stem(data['scope'])}-{data['period'].replace('..', '_')}",
    )


def _stem(scope: Data) -> str:
    return "company" if scope["type"] == "company" else f"{scope['type']}{scope['id']}"


def action_table(actions: list[Data], lang: str, sheet: str, title: str) -> Table:
    rows = tuple(
        {
            "title": a["title"],
            "owner": a["owner"],
            "kpi": a["expected_text"],
            "due_on": a["due_on"],
            "status": t(f"actions.status_{a['status']}", lang),
            "effect": (a["effect"] or {}).get("text") or "—",
        }
        for a in actions
    )
    return Table(
        sheet,
        title,
        (
            Column("title", _l("col_action", lang)),
            Column("owner", _l("col_owner", lang)),
            Column("kpi", _l("col_expected", lang)),
            Column("due_on", _l("col_due", lang), "date"),
            Column("status", _l("col_status", lang)),
            Column("effect", _l("col_effect", lang)),
        ),
        rows,
        note=t("actions.caveat", lang) if any(a["effect"] for a in actions) else None,
    )


__all__ = ["action_table", "funnel", "status", "tree_doc"]
