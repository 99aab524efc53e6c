"""Planning commands: plan, check, templates, init, period."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rashinban.cli.app import app, console, state
from rashinban.cli.plan_render import render_findings, render_plan, render_tier
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.service import (
    AllocationMode,
    Severity,
    finding_view,
    node_name,
    plan_view,
    to_float,
)

ModelArg = Annotated[Path, typer.Argument(help="model file (YAML)", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]


def _print_json(data: Any) -> None:
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command()
def plan(
    model: ModelArg,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="what-if: node=value (e.g. close_rate=0.25, revenue=1200万)"),
    ] = None,
    allocate: Annotated[
        AllocationMode | None,
        typer.Option("--allocate", help="split to members (default: the model's weights, if any)"),
    ] = None,
    stretch: Annotated[
        list[str] | None, typer.Option("--stretch", help="the stretch tier: node=value (e.g. revenue=1200万)")
    ] = None,
    floor: Annotated[list[str] | None, typer.Option("--floor", help="the floor tier: node=value")] = None,
    as_json: JsonOpt = False,
    save: Annotated[
        bool, typer.Option("--save", help="store the targets (company, teams, members) as a revision")
    ] = False,
    db: Annotated[str | None, typer.Option("--db", help="store for --save (RASHINBAN_DB)")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="period of the saved targets (default: plan_period)")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="why the targets are set or changed")] = None,
    author: Annotated[str | None, typer.Option("--author", help="who sets them (default: $USER)")] = None,
) -> None:
    """Work the KGI backwards (逆算) to every KPI and every member."""
    from rashinban.service import parse_sets

    sets = parse_sets(set_ or [])
    tier_sets = {"stretch": parse_sets(stretch or []), "floor": parse_sets(floor or [])}
    svc = state.service(db)
    plans = svc.planning.plans(model, sets, allocate, tier_sets, period)
    result = plans["target"]
    saved = None
    if save:
        who = author or os.environ.get("USER") or None
        saved = svc.planning.save(model, period, who, reason, sets, allocate, tier_sets)
    if as_json:
        data = plan_view(result, state.lang)
        data["tiers"] = {
            tier: {nid: to_float(pv.value) for nid, pv in p.values.items()}
            for tier, p in plans.items()
            if tier != "target"
        }
        if saved is not None:
            data["saved"] = saved
        _print_json(data)
        return
    names = svc.planning.member_labels(model) if db else {}  # with a store: names, not ids
    render_plan(result, allocate or svc.planning.default_mode(result.model), state.lang, names=names)
    for tier, p in plans.items():
        if tier != "target":
            render_tier(p, tier, state.lang)
    if saved is not None:
        console.print(t("cli.targets_saved", state.lang, count=saved))


@app.command()
def check(
    model: ModelArg,
    as_json: JsonOpt = False,
    db: Annotated[str | None, typer.Option("--db", help="store with history, for achievability (A)")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="date the history ends (default: plan_period)")
    ] = None,
) -> None:
    """Check every KPI against SMART, the tree for consistency, and targets against history."""
    m, findings = state.service(db).planning.check(model, as_of)
    if as_json:
        _print_json(
            {"model": m.name, "file": m.file, "findings": [finding_view(m, f, state.lang) for f in findings]}
        )
    else:
        render_findings(m, findings, state.lang)
        counts = {s: sum(f.severity is s for f in findings) for s in Severity}
        console.print(
            t(
                "cli.check_summary",
                state.lang,
                errors=counts[Severity.ERROR],
                warnings=counts[Severity.WARNING],
                infos=counts[Severity.INFO],
            )
        )
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(1)  # an error finding fails the check (CI, pre-commit)


@app.command()
def templates(as_json: JsonOpt = False) -> None:
    """List the sales-style templates."""
    infos = state.service().planning.templates()
    lang = state.lang
    if as_json:
        _print_json(
            [
                {
                    "id": i.id,
                    "name": i.name,
                    "name_en": i.name_en,
                    "description": i.description if lang == "ja" else i.description_en,
                    "kgi": i.model.kgi,
                    "main_kpis": i.main_kpis,
                    "nodes": list(i.model.nodes),
                }
                for i in infos
            ]
        )
        return
    table = Table(title=t("cli.templates_title", lang))
    for col in ("col_template", "col_name", "col_kgi", "col_main"):
        table.add_column(t(f"cli.{col}", lang))
    for i in infos:
        main = ", ".join(node_name(i.model, n, lang) or n for n in i.main_kpis)
        table.add_row(
            i.id, f"{i.name}\n[dim]{i.name_en}[/]", node_name(i.model, i.model.kgi, lang) or "", main
        )
    console.print(table)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="where to write the model file")],
    template: Annotated[str, typer.Option("--template", "-t", help="template id or name (see `templates`)")],
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a model file from a sales-style template."""
    written = state.service().planning.init_model(template, path, force)
    console.print(t("cli.init_written", state.lang, path=str(written), template=template))


@app.command()
def period(
    name: Annotated[str, typer.Argument(help="2026-11, 2026-W47, 2026-Q3, FY2026, FY2026-Q1, 2026, A..B")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="date for pace (default: today)")] = None,
    target: Annotated[str | None, typer.Option("--target", help="a target to prorate, e.g. 1000万")] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="model file (fiscal year start, holidays)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a period's business days and a target prorated to a date."""
    info = state.service().planning.period_info(name, model, as_of, target)
    if as_json:
        _print_json(info)
        return
    lang = state.lang
    console.print(t("cli.period_title", lang, label=info["label"], start=info["start"], end=info["end"]))
    console.print(
        t(
            "cli.business_days",
            lang,
            elapsed=info["business_days_elapsed"],
            total=info["business_days"],
            as_of=info["as_of"],
            share=fmt.percent(info["elapsed_share"]),
        )
    )
    if info["holidays"]:
        console.print(
            t(
                "cli.holidays_in_period",
                lang,
                holidays=", ".join(f"{h['date']} {h['name']}" for h in info["holidays"]),
            )
        )
    if info.get("prorated") is not None:
        console.print(
            t(
                "cli.prorated",
                lang,
                target=fmt.number(info["target"]),
                as_of=info["as_of"],
                prorated=fmt.number(info["prorated"]),
            )
        )
