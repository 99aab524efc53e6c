"""The PDCA loop on the command line: ``review`` (meetings), ``actions``, ``report`` (PDF,
XLSX, HTML files) and ``diagnose`` (the 運用診断 — not ``diagnose-miss``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from rashinban.cli.app import app, console, err_console, state
from rashinban.errors import UsageError
from rashinban.i18n import t

review_app = typer.Typer(
    help="Review meetings: create (agenda from the numbers), show, note, freeze.", no_args_is_help=True
)
actions_app = typer.Typer(
    help="Action items: list, change status, escalate overdue ones.", no_args_is_help=True
)
app.add_typer(review_app, name="review")
app.add_typer(actions_app, name="actions")

DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="model file (default: the store's models)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
VERDICT = {"pass": "green", "partial": "yellow", "fail": "bold red"}


def _json(result: Any) -> None:
    console.file.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")


# review -----------------------------------------------------------------------------------------
@review_app.command("list")
def review_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Review meetings, newest first."""
    d = state.service(db).reviews.meetings()
    if as_json:
        return _json(d)
    lang = state.lang
    table = Table(
        "#",
        t("review.title", lang),
        t("review.scope", lang),
        t("review.period", lang),
        t("report.state", lang),
    )
    for m in d.meetings:
        table.add_row(
            str(m.id), m.title, m.scope.name if m.scope else "—", m.period, t(f"review.state_{m.state}", lang)
        )
    console.print(table)


