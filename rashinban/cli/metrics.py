"""Tracking commands: status (and funnel)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rashinban.cli.app import app, console, state
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.service import node_name, to_float

if TYPE_CHECKING:
    from rashinban.service import StatusReport, trust_results

DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]
STATUS_STYLE = {
    "on_track": "green",
    "behind": "yellow",
    "at_risk": "bold red",
    "data_issue": "bold magenta",
    "no_target": "dim",
    "no_data": "dim",
}


def status_view(report: StatusReport) -> list[dict[str, Any]]:
    return [
        {
            "scope_type": r.scope_type,
            "scope_id": r.scope_id,
            "scope": r.scope,
            "node": r.node,
            "period": r.period,
            "total": r.total,
            "target": to_float(r.target),
            "stretch": to_float(r.stretch),
            "floor": to_float(r.floor),
            "actual": to_float(r.actual),
            "achievement": to_float(r.achievement),
            "stretch_achievement": to_float(r.stretch_achievement),
            "floor_achievement": to_float(r.floor_achievement),
            "pace": to_float(r.pace),
            "projected": to_float(r.projected),
            "remaining": to_float(r.remaining),
            "days_left": r.days_left,
            "per_day": to_float(r.per_day),
            "status": r.status,
            "reason": r.reason,
            "note": r.note,
        }
        for r in report.rows
    ]


@app.command()
def status(
    model: Annotated[Path | None, typer.Argument(help="model file (default: next to the store)")] = None,
    db: DbOpt = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="2026-11, FY2026, FY2026-H1 (上期), 2026-04..2026-09 (累計) …"),
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="team id or name (with its sub-teams and members)")
    ] = None,
    member: Annotated[str | None, typer.Option("--member", help="member id or name")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="date for pace (default: today)")] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="month | week | day | quarter | half (periods), or channel | origin | product | industry "
            "| region | size | customer (a breakdown of the KPIs over the period)",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="default (the store's engine) | pyspark")
    ] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows")] = False,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all", help="every scope and KPI (default: the company or the scope asked, main KPIs)"
        ),
    ] = False,
) -> None:
    """Target, actual, achievement, pace, projection and status for every scope and KPI; a range
    (2026-04..2026-09, FY2026-H1) ends with its total (累計)."""
    svc = state.service(db)
    if by in svc.breakdowns.DIMENSIONS:  # channel, product, industry, region, size, customer, origin
        result = svc.breakdowns.report(model, by, period, team, member, as_of, engine=engine)
        if as_json:
            console.file.write(result.model_dump_json(indent=1) + "\n")
            return
        render_breakdown(result)
        return
    report = svc.tracking.status(model, period, team, member, as_of, engine, by)
    if as_json:
        console.file.write(json.dumps(status_view(report), ensure_ascii=False, indent=1) + "\n")
        return
    render_status(report, show_all)


def render_breakdown(result: trust_results.BreakdownResult) -> None:
    """One table per scope: the KPIs (rows) by the attribute's values (columns)."""
    lang = state.lang
    for sb in result.scopes:
        name = t("status.company", lang) if sb.scope.type == "company" else sb.scope.name
        table = Table(
            title=t(
                "status.breakdown_title",
                lang,
                scope=name,
                by=t(f"status.by_{result.by}", lang),
                period=result.period,
            ),
            title_justify="left",
        )
        table.add_column(t("status.col_node", lang))
        for value in result.values:
            table.add_column(value or "—", justify="right")
        nodes: dict[str, dict[str, str]] = {}
        names: dict[str, str] = {}
        for v in sb.values:
            names[v.node] = v.node_name
            text = fmt.value(v.actual, v.unit, lang) if v.actual is not None else "—"
            nodes.setdefault(v.node, {})[v.value] = text
        for nid, cells in nodes.items():
            table.add_row(names[nid], *(cells.get(value, "—") for value in result.values))
        console.print(table)


def render_status(report: StatusReport, show_all: bool = False, out: Console | None = None) -> None:
    """The status table.  By default only the first scope of the report (the company, or the
    ``--team`` / ``--member`` asked) and its main KPIs (the KGI and ``role: main``); ``show_all``:
    every scope and KPI.  One period goes into the title instead of a column; below 120
    columns yen is compact (万円/億円, ¥M) and the projection column is left out, so that the
    table fits 80 columns without cutting a KPI's name."""
    out = out or console
    rows = report.rows
    if not show_all and rows:
        m = report.model
        first = (rows[0].scope_type, rows[0].scope_id)
        main = {n for n, node in m.nodes.items() if node.role == "main"} | {m.kgi}
        rows = [r for r in rows if (r.scope_type, r.scope_id) == first and (r.node in main or len(main) == 1)]
    if out.width < 120:  # one table per scope: no scope column to squeeze the numbers
        groups: dict[tuple[str, int], list[Any]] = {}
        for r in rows:
            groups.setdefault((r.scope_type, r.scope_id), []).append(r)
        for group in groups.values() or [[]]:
            _status_table(report, group, out)
        return
    _status_table(report, rows, out)


