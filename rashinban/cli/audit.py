"""``rashinban audit``: the audit trail (sign-ins, refusals, changes old → new, imports)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from rashinban.cli.app import app, console, state
from rashinban.i18n import t

DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]


def _short(value: object) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False, default=str)


@app.command("audit")
def audit(
    db: DbOpt = None,
    action: Annotated[
        str | None, typer.Option("--event", help="event types, comma-separated (login, …)")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="security | config | data")] = None,
    actor: Annotated[str | None, typer.Option("--user", help="who did it")] = None,
    since: Annotated[str | None, typer.Option("--since", help="a day or period: 2026-11-20, 2026-11")] = None,
    until: Annotated[str | None, typer.Option("--until", help="a day or period (inclusive)")] = None,
    text: Annotated[str | None, typer.Option("--grep", help="text in the row, values or address")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print the audit trail, newest first."""
    page = state.service(db).audit.entries(
        action=action, category=category, actor=actor, since=since, until=until, text=text, limit=limit
    )
    if as_json:
        console.file.write(page.model_dump_json(indent=2) + "\n")
        return
    lang = state.lang
    table = Table(title=t("security.audit.title", lang), title_justify="left")
    for key in ("when", "actor", "address", "action", "target", "change"):
        table.add_column(t(f"security.audit.{key}", lang), overflow="fold")
    for e in page.entries:
        change = (
            f"{_short(e.before)} → {_short(e.after)}" if e.before is not None or e.after is not None else ""
        )
        if e.detail:
            change = (change + " " + _short(e.detail)).strip()
        target = (e.table or "") + (f" #{e.key}" if e.key else "")
        table.add_row(
            e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor or "—",
            e.address or "",
            e.action,
            target,
            change,
        )
    console.print(table)
    if not page.entries:
        console.print(t("security.audit.none", lang))
