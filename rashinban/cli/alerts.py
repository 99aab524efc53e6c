"""Alert commands: ``alerts run`` (evaluate now), ``alerts list``, ``alerts rules``, and
``digest send`` (the weekly digest)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rashinban.cli.app import app, console, err_console, state
from rashinban.i18n import t

alerts_app = typer.Typer(help="Alerts: evaluate the rules, list alerts and rules.", no_args_is_help=True)
digest_app = typer.Typer(help="The weekly progress digest.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
app.add_typer(digest_app, name="digest")

DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]
ModelOpt = Annotated[
    Path | None, typer.Option("--model", help="model file (default: the store's models)", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def _json(data: Any) -> None:
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


class _Bar:
    """Rules evaluated, as a Rich bar on stderr (only on a terminal)."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.task: Any = None

    def start(self, label: str, total: int, unit: str) -> None:
        if not sys.stderr.isatty():
            return
        self.progress = Progress(
            TextColumn(t("cli.alerts_progress", state.lang)),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
        )
        self.progress.start()
        self.task = self.progress.add_task(label, total=max(total, 1))

    def advance(self, position: int, rows: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=position)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


@alerts_app.command("run")
def alerts_run(
    db: DbOpt = None,
    model: ModelOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="evaluate as of this day (default: now)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate every rule over every scope now; open, keep and resolve alerts; queue messages
    (the jobs runner of `serve` or `worker` sends them)."""
    result = state.service(db).alerts.run(as_of, model, None if as_json else _Bar())
    if as_json:
        _json(result.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(title=t("cli.alerts_run_title", lang, as_of=result.as_of.isoformat()), title_justify="left")
    for col in ("col_rule", "col_in_alert", "col_opened", "col_resolved"):
        table.add_column(t(f"cli.alerts_{col}", lang), overflow="fold")
    for r in result.rules:
        table.add_row(r.name, str(r.in_alert), str(r.opened), str(r.resolved))
    console.print(table)
    console.print(
        t(
            "cli.alerts_run_summary",
            lang,
            opened=result.opened,
            resolved=result.resolved,
            kept=result.kept,
            escalated=result.escalated,
            unsnoozed=result.unsnoozed,
            deliveries=result.deliveries,
            seconds=f"{result.seconds:.2f}",
        )
    )


@alerts_app.command("list")
def alerts_list(
    db: DbOpt = None,
    alert_state: Annotated[str, typer.Option("--state", help="open | all")] = "open",
    kind: Annotated[
        str | None, typer.Option("--kind", help="off_pace | late_entry | stalled_deal | stale_data")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 200,
    as_json: JsonOpt = False,
) -> None:
    """List alerts, newest first (open: not resolved yet)."""
    if alert_state not in ("open", "all"):
        raise typer.BadParameter("open | all", param_hint="--state")
    result = state.service(db).alerts.inbox(alert_state, kind, limit)
    if as_json:
        _json(result.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(title=t("cli.alerts_list_title", lang, total=result.total), title_justify="left")
    for col in ("col_id", "col_state", "col_opened_at", "col_scope", "col_message"):
        table.add_column(t(f"cli.alerts_{col}", lang), overflow="fold")
    for a in result.alerts:
        table.add_row(
            str(a.id),
            f"[{SEVERITY_STYLE.get(a.severity, '')}]{t('alerts.state.' + a.state, lang)}[/]",
            a.opened_at.isoformat(" ", "minutes"),
            a.scope.name if a.scope is not None else "-",
            a.message,
        )
    console.print(table)


@alerts_app.command("rules")
def alerts_rules(db: DbOpt = None, model: ModelOpt = None, as_json: JsonOpt = False) -> None:
    """The rules (the store's and the model files' alerts:), with their open alerts."""
    result = state.service(db).alerts.rules(model)
    if as_json:
        _json(result.model_dump(mode="json"))
        return
    lang = state.lang
    table = Table(title=t("cli.alerts_rules_title", lang), title_justify="left")
    for col in ("col_id", "col_rule", "col_summary", "col_open", "col_origin"):
        table.add_column(t(f"cli.alerts_{col}", lang), overflow="fold")
    for r in result.rules:
        name = r.name if r.enabled else f"[dim]{r.name} ({t('alerts.disabled', lang)})[/]"
        table.add_row(str(r.id), name, r.summary, str(r.open), r.origin)
    console.print(table)
    for p in result.problems:
        err_console.print(f"[yellow]{p}[/]", markup=True)


@digest_app.command("send")
def digest_send(
    db: DbOpt = None,
    model: ModelOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be sent; send nothing")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Send this week's progress digest to every manager and member (once per week each)."""
    run = state.service(db).alerts.send_digests(dry_run, model)
    if as_json:
        _json(run.model_dump(mode="json"))
        return
    lang = state.lang
    if dry_run:
        for p in run.previews:
            console.rule(f"{p.user} — {p.subject}")
            console.print(p.text, markup=False, highlight=False)
    console.print(
        t(
            "cli.digest_dry_run" if dry_run else "cli.digest_sent",
            lang,
            week=run.week,
            users=len(run.users),
            previews=len(run.previews),
            deliveries=run.deliveries,
        )
    )
