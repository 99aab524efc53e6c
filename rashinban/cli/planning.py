"""Planning commands: plan, check, templates, init, period."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from rashinban.cli.app import app, console, state
from rashinban.i18n import format as fmt
from rashinban.i18n import render_finding, render_needed, t
from rashinban.service import (
    AllocationMode,
    Finding,
    Model,
    Plan,
    Severity,
    Source,
    finding_view,
    node_name,
    plan_view,
    to_float,
)

ModelArg = Annotated[Path, typer.Argument(help="model file (YAML)", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SOURCE_STYLE = {
    Source.STATED: "bold",
    Source.ASSUMED: "cyan",
    Source.SOLVED: "green",
    Source.IMPLIED: "magenta",
    Source.MISSING: "red",
}


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
    render_plan(result, allocate or svc.planning.default_mode(result.model))
    for tier, p in plans.items():
        if tier != "target":
            render_tier(p, tier)
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
        render_findings(m, findings)
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


# rendering -------------------------------------------------------------------------


def _tree_rows(model: Model) -> list[tuple[str, int, bool]]:
    """(node id, depth, repeated) in tree order from the KGI, then unrelated nodes."""
    rows: list[tuple[str, int, bool]] = []
    seen: set[str] = set()

    def walk(nid: str, depth: int) -> None:
        rows.append((nid, depth, nid in seen))
        if nid in seen:
            return
        seen.add(nid)
        for child in model.nodes[nid].children:
            walk(child, depth + 1)

    walk(model.kgi, 0)
    for nid in model.nodes:
        if nid not in seen:
            walk(nid, 0)
    return rows


def render_tier(plan: Plan, tier: str) -> None:
    """A stretch or floor tier's values beside the target's (the tree's volumes)."""
    lang = state.lang
    model = plan.model
    table = Table(title=t("cli.tier_title", lang, tier=t(f"tier.{tier}", lang)), title_justify="left")
    table.add_column(t("cli.col_node", lang))
    table.add_column(t("cli.col_target", lang), justify="right")
    for nid, pv in plan.values.items():
        if pv.value is not None:
            unit = model.nodes[nid].unit.value
            table.add_row(node_name(model, nid, lang) or nid, fmt.value(pv.value, unit, lang))
    console.print(table)


def render_plan(plan: Plan, mode: AllocationMode) -> None:
    lang = state.lang
    model = plan.model
    table = Table(title=t("cli.plan_title", lang, name=model.name), title_justify="left")
    for col in ("col_node", "col_target", "col_period", "col_source", "col_note"):
        table.add_column(t(f"cli.{col}", lang), justify="right" if col == "col_target" else "left")
    for nid, depth, repeated in _tree_rows(model):
        node = model.nodes[nid]
        pv = plan.values[nid]
        label = Text("  " * max(depth - 1, 0) + ("└ " if depth else ""))
        label.append(node_name(model, nid, lang) or nid, style="bold" if depth == 0 else "")
        label.append(f" {nid}", style="dim")
        if repeated:
            table.add_row(label, "↑", "", "", "")
            continue
        notes = []
        if node.formula_text:
            notes.append(f"= {node.formula_text}")
        if pv.rounded_from is not None:
            key = (
                "cli.rounded_up"
                if pv.value is not None and pv.value > pv.rounded_from
                else "cli.rounded_down"
            )
            notes.append(t(key, lang, value=fmt.number(pv.rounded_from)))
        if pv.overridden:
            notes.append(t("cli.overridden", lang))
        table.add_row(
            label,
            fmt.value(pv.value, node.unit.value, lang),
            t(f"period.{pv.period.value}", lang),
            Text(t(f"source.{pv.source.value}", lang), style=SOURCE_STYLE[pv.source]),
            "; ".join(notes),
        )
    console.print(table)
    unit = model.nodes[model.kgi].unit.value
    if plan.kgi_target is not None and plan.kgi_forward is not None:
        effect = plan.rounding_effect
        if effect == 0:
            console.print(t("cli.rounding_exact", lang, target=fmt.value(plan.kgi_target, unit, lang)))
        elif not any(f.code == "inconsistent_targets" for f in plan.findings):
            sign = "+" if effect and effect > 0 else "-"
            delta = sign + fmt.value(abs(effect or Fraction(0)), unit, lang)
            console.print(
                t(
                    "cli.rounding_effect",
                    lang,
                    forward=fmt.value(plan.kgi_forward, unit, lang),
                    delta=delta,
                    target=fmt.value(plan.kgi_target, unit, lang),
                )
            )
    _render_levers(plan)
    _render_allocations(plan, mode)
    if plan.findings:
        render_findings(model, plan.findings)


def _render_levers(plan: Plan) -> None:
    if not plan.levers:
        return
    lang = state.lang
    model = plan.model
    unit = model.nodes[model.kgi].unit.value
    table = Table(title=t("cli.levers_title", lang), title_justify="left")
    for col in ("col_lever", "col_value", "col_elasticity", "col_kgi_delta"):
        table.add_column(t(f"cli.{col}", lang), justify="left" if col == "col_lever" else "right")
    for lv in plan.levers:
        node = model.nodes[lv.node]
        table.add_row(
            f"{node_name(model, lv.node, lang)} [dim]{lv.node}[/]",
            fmt.value(lv.value, node.unit.value, lang),
            f"{float(lv.elasticity):+.2f}%" if lv.elasticity is not None else "—",
            ("+" if lv.kgi_delta and lv.kgi_delta >= 0 else "") + fmt.value(lv.kgi_delta, unit, lang)
            if lv.kgi_delta is not None
            else "—",
        )
    console.print(table)


def _render_allocations(plan: Plan, mode: AllocationMode) -> None:
    if not plan.allocations:
        return
    lang = state.lang
    model = plan.model
    shown = [nid for nid in plan.values if plan.additive.get(nid) and plan.values[nid].value is not None]
    members = list(dict.fromkeys(a.member for a in plan.allocations))
    by = {(a.member, a.node): a.target for a in plan.allocations}
    table = Table(
        title=t("cli.allocations_title", lang, mode=mode.value, count=len(members)), title_justify="left"
    )
    table.add_column(t("cli.col_member", lang))
    for nid in shown:
        table.add_column(node_name(model, nid, lang) or nid, justify="right")
    for m in members:
        table.add_row(m, *(fmt.value(by[(m, nid)], model.nodes[nid].unit.value, lang) for nid in shown))
    console.print(table)


def render_findings(model: Model, findings: list[Finding]) -> None:
    lang = state.lang
    if not findings:
        console.print(t("cli.no_findings", lang))
        return
    table = Table(title=t("cli.findings_title", lang), title_justify="left", show_lines=False)
    for col in ("col_severity", "col_area", "col_code", "col_node", "col_finding"):
        table.add_column(t(f"cli.{col}", lang))
    for f in findings:
        text = render_finding(f, lang)
        if f.code == "inconsistent_targets":
            unit_of = {nid: n.unit.value for nid, n in model.nodes.items()}
            needed = [
                render_needed(item, unit_of[item["node"]], node_name(model, item["node"], lang) or "", lang)
                for item in f.params["needed"]
            ]
            text += "".join(f"\n  → {n}" for n in needed)
        where = f"{node_name(model, f.node, lang)}" if f.node else ""
        if f.line:
            where += f" [dim](L{f.line})[/]"
        table.add_row(
            Text(t(f"severity.{f.severity.value}", lang), style=SEVERITY_STYLE[f.severity]),
            t(f"area.{f.area}", lang),
            f.code,
            where,
            text,
        )
    console.print(table)
