"""Insight commands: bottleneck, explain, diagnose-miss, segments, next-actions, experiments, churn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rashinban.cli.app import app, console, state
from rashinban.i18n import format as fmt
from rashinban.i18n import t

DbOpt = Annotated[str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL")]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="model file (default: the store's)")]
PeriodOpt = Annotated[str | None, typer.Option("--period", help="a month, YYYY-MM (default: this month)")]
TeamOpt = Annotated[str | None, typer.Option("--team", help="team id or name")]
MemberOpt = Annotated[str | None, typer.Option("--member", help="member id or name")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="the day to read as today")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def _json(result: Any) -> None:
    console.file.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")


def _money(v: float | None, unit: str) -> str:
    return fmt.value(v, unit, state.lang)


@app.command()
def bottleneck(
    db: DbOpt = None,
    model: ModelOpt = None,
    period: PeriodOpt = None,
    team: TeamOpt = None,
    member: MemberOpt = None,
    basis: Annotated[str | None, typer.Option("--basis", help="target | history | peers")] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The KPI whose shortfall costs the KGI most (in yen), and the runner-up."""
    r = state.service(db).insights.bottleneck(model, period, None, basis, as_of, team, member)
    if as_json:
        return _json(r)
    lang = state.lang
    console.print(
        f"[bold]{t('insights.bottleneck_title', lang)}[/] {r.scope.name} {r.period} "
        f"({t('insights.basis', lang)}: {t(f'insights.basis_{r.basis}', lang)})"
    )
    if not r.items:
        console.print(t("insights.bottleneck_no_data", lang))
        return
    if r.bottleneck is None:
        console.print(t("insights.bottleneck_none", lang))
    for item in r.items:
        mark = "▶ " if r.bottleneck and item.node == r.bottleneck.node else "  "
        console.print(mark + item.text, markup=False)


