"""Stored models: ``model push``, ``model list``, ``model show``, ``model diff``, ``model bind``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rashinban.cli.app import app, console, state
from rashinban.i18n import t

model_app = typer.Typer(help="KPI models stored in the store, with versions.", no_args_is_help=True)
app.add_typer(model_app, name="model")
DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]


def _json(data: Any) -> None:
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@model_app.command("push")
def push(
    file: Annotated[Path, typer.Argument(help="model file (YAML)")],
    db: DbOpt = None,
    name: Annotated[
        str | None, typer.Option("--name", help="store under this name (default: its name:)")
    ] = None,
    message: Annotated[str | None, typer.Option("--message", "-m", help="why this version")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Store a model file as a new version (a file that does not parse stores nothing)."""
    out = state.service(db).models.push(file, name, message)
    if as_json:
        _json(out)
        return
    key = "cli.model_pushed" if out["created"] else "cli.model_unchanged"
    console.print(t(key, state.lang, name=out["name"], version=out["version"]))


@model_app.command("list")
def list_models(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The stored models: newest version, author, teams bound to each, the default."""
    data = state.service(db).models.stored()
    if as_json:
        _json(data)
        return
    lang = state.lang
    table = Table(title=t("cli.models_title", lang), title_justify="left")
    for col in ("col_name", "col_version", "col_author", "col_created", "col_teams", "col_message"):
        table.add_column(t(f"cli.models_{col}", lang), overflow="fold")
    for m in data["models"]:
        name = m["name"] + (f" ({t('cli.models_default', lang)})" if m["default"] else "")
        teams = ", ".join(m["teams"])
        table.add_row(name, str(m["version"]), m["author"] or "", m["created_at"], teams, m["message"] or "")
    console.print(table)


@model_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="model name")],
    version: Annotated[int | None, typer.Option("--version", "-v", help="default: the newest")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a stored version's YAML (or its history with --json)."""
    svc = state.service(db)
    data = svc.models.show(name, version)
    if as_json:
        _json(data | {"history": svc.models.history(name)})
        return
    console.file.write(data["body"] if data["body"].endswith("\n") else data["body"] + "\n")


@model_app.command("diff")
def diff(
    name: Annotated[str, typer.Argument(help="model name")],
    old: Annotated[int | None, typer.Option("--from", help="older version (default: the one before)")] = None,
    new: Annotated[int | None, typer.Option("--to", help="newer version (default: the newest)")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two versions: nodes added, removed or changed, and the text."""
    data = state.service(db).models.diff(name, old, new)
    if as_json:
        _json(data)
        return
    lang = state.lang
    console.print(t("cli.model_diff_title", lang, name=name, old=data["old"], new=data["new"]))
    for c in data["nodes"]:
        fields = ", ".join(f"{k}: {v[0]} → {v[1]}" for k, v in c.get("fields", {}).items())
        console.print(f"  {t('cli.model_change_' + c['change'], lang)} {c['node']} {fields}", markup=False)
    for line in data["text"]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        console.print(line, style=style, markup=False, highlight=False)


@model_app.command("bind")
def bind(
    team: Annotated[str, typer.Argument(help="team name or id")],
    name: Annotated[str | None, typer.Argument(help="model name (omit with --unbind)")] = None,
    unbind: Annotated[bool, typer.Option("--unbind", help="the team inherits from above again")] = False,
    db: DbOpt = None,
) -> None:
    """Bind a team (and the teams below it) to a stored model; its pages then use it."""
    if name is None and not unbind:
        raise typer.BadParameter(t("cli.model_bind_needs_name", state.lang))
    out = state.service(db).models.bind(team, None if unbind else name)
    console.print(t("cli.model_bound", state.lang, team=out["team"], model=out["model"] or "-"))


@model_app.command("default")
def default(name: Annotated[str, typer.Argument(help="model name")], db: DbOpt = None) -> None:
    """Make a stored model the default (used by teams bound to none)."""
    state.service(db).models.set_default(name)
    console.print(t("cli.model_default_set", state.lang, name=name))
