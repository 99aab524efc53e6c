"""``rashinban forecast …``: run (train, score, store), show a scope's forecast, the scored
deals and leads, the stage model, the backtest, and the judgment commands (category,
adjust, submit)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rashinban.cli.app import app, console, err_console, state
from rashinban.errors import UsageError
from rashinban.i18n import format as fmt
from rashinban.i18n import t

forecast_app = typer.Typer(
    help="Forecasts: P10/P50/P90 and P(KGI), win probabilities, lead scores, backtest."
)
app.add_typer(forecast_app, name="forecast")

DbOpt = Annotated[str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL")]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="model file (default: the store's)")]
ScopeOpt = Annotated[str | None, typer.Option("--scope", help="company, team:ID or member:ID")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


class _Bar:
    """Rich progress for the long steps (the app reports through this interface)."""

    def __init__(self) -> None:
        self.p = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self.task: Any = None

    def start(self, label: str, total: int, unit: str) -> None:
        self.p.start()
        self.task = self.p.add_task(label, total=max(total, 1))

    def advance(self, position: int, rows: int) -> None:
        self.p.update(self.task, completed=position)

    def finish(self) -> None:
        self.p.stop()

    def __call__(self, label: str, done: int, total: int) -> None:
        if self.task is None:
            self.start(label, total, "")
        self.p.update(self.task, completed=done, description=label)


def _out(data: Any) -> None:
    console.file.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


@forecast_app.command("run")
def run(db: DbOpt = None, model: ModelOpt = None, as_json: JsonOpt = False) -> None:
    """Train the models on what is known now, score every open deal and lead, forecast every scope."""
    bar = _Bar()
    try:
        r = state.service(db).forecasts.run(model, bar)
    finally:
        bar.finish()
    if as_json:
        _out(r.model_dump(mode="json"))
        return
    m = r.deal_model
    console.print(
        t(
            "forecast.run_done",
            state.lang,
            deals=r.deals,
            leads=r.leads,
            scopes=r.scopes,
            period=r.period,
            seconds=r.seconds,
            version=m.version if m else "-",
            algorithm=m.algorithm if m else "-",
        )
    )
    if m and m.message:
        console.print(m.message, style="yellow")


@forecast_app.command("show")
def show(db: DbOpt = None, model: ModelOpt = None, scope: ScopeOpt = None, as_json: JsonOpt = False) -> None:
    """A scope's stored forecast: closed, P10/P50/P90, P(target), run-rate, commit / best case."""
    r = state.service(db).forecasts.scope(model, scope or "company")
    if as_json:
        _out(r.model_dump(mode="json"))
        return
    lang = state.lang
    if not r.kpis:
        console.print(t("forecast.none_yet", lang))
        return
    table = Table(title=f"{t('forecast.title', lang)}: {r.scope.name} {r.period}", title_justify="left")
    cols = (
        "closed",
        "p10",
        "p50",
        "p90",
        "target",
        "p_achieve",
        "run_rate",
        "weighted",
        "commit",
        "best_case",
    )
    table.add_column("KPI")
    for c in cols:
        table.add_column(t(f"forecast.{c}", lang), justify="right")
    for k in r.kpis:
        vals = [
            fmt.percent(k.p_achieve, 0)
            if c == "p_achieve" and k.p_achieve is not None
            else fmt.short_value(getattr(k, c), k.unit, lang)
            for c in cols
        ]
        table.add_row(k.label, *vals)
    console.print(table)
    if r.model and r.model.message:
        console.print(r.model.message, style="yellow")


