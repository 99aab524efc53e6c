"""Jobs commands: ``jobs`` (list), ``jobs cancel``, ``jobs schedules``, ``worker``."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated

import typer
from rich.table import Table

from rashinban.cli.app import app, console, err_console, state
from rashinban.i18n import render_error, t

jobs_app = typer.Typer(
    help="Background jobs: imports, alerts, digests, reports.", invoke_without_command=True
)
app.add_typer(jobs_app, name="jobs")
DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]


@jobs_app.callback()
def jobs_list(
    ctx: typer.Context,
    db: DbOpt = None,
    job_state: Annotated[
        list[str] | None, typer.Option("--state", help="queued | running | succeeded | failed | cancelled")
    ] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="import, alerts, digest, …")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List jobs, newest first, with their state and error."""
    if ctx.invoked_subcommand is not None:
        return
    lang = state.lang
    rows = state.service(db).jobs.recent(
        set(job_state) if job_state else None, set(kind) if kind else None, limit
    )
    if as_json:
        data = [r.as_dict(render_error(r.error, lang) if r.error else None) for r in rows]
        console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=t("cli.jobs_title", lang), title_justify="left")
    for col in ("col_id", "col_kind", "col_state", "col_attempts", "col_created", "col_error"):
        table.add_column(t(f"cli.jobs_{col}", lang), overflow="fold")
    for r in rows:
        progress = f" {r.progress:.0%}" if r.progress is not None and r.state == "running" else ""
        table.add_row(
            str(r.id),
            t(f"jobs.kind.{r.kind}", lang)
            if t(f"jobs.kind.{r.kind}", lang) != f"jobs.kind.{r.kind}"
            else r.kind,
            t(f"jobs.state.{r.state}", lang) + progress,
            f"{r.attempts}/{r.max_attempts}",
            f"{r.created_at} {r.created_by or ''}".strip(),
            render_error(r.error, lang) if r.error else "",
        )
    console.print(table)


def _kind(kind: str, lang: str) -> str:
    text = t(f"jobs.kind.{kind}", lang)
    return kind if text == f"jobs.kind.{kind}" else text


@jobs_app.command("cancel")
def jobs_cancel(job_id: Annotated[int, typer.Argument(help="job id")], db: DbOpt = None) -> None:
    """Cancel a queued or running job (a running one stops at its next progress report)."""
    done = state.service(db).jobs.cancel(job_id)
    console.print(t("cli.job_cancelled" if done else "cli.job_already_finished", state.lang, id=job_id))


@app.command()
def worker(
    db: DbOpt = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="run only jobs of these kinds")] = None,
    poll: Annotated[float, typer.Option("--poll", min=0.1, max=60, help="seconds between polls")] = 1.0,
) -> None:
    """Run jobs and schedules in the foreground (Ctrl-C stops after the current job).

    Use it beside `serve --no-jobs` on PostgreSQL; on a DuckDB file only one process may
    write, so there `serve` runs the jobs itself."""
    from rashinban.jobs.kinds import start_runner
    from rashinban.service import Rashinban

    svc = Rashinban.open_server(db)
    state.opened.append(svc)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner = start_runner(svc.ctx.store, svc.ctx.clock, kinds=set(kind) if kind else None, poll_seconds=poll)
    err_console.print(t("cli.worker_started", state.lang))
    try:
        while runner.running and not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop(timeout=60)
    err_console.print(t("cli.worker_stopped", state.lang))
