"""``rashinban demo generate``: a realistic Japanese B2B sales organisation to play with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rashinban.cli.app import app, console, err_console, state
from rashinban.i18n import t
from rashinban.service import DemoScale as Scale

demo_app = typer.Typer(
    name="demo", help="Demo data: a sales organisation with history.", no_args_is_help=True
)
app.add_typer(demo_app)


@demo_app.command("generate")
def generate(
    db: Annotated[
        str | None, typer.Option("--db", help="DuckDB file or postgresql:// URL (default: RASHINBAN_DB)")
    ] = None,
    reps: Annotated[
        int | None, typer.Option("--reps", help="sales reps (default by scale: 10/40/200)")
    ] = None,
    months: Annotated[
        int | None, typer.Option("--months", help="months of history (default by scale: 12/24/24)")
    ] = None,
    scale: Annotated[
        Scale, typer.Option("--scale", help="volume: small (tests), medium, large")
    ] = Scale.SMALL,
    seed: Annotated[int, typer.Option("--seed", help="random seed: same seed, same data")] = 1,
    password: Annotated[
        str | None,
        typer.Option("--password", help="password of every demo login user (default: rashinban-demo)"),
    ] = None,
    end_month: Annotated[
        str | None, typer.Option("--end-month", help="last month YYYY-MM (default: the current month)")
    ] = None,
    model_out: Annotated[
        Path | None, typer.Option("--model-out", help="model file to write (default: <db stem>.model.yaml)")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="delete earlier demo data and users first")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Generate teams, reps, leads, activities, deals, contracts and surveys, login users and a model file."""
    lang = state.lang
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(t("demo.progress", lang), total=None, step="")

        def progress(label: str, done: int, total: int) -> None:
            step = {"org": t("demo.step_org", lang), "model": t("demo.step_model", lang)}.get(
                label, t("demo.step_month", lang, month=label)
            )
            bar.update(task, completed=done, total=total, step=step)

        svc = state.service(db)
        result = svc.data.generate_demo(
            scale=scale.value,
            reps=reps,
            months=months,
            seed=seed,
            password=password,
            end_month=end_month,
            model_out=model_out,
            replace=replace,
            progress=progress,
        )
    created = svc.data.created_store
    if as_json:
        data = result.as_dict() | {"created_store": created}
        console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if created:
        console.print(t("import.store_created", lang, path=created), markup=False)
    from rashinban.service import DEMO_COMPANY as COMPANY

    cfg = result.config
    console.print(t("demo.title", lang, company=COMPANY, scale=cfg.scale.value, seed=cfg.seed))
    table = Table()
    table.add_column(t("demo.col_table", lang))
    table.add_column(t("demo.col_rows", lang), justify="right")
    for name, count in result.rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(
        t(
            "demo.summary",
            lang,
            reps=cfg.reps,
            months=cfg.months,
            start=cfg.start.isoformat(),
            cutoff=cfg.cutoff.date().isoformat(),
            seconds=f"{result.seconds:.1f}",
            db=result.db,
        )
    )
    users = result.users
    shown = ", ".join(users[:6]) + (f", … ({len(users)})" if len(users) > 6 else "")
    console.print(t("demo.users", lang, password=cfg.password, users=shown), markup=False)
    if result.model_path:
        console.print(t("demo.model_written", lang, path=str(result.model_path)), markup=False)
        console.print(t("demo.next", lang, path=str(result.model_path)), markup=False)
