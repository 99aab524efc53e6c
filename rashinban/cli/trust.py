"""Manual KPI values and members: ``rashinban manual set|list`` and ``rashinban members
rename|merge|move|list``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rashinban.cli.app import app, console, state
from rashinban.errors import FormInvalid, UsageError
from rashinban.i18n import format as fmt
from rashinban.i18n import t

DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="model file (default: the store's model)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]

manual_app = typer.Typer(
    help="Values of manual KPIs (kind: manual): 代行費用, 内製化 KPIs …", no_args_is_help=True
)
app.add_typer(manual_app, name="manual")


def _fields(e: FormInvalid) -> UsageError:
    """A form's field errors as one CLI error line (``value: Enter a number …``)."""
    parts = [f"{k}: {t(f'forms.err.{v}', state.lang)}" for k, v in e.fields.items()]
    return UsageError("cli_invalid_fields", fields="; ".join(parts))


@manual_app.command("set")
def manual_set(
    node: Annotated[str, typer.Argument(help="the manual KPI's node id (e.g. fee)")],
    value: Annotated[str, typer.Argument(help="the value (150万, 0.3, 30%); '' clears it")],
    period: Annotated[
        str | None, typer.Option("--period", help="2026-11 (default: the current period)")
    ] = None,
    team: Annotated[str | None, typer.Option("--team", help="team name or id")] = None,
    member: Annotated[str | None, typer.Option("--member", help="member name or id")] = None,
    note: Annotated[str | None, typer.Option("--note", help="why (kept in the history)")] = None,
    model: ModelOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Enter a manual KPI's value for the company (default), a team or a member."""
    scope = f"member:{member}" if member and member.isdigit() else member
    scope = f"team:{team}" if team and team.isdigit() else (team or scope or "company")
    data = {"node": node, "value": value, "period": period, "scope": scope, "note": note}
    try:
        saved = state.service(db).manual.enter(data, model)
    except FormInvalid as e:
        raise _fields(e) from None
    if as_json:
        console.file.write(saved.model_dump_json(indent=1) + "\n")
        return
    v = saved.value
    key = "manual.saved" if saved.changed else "manual.unchanged"
    scope_name = t("status.company", state.lang) if v.scope.type == "company" else v.scope.name
    console.print(t(key, state.lang, node=v.node_name, period=v.period, scope=scope_name))
    console.print(f"  {fmt.value(v.previous, v.unit, state.lang)} → {fmt.value(v.value, v.unit, state.lang)}")


@manual_app.command("list")
def manual_list(
    period: Annotated[str | None, typer.Option("--period", help="one period (default: all)")] = None,
    model: ModelOpt = None,
    db: DbOpt = None,
    history: Annotated[bool, typer.Option("--history", help="every revision (who, when, old → new)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The manual KPIs' current values (or their history) with who entered them and when."""
    data = state.service(db).manual.values(model, period)
    if as_json:
        console.file.write(data.model_dump_json(indent=1) + "\n")
        return
    lang = state.lang
    rows = data.history if history else data.values
    table = Table(title=f"{t('manual.title', lang)} — {data.model}", title_justify="left")
    for col in ("when", "by", "node", "scope", "period", "old", "new", "note"):
        table.add_column(t(f"manual.{col}", lang), justify="right" if col in ("old", "new") else "left")
    for v in rows:
        table.add_row(
            v.entered_at.strftime("%Y-%m-%d %H:%M"),
            v.author or "—",
            v.node_name,
            t("status.company", lang) if v.scope.type == "company" else v.scope.name,
            v.period,
            fmt.value(v.previous, v.unit, lang),
            fmt.value(v.value, v.unit, lang),
            v.note or "",
        )
    console.print(table)
    if not data.nodes:
        console.print(t("manual.none", lang))


members_app = typer.Typer(
    help="Members: list, rename, move between teams, merge duplicates", no_args_is_help=True
)
app.add_typer(members_app, name="members")


@members_app.command("list")
def members_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every member with its team (teamless ones first) and how much data it holds."""
    data = state.service(db).members.overview()
    if as_json:
        console.file.write(data.model_dump_json(indent=1) + "\n")
        return
    lang = state.lang
    table = Table(title=t("members.title", lang), title_justify="left")
    for col in ("name", "team", "source", "deals", "leads", "activities"):
        table.add_column(
            t(f"members.{col}", lang), justify="right" if col in ("deals", "leads", "activities") else "left"
        )
    for m in data.members:
        table.add_row(
            f"{m.name} [dim]#{m.id}[/]",
            m.team or t("members.no_team", lang),
            f"{m.source}: {m.external_id}",
            f"{m.deals:,}",
            f"{m.leads:,}",
            f"{m.activities:,}",
        )
    console.print(table)
    if data.teamless:
        console.print(t("members.teamless", lang, count=data.teamless))


def _changed(name: str, before: dict[str, object], after: dict[str, object]) -> None:
    old = ", ".join(f"{k}={v}" for k, v in before.items()) or "—"
    new = ", ".join(f"{k}={v}" for k, v in after.items()) or "—"
    console.print(t("members.changed", state.lang, name=name, before=old, after=new))


@members_app.command("rename")
def members_rename(
    member: Annotated[str, typer.Argument(help="member id, external id or name")],
    name: Annotated[str, typer.Argument(help="the new name")],
    email: Annotated[str | None, typer.Option("--email", help="the member's e-mail")] = None,
    db: DbOpt = None,
) -> None:
    """Rename a member (audited)."""
    svc = state.service(db).members
    try:
        done = svc.rename(svc.find(member), {"name": name, "email": email})
    except FormInvalid as e:
        raise _fields(e) from None
    _changed(done.member.name, done.before, done.after)


@members_app.command("move")
def members_move(
    member: Annotated[str, typer.Argument(help="member id, external id or name")],
    team: Annotated[str, typer.Argument(help="team id or name")],
    db: DbOpt = None,
) -> None:
    """Move a member into a team (its numbers then count for that team; audited)."""
    svc = state.service(db).members
    try:
        done = svc.move(svc.find(member), {"team_id": team})
    except FormInvalid as e:
        raise _fields(e) from None
    _changed(done.member.name, done.before, done.after)


@members_app.command("merge")
def members_merge(
    member: Annotated[str, typer.Argument(help="the member to merge (it goes away)")],
    into: Annotated[str, typer.Argument(help="the member to keep")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Merge a duplicate member into another: its deals, leads, activities, contracts, users and
    import mappings move to the member kept (audited)."""
    svc = state.service(db).members
    try:
        done = svc.merge(svc.find(member), {"into": into})
    except FormInvalid as e:
        raise _fields(e) from None
    if as_json:
        console.file.write(done.model_dump_json(indent=1) + "\n")
        return
    total = sum(done.moved.values())
    console.print(
        t("members.merged", state.lang, merged=done.merged_name, name=done.member.name, count=total)
    )
