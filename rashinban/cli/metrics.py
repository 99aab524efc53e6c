"""Tracking commands: status (and funnel)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from rashinban.cli.app import app, console, state
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.service import StatusReport, node_name, to_float

DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]
STATUS_STYLE = {
    "on_track": "green",
    "behind": "yellow",
    "at_risk": "bold red",
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
            "target": to_float(r.target),
            "actual": to_float(r.actual),
            "achievement": to_float(r.achievement),
            "pace": to_float(r.pace),
            "projected": to_float(r.projected),
            "status": r.status,
            "reason": r.reason,
        }
        for r in report.rows
    ]


@app.command()
def status(
    model: Annotated[Path | None, typer.Argument(help="model file (default: next to the store)")] = None,
    db: DbOpt = None,
    period: Annotated[
        str | None, typer.Option("--period", help="2026-11, FY2026, 2026-04..2026-09 …")
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="team id or name (with its sub-teams and members)")
    ] = None,
    member: Annotated[str | None, typer.Option("--member", help="member id or name")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="date for pace (default: today)")] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="default (the store's engine) | pyspark")
    ] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON rows")] = False,
) -> None:
    """Target, actual, achievement, pace, projection and status for every scope and KPI."""
    svc = state.service(db)
    report = svc.tracking.status(model, period, team, member, as_of, engine)
    if as_json:  # with the stored forecast of the KPIs the pipeline drives (revenue, won deals)
        rows = svc.forecasts.status_fields(status_view(report), model)
        console.file.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    render_status(report)


def render_status(report: StatusReport) -> None:
    lang = state.lang
    m = report.model
    table = Table(
        title=t("status.title", lang, name=m.name, as_of=report.as_of.isoformat()), title_justify="left"
    )
    for col in ("scope", "node", "period", "target", "actual", "achievement", "pace", "projected", "status"):
        table.add_column(
            t(f"status.col_{col}", lang),
            justify="right" if col in ("target", "actual", "achievement", "pace", "projected") else "left",
        )
    last_scope = None
    for r in report.rows:
        unit = m.nodes[r.node].unit.value
        name = t("status.company", lang) if r.scope_type == "company" else r.scope
        scope = name if (r.scope_type, r.scope_id) != last_scope else ""
        last_scope = (r.scope_type, r.scope_id)
        actual = (
            fmt.value(r.actual, unit, lang)
            if r.actual is not None
            else t(f"status.reason_{r.reason or 'no_data'}", lang)
        )
        table.add_row(
            scope,
            node_name(m, r.node, lang) or r.node,
            r.period,
            fmt.value(r.target, unit, lang),
            actual,
            fmt.percent(r.achievement) if r.achievement is not None else "—",
            fmt.percent(r.pace) if r.pace is not None else "—",
            fmt.value(r.projected, unit, lang),
            Text(t(f"status.{r.status}", lang), style=STATUS_STYLE.get(r.status, "")),
        )
    console.print(table)


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