def _status_table(report: StatusReport, rows: list[Any], out: Console) -> None:
    lang = state.lang
    m = report.model
    narrow = out.width < 120
    periods = {(r.period, r.total) for r in rows}
    one_period = len(periods) == 1
    one_scope = len({(r.scope_type, r.scope_id) for r in rows}) == 1
    title = t("status.title", lang, name=m.name, as_of=report.as_of.isoformat())
    if rows and one_scope:
        title += " · " + (t("status.company", lang) if rows[0].scope_type == "company" else rows[0].scope)
    if rows and one_period:
        title += " · " + (t("status.total", lang, period=rows[0].period) if rows[0].total else rows[0].period)
    table = Table(title=title, title_justify="left")
    tiers = "stretch" in report.tiers
    cols = [*([] if one_scope else ["scope"]), "node", *([] if one_period else ["period"]), "target"]
    # a period that is over has its pace equal to its achievement: one column says it
    same = narrow and all(r.pace == r.achievement for r in rows)
    cols += [*(["stretch"] if tiers else []), "actual", "achievement", *([] if same else ["pace"])]
    cols += [*([] if narrow else ["projected"]), "remaining", "status"]
    numeric = {"target", "stretch", "actual", "achievement", "pace", "projected", "remaining"}
    names = [node_name(m, r.node, lang) or r.node for r in rows]
    for col in cols:
        if col == "status":  # "at risk" stays on one line (a note below it may wrap)
            width = max((Text(t(f"status.{r.status}", lang)).cell_len for r in rows), default=4)
            table.add_column(t("status.col_status", lang), min_width=width, overflow="fold")
            continue
        if col == "node":  # a KPI's name is never cut: its column is as wide as the longest
            width = max((Text(n).cell_len for n in names), default=4)
            table.add_column(t("status.col_node", lang), no_wrap=True, min_width=width)
            continue
        table.add_column(
            t(f"status.col_{col}", lang),
            justify="right" if col in numeric else "left",
            overflow="fold",
            no_wrap=col in ("achievement", "pace"),
        )
    show = fmt.short_value if narrow else fmt.value
    last_scope = last_period = None
    for r, name in zip(rows, names, strict=True):
        unit = m.nodes[r.node].unit.value
        where = t("status.company", lang) if r.scope_type == "company" else r.scope
        scope = where if (r.scope_type, r.scope_id) != last_scope else ""
        last_scope = (r.scope_type, r.scope_id)
        period = t("status.total", lang, period=r.period) if r.total else r.period
        period_cell = period if period != last_period or scope else ""
        last_period = period
        actual = (
            show(r.actual, unit, lang)
            if r.actual is not None
            else t(f"status.reason_{r.reason or 'no_data'}", lang)
        )
        needed = "—"
        if r.remaining is not None and narrow:  # the column's heading says what it is
            needed = show(r.remaining, unit, lang)
        elif r.remaining is not None:
            needed = t("status.still_needed", lang, amount=show(r.remaining, unit, lang))
            if r.per_day is not None and r.remaining > 0 and not narrow:
                needed += " " + t("status.per_day", lang, amount=show(r.per_day, unit, lang))
        label = t(f"status.{r.status}", lang)
        if r.note:
            label += f" ({t(f'status.note_{r.note}', lang)})"
        cells = [*([] if one_scope else [scope]), name, *([] if one_period else [period_cell])]
        cells.append(show(r.target, unit, lang))
        if tiers:
            cells.append(show(r.stretch, unit, lang))
        cells += [
            actual,
            fmt.percent(r.achievement) if r.achievement is not None else "—",
            *([] if same else [fmt.percent(r.pace) if r.pace is not None else "—"]),
            *([] if narrow else [show(r.projected, unit, lang)]),
            needed,
        ]
        table.add_row(*cells, Text(label, style=STATUS_STYLE.get(r.status, "")))
    out.print(table)


@app.command()
def funnel(
    model: Annotated[Path | None, typer.Argument(help="model file (its funnel: stages; optional)")] = None,
    db: DbOpt = None,
    period: Annotated[
        str | None, typer.Option("--period", help="cohorts: deals entering in this period")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="team id or name")] = None,
    member: Annotated[str | None, typer.Option("--member", help="member id or name")] = None,
    by_period: Annotated[
        str | None, typer.Option("--by-period", help="cohort size: week | month | quarter …")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="end of the default 6-month window")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows")] = False,
) -> None:
    """Funnel by entry cohort: stage counts, conversion, drop-off, median days in stage."""
    rows = state.service(db).tracking.funnel(model, period, team, member, as_of, by_period)
    if as_json:
        data = [
            {
                "scope_type": r.scope_type,
                "scope_id": r.scope_id,
                "scope": r.scope,
                "period": r.period,
                "stage": r.stage,
                "index": r.index,
                "count": r.count,
                "conversion": to_float(r.conversion),
                "cumulative": to_float(r.cumulative),
                "drop_off": r.drop_off,
                "median_days": r.median_days,
            }
            for r in rows
        ]
        console.file.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
        return
    lang = state.lang
    table = Table(title=t("funnel.title", lang), title_justify="left")
    for col in ("scope", "period", "stage", "count", "conversion", "cumulative", "drop_off", "median_days"):
        table.add_column(
            t(f"funnel.col_{col}", lang), justify="left" if col in ("scope", "period", "stage") else "right"
        )
    last = None
    for r in rows:
        key = (r.scope_type, r.scope_id, r.period)
        name = t("status.company", lang) if r.scope_type == "company" else r.scope
        table.add_row(
            f"{name}" if key != last else "",
            r.period if key != last else "",
            r.stage,
            f"{r.count:,}",
            fmt.percent(r.conversion) if r.conversion is not None else "—",
            fmt.percent(r.cumulative) if r.cumulative is not None else "—",
            f"{r.drop_off:,}" if r.drop_off is not None else "—",
            f"{r.median_days:.1f}" if r.median_days is not None else "—",
        )
        last = key
    console.print(table)