@review_app.command("create")
def review_create(
    scope: Annotated[str, typer.Option("--scope", help="company, team:ID or member:ID")],
    db: DbOpt = None,
    model: ModelOpt = None,
    cadence: Annotated[str, typer.Option("--cadence", help="weekly | monthly | quarterly")] = "weekly",
    title: Annotated[str | None, typer.Option("--title")] = None,
    template: Annotated[
        str | None, typer.Option("--template", help="a template id (default: built-in)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a meeting: its agenda is built from the numbers as of now."""
    data = {"scope": scope, "cadence": cadence, "title": title, "template": template}
    m = state.service(db).reviews.create(data, model)
    if as_json:
        return _json(m)
    _print_meeting(m)


@review_app.command("show")
def review_show(meeting: int, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """A meeting with the numbers it showed, its agenda, actions and revisions."""
    m = state.service(db).reviews.meeting(meeting)
    if as_json:
        return _json(m)
    _print_meeting(m)


def _print_meeting(m: Any) -> None:
    lang = state.lang
    console.print(f"[bold]#{m.id} {m.title}[/] ({t(f'review.state_{m.state}', lang)})", markup=True)
    s = m.snapshot
    if s.kgi is not None:
        console.print(
            f"KGI {s.kgi.label}: {s.kgi.actual_text} / {s.kgi.target_text} → {s.kgi.projected_text}",
            markup=False,
        )
    for k in s.kpis:
        console.print(f"  {k.rank}. {k.text}", markup=False)
    if s.funnel is not None:
        console.print(s.funnel.text, markup=False)
    sections = {x.key: x.label for x in m.sections}
    for i in m.items:
        line = f"[{sections.get(i.section, i.section)}] #{i.id} {i.title}"
        console.print(
            line + (f" — {i.notes}" if i.notes else "") + (f" ⇒ {i.decision}" if i.decision else ""),
            markup=False,
        )
    for a in m.actions:
        console.print(f"  ☐ {a.title} ({a.owner}, {a.due_on}, {a.expected_text})", markup=False)


@review_app.command("note")
def review_note(
    meeting: int,
    item: int,
    db: DbOpt = None,
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    decision: Annotated[str | None, typer.Option("--decision")] = None,
) -> None:
    """Write an agenda item's notes and decision."""
    data = {k: v for k, v in (("notes", notes), ("decision", decision)) if v is not None}
    state.service(db).reviews.update_item(meeting, item, data)
    console.print(t("review.save", state.lang))


@review_app.command("freeze")
def review_freeze(meeting: int, db: DbOpt = None) -> None:
    """Freeze a meeting: its numbers, notes and decisions stay as they are."""
    m = state.service(db).reviews.freeze(meeting)
    console.print(f"#{m.id} {t(f'review.state_{m.state}', state.lang)}")


@review_app.command("cadence")
def review_cadence(
    scope: Annotated[str, typer.Argument(help="company, team:ID or member:ID")],
    cadence: Annotated[str, typer.Argument(help="weekly | monthly | quarterly | none")],
    db: DbOpt = None,
) -> None:
    """The cadence a scope's reviews are expected at (read by ``diagnose``)."""
    value = state.service(db).reviews.set_cadence(scope, None if cadence == "none" else cadence)
    console.print(json.dumps(value, ensure_ascii=False))


# actions ----------------------------------------------------------------------------------------
@actions_app.command("list")
def actions_list(
    db: DbOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="done and cancelled ones too")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Every action item (the CLI sees all scopes)."""
    d = state.service(db).reviews.actions.inbox(mine=False, status="all" if all_ else "open")
    if as_json:
        return _json(d)
    lang = state.lang
    table = Table(
        "#",
        t("actions.title_field", lang),
        t("actions.owner", lang),
        t("actions.due", lang),
        t("actions.status", lang),
    )
    for a in d.actions:
        due = f"[red]{a.due_on}[/]" if a.overdue else str(a.due_on)
        table.add_row(str(a.id), a.title, a.owner, due, t(f"actions.status_{a.status}", lang))
    console.print(table)


@actions_app.command("set")
def actions_set(
    action: int,
    status: Annotated[str, typer.Argument(help="open | in_progress | done | cancelled")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an action's status (a done one shows its observed effect)."""
    a = state.service(db).reviews.actions.update(action, {"status": status})
    if as_json:
        return _json(a)
    console.print(f"#{a.id} {a.title}: {t(f'actions.status_{a.status}', state.lang)}", markup=False)
    if a.effect is not None:
        console.print(a.effect.text, markup=False)
        console.print(a.effect.caveat, style="dim", markup=False)


@actions_app.command("escalate")
def actions_escalate(db: DbOpt = None) -> None:
    """Tell the managers of the owners of overdue actions (once per action)."""
    n = state.service(db).reviews.actions.escalate()
    console.print(str(n))


# report -----------------------------------------------------------------------------------------
@app.command("report")
def report(
    kind: Annotated[str, typer.Argument(help="status | tree | funnel | review | oneonone")],
    ident: Annotated[int | None, typer.Argument(help="the meeting or 1on1 id (review, oneonone)")] = None,
    db: DbOpt = None,
    model: ModelOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="pdf | xlsx | html")] = "pdf",
    period: Annotated[str | None, typer.Option("--period", help="a month (funnel: YYYY-MM..YYYY-MM)")] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="company, team:ID or member:ID")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="the file to write (default: its own name)")
    ] = None,
) -> None:
    """Write a report file: the status, KPI tree or funnel of a scope, a review meeting or a 1on1."""
    reports = state.service(db).reviews.reports
    if kind in ("status", "tree", "funnel"):
        make = {"status": reports.status, "tree": reports.tree, "funnel": reports.funnel}[kind]
        f = make(scope or "company", period, fmt, model)
    elif kind in ("review", "oneonone"):
        if ident is None:
            raise UsageError("report_needs_id", kind=kind)
        f = reports.review(ident, fmt) if kind == "review" else reports.oneonone(ident, fmt)
    else:
        raise UsageError(
            "option_bad_choice", option="KIND", value=kind, allowed="status, tree, funnel, review, oneonone"
        )
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(f.data)
        return
    path = out or Path(f.name)
    path.write_bytes(f.data)
    err_console.print(t("report.written", state.lang, path=str(path), size=len(f.data)))


# 運用診断 -------------------------------------------------------------------------------------------
@app.command("diagnose")
def diagnose(db: DbOpt = None, model: ModelOpt = None, as_json: JsonOpt = False) -> None:
    """運用診断: seed 004's KPI checklist (14 items) and data readiness, from the store's own state."""
    d = state.service(db).reviews.diagnose.run(model)
    if as_json:
        return _json(d)
    lang = state.lang
    score = f"{t('diagnose.score', lang)} {d.score * 100:.0f}/100"
    console.print(f"[bold]{t('diagnose.title', lang)}[/] {d.as_of} · {score}")
    table = Table("#", t("diagnose.title", lang), "", t("diagnose.evidence", lang), t("diagnose.fix", lang))
    for i in [*d.items, *d.readiness]:
        verdict = f"[{VERDICT[i.status]}]{t(f'diagnose.status_{i.status}', lang)}[/]"
        table.add_row(
            str(i.number or ""), i.text if lang == "ja" else i.title, verdict, i.evidence, i.fix or "—"
        )
    console.print(table)