@app.command()
def explain(
    db: DbOpt = None,
    model: ModelOpt = None,
    period: PeriodOpt = None,
    vs: Annotated[
        str | None, typer.Option("--vs", help="a month (default: the month before) or 'target'")
    ] = None,
    team: TeamOpt = None,
    member: MemberOpt = None,
    method: Annotated[str, typer.Option("--method", help="shapley | log")] = "shapley",
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Split the KGI's change between two months (or against target) over the tree's KPIs
    — contributions add up exactly — and over teams and members (volume / mix / rate)."""
    r = state.service(db).insights.explain(model, period, vs, None, as_of, method, team, member)
    if as_json:
        return _json(r)
    lang = state.lang
    unit = r.kgi.unit
    console.print(f"[bold]{t('insights.explain_title', lang)}[/] {r.scope.name}: {r.vs} → {r.period}")
    console.print(r.sentence, markup=False)
    table = Table(title_justify="left")
    for col in (
        "KPI",
        t("insights.before", lang),
        t("insights.after", lang),
        t("insights.contribution", lang),
    ):
        table.add_column(col, justify="left" if col == "KPI" else "right")
    table.add_row(r.kgi.label, _money(r.before, unit), "", "")
    for d in r.drivers:
        table.add_row(
            d.label,
            fmt.value(d.before, d.unit, lang),
            fmt.value(d.after, d.unit, lang),
            _money(d.contribution, unit),
        )
    table.add_row(r.kgi.label, "", _money(r.after, unit), _money(r.change, unit))
    console.print(table)
    if r.children:
        kids = Table(title=t("insights.children", lang), title_justify="left")
        for col in (
            "",
            t("insights.contribution", lang),
            t("insights.volume", lang),
            t("insights.mix", lang),
            t("insights.rate", lang),
        ):
            kids.add_column(col, justify="left" if not col else "right")
        for c in r.children:
            kids.add_row(
                c.scope.name,
                _money(c.change, unit),
                _money(c.volume, unit),
                _money(c.mix, unit),
                _money(c.rate, unit),
            )
        console.print(kids)


@app.command("diagnose-miss")
def diagnose_miss(
    db: DbOpt = None,
    model: ModelOpt = None,
    period: PeriodOpt = None,
    team: TeamOpt = None,
    member: MemberOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Why a scope missed (or will miss) its KGI: KPI design, execution or market (seed 000)."""
    r = state.service(db).insights.diagnose(model, period, None, as_of, team, member)
    if as_json:
        return _json(r)
    lang = state.lang
    console.print(f"[bold]{t('insights.diagnose_title', lang)}[/] {r.scope.name} {r.period}")
    console.print(r.summary, markup=False)
    for s in r.signs:
        mark = "●" if s.present else "○"
        console.print(f" {mark} [{t(f'insights.cause_{s.cause}', lang)}] {s.text}", markup=False)
    console.print(f"[bold]{t('insights.actions', lang)}[/]")
    for a in r.actions:
        who = f" → {t(f'insights.audience_{a.audience}', lang)}" if r.agency else ""
        console.print(f" - {a.text}{who}", markup=False)


@app.command()
def segments(
    db: DbOpt = None,
    period: Annotated[
        str | None, typer.Option("--period", help="deals closed in: 2026-04..2026-09 (default: 12 months)")
    ] = None,
    team: TeamOpt = None,
    member: MemberOpt = None,
    min_support: Annotated[int, typer.Option("--min-support", help="deals on each side")] = 30,
    fdr: Annotated[float, typer.Option("--fdr", help="Benjamini–Hochberg false discovery rate")] = 0.05,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Segments that win or lose more than the rest beyond chance; lost reasons as Paretos."""
    r = state.service(db).segments.analyse(period, None, as_of, min_support, fdr, 0.05, team, member)
    if as_json:
        return _json(r)
    lang = state.lang
    console.print(
        f"[bold]{t('segments.title', lang)}[/] {r.scope.name} {r.period}: {r.deals:,} / {r.tests} tests"
    )
    console.print(r.method, markup=False)
    for f in r.findings:
        console.print(" - " + f.sentence, markup=False)
    if not r.findings:
        console.print(t("segments.none", lang))


@app.command("next-actions")
def next_actions(
    deal: Annotated[int, typer.Argument(help="deal id")],
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """For a stalled deal: what preceded wins at its stage (with counts)."""
    r = state.service(db).segments.next_actions(deal, as_of)
    if as_json:
        return _json(r)
    title = t("segments.next_title", state.lang)
    console.print(f"[bold]{title}[/] {r.deal or r.deal_id} ({r.stage}, n={r.closed_at_stage})")
    for s in r.suggestions:
        console.print((" ✓ " if s.done else " - ") + s.sentence, markup=False)


@app.command()
def experiments(
    name: Annotated[str | None, typer.Argument(help="an experiment (default: list them)")] = None,
    db: DbOpt = None,
    define: Annotated[
        str | None, typer.Option("--define", help="KPI to define NAME on (reply_rate, win_rate …)")
    ] = None,
    variants: Annotated[str, typer.Option("--variants", help="comma-separated, control first")] = "A,B",
    target: Annotated[
        str, typer.Option("--target", help="script | email | landing_page | proposal | other")
    ] = "other",
    mde: Annotated[float, typer.Option("--mde", help="minimum detectable effect (relative)")] = 0.2,
    as_json: JsonOpt = False,
) -> None:
    """A/B tests: list, define (--define KPI) or show one's result per variant."""
    svc = state.service(db)
    if name is not None and define is not None:
        svc.experiments.define(
            {"name": name, "kpi": define, "variants": variants.split(","), "target": target, "mde": mde}
        )
    if name is None:
        res = svc.experiments.list()
        if as_json:
            return _json(res)
        for d in res.experiments:
            console.print(f"{d.name}  {d.kpi_label}  {', '.join(d.variants)}  n={d.assigned:,}", markup=False)
        return
    r = svc.experiments.result(name)
    if as_json:
        return _json(r)
    console.print(f"[bold]{r.definition.name}[/] ({r.definition.kpi_label})")
    for a in r.arms:
        value = (
            fmt.percent(a.rate)
            if a.rate is not None
            else (fmt.yen(a.mean, state.lang) if a.mean is not None else "—")
        )
        console.print(f"  {a.variant}: n={a.n:,} {value}", markup=False)
    for c in r.comparisons:
        console.print("  " + c.sentence, markup=False)
    console.print(r.method, markup=False)


@app.command()
def churn(
    db: DbOpt = None,
    model: ModelOpt = None,
    team: TeamOpt = None,
    member: MemberOpt = None,
    margin: Annotated[
        float | None, typer.Option("--margin", help="gross margin for LTV (default 0.7)")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Churn risk per customer with its factors, the backtest, and LTV per segment."""
    r = state.service(db).customers.churn(model, None, as_of, margin, 182, 20, team, member)
    if as_json:
        return _json(r)

    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    console.print(f"[bold]{t('churn.title', state.lang)}[/] {r.scope.name}: {r.customers:,}")
    console.print(
        f"Brier {num(r.brier)} (tenure only {num(r.brier_baseline)}), C {num(r.c_index)} "
        f"(tenure only {num(r.c_index_baseline)}), n={r.test_customers}, events={r.test_events}"
    )
    for c in r.at_risk[:10]:
        console.print(
            f"  {c.account or c.account_id}: {fmt.percent(c.risk)}  " + ", ".join(f.label for f in c.factors),
            markup=False,
        )
    for s in r.segments:
        console.print(
            f"  {s.dimension} {s.segment}: LTV {fmt.yen(s.ltv, state.lang) if s.ltv else '—'}", markup=False
        )