@forecast_app.command("deals")
def deals(
    db: DbOpt = None,
    model: ModelOpt = None,
    scope: ScopeOpt = None,
    limit: int = 20,
    as_json: JsonOpt = False,
) -> None:
    """Open deals with their win probability, this month's chance, category and top factors."""
    r = state.service(db).forecasts.deals(model, scope or "company", limit)
    if as_json:
        _out(r.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(title=t("forecast.deals", lang), title_justify="left")
    for c in ("deal", "stage", "amount", "p_win", "p_period", "category", "factors"):
        table.add_column(t(f"forecast.col_{c}", lang))
    for d in r.deals:
        why = ", ".join(f"{'+' if f.effect > 0 else '−'}{f.label}" for f in d.factors[:4])
        table.add_row(
            d.name or str(d.id),
            d.stage,
            fmt.short_value(d.amount, "yen", lang),
            d.p_win_text,
            f"{round(d.p_period * 100)}%",
            t(f"forecast.cat_{d.category}", lang),
            why,
        )
    console.print(table)
    if r.model and r.model.message:
        console.print(r.model.message, style="yellow")


@forecast_app.command("leads")
def leads(
    db: DbOpt = None,
    model: ModelOpt = None,
    scope: ScopeOpt = None,
    limit: int = 20,
    as_json: JsonOpt = False,
) -> None:
    """Open leads with P(a won deal within the horizon) against their channel's rate."""
    r = state.service(db).forecasts.leads(model, scope or "company", limit)
    if as_json:
        _out(r.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(title=t("forecast.leads", lang), title_justify="left")
    for c in ("channel", "status"):
        table.add_column(t(f"forecast.col_{c}", lang))
    table.add_column(t("forecast.col_p_won", lang, days=r.horizon_days), justify="right")
    table.add_column(t("forecast.col_base", lang), justify="right")
    for x in r.leads:
        table.add_row(x.channel or "", x.status, f"{x.p_won:.1%}", f"{x.p_base:.1%}")
    console.print(table)


@forecast_app.command("stages")
def stages(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The stage model: P(won) by stage and days in stage, days to close."""
    r = state.service(db).forecasts.stages()
    if as_json:
        _out(r.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(title=t("forecast.stages", lang), title_justify="left")
    for c in ("stage", "age", "n", "won", "p_win", "ttc"):
        table.add_column(t(f"forecast.col_{c}", lang))
    for x in r.rows:
        ttc = "—" if x.days_to_close_p50 is None else f"{x.days_to_close_p50:.0f} / {x.days_to_close_p90:.0f}"
        table.add_row(x.stage, x.age, f"{x.n:,}", f"{x.won:,}", f"{x.p_win:.0%}", ttc)
    console.print(table)
    console.print(t("forecast.team_prior", lang, k=f"{r.team_prior:.0f}"))


def _days(text: str) -> tuple[int, ...]:
    try:
        days = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise UsageError("forecast_bad_days") from None
    if not days or any(not 1 <= d <= 28 for d in days):
        raise UsageError("forecast_bad_days")
    return tuple(sorted(set(days)))


@forecast_app.command("backtest")
def backtest(
    db: DbOpt = None,
    model: ModelOpt = None,
    start: Annotated[str | None, typer.Option("--from", help="first month (YYYY-MM)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="last month (YYYY-MM)")] = None,
    as_of_days: Annotated[
        str, typer.Option("--as-of-days", help="days of the month, e.g. 5,10,15")
    ] = "5,10,15",
    quick: Annotated[bool, typer.Option("--quick", help="the logistic model only (no comparison)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin backtest from what was known at each origin; stores its figures."""
    bar = _Bar()
    try:
        r = state.service(db).forecasts.backtest(model, start, end, _days(as_of_days), not quick, bar)
    finally:
        bar.finish()
    if as_json:
        _out(r.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(
        title=t("forecast.bt_title", lang, source=r.source, first=r.months[0], last=r.months[-1]),
        title_justify="left",
    )
    for c in ("day", "level", "mape", "best_baseline", "relative", "coverage"):
        table.add_column(t(f"forecast.{c}", lang))
    for x in r.levels:
        table.add_row(
            str(x.day),
            t(f"forecast.level_{x.level}", lang),
            _pct(x.mape),
            f"{x.best_baseline} {_pct(x.baselines.get(x.best_baseline or ''))}",
            _num(x.relative),
            _pct(x.coverage),
        )
    console.print(table)
    probs = Table(title=t("forecast.bt_probs", lang), title_justify="left")
    for c in ("method", "brier", "log_loss", "auc", "ece"):
        probs.add_column(t(f"forecast.{c}", lang))
    for p in r.probabilities:
        probs.add_row(
            f"{p.kind}: {p.method} (n={p.n:,})",
            _num(p.brier, 4),
            _num(p.log_loss, 4),
            _num(p.auc, 3),
            _num(p.ece, 3),
        )
    console.print(probs)
    for g in r.goals:
        mark = "—" if g.met is None else t("forecast.met" if g.met else "forecast.missed", lang)
        console.print(f"{g.name}: {_num(g.value)} ({g.target}) {mark}")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _num(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


@forecast_app.command("category")
def category(
    deal: int,
    value: Annotated[str, typer.Argument(help="commit | best_case | pipeline | omitted | default")],
    db: DbOpt = None,
) -> None:
    """Set an open deal's forecast category (``default``: back to the one from its probability)."""
    state.service(db).forecasts.set_category(deal, None if value == "default" else value)
    console.print(t("forecast.saved", state.lang))


@forecast_app.command("adjust")
def adjust(
    value: float,
    reason: Annotated[str, typer.Option("--reason", help="why (required)")],
    db: DbOpt = None,
    model: ModelOpt = None,
    scope: ScopeOpt = None,
    kpi: str = "revenue",
) -> None:
    """A manager's judgment on the scope's forecast (the deals underneath stay as they are)."""
    state.service(db).forecasts.adjust(model, scope or "company", value, reason, kpi)
    console.print(t("forecast.saved", state.lang))


@forecast_app.command("submit")
def submit(
    value: float,
    db: DbOpt = None,
    model: ModelOpt = None,
    scope: ScopeOpt = None,
    note: str | None = None,
    kpi: str = "revenue",
) -> None:
    """Submit this week's forecast for the scope's period (kept for the accuracy page)."""
    state.service(db).forecasts.submit(model, scope or "company", value, note, kpi)
    console.print(t("forecast.saved", state.lang))
