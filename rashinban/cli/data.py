"""Data commands: db init / db upgrade, import, presets."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from rashinban.cli.app import app, console, err_console, state
from rashinban.cli.interrupts import CommitGuard
from rashinban.errors import IngestError, Interrupted
from rashinban.i18n import t

if TYPE_CHECKING:
    from rashinban.service import ImportResult

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="store: a DuckDB file or postgresql://… (default: RASHINBAN_DB, ./rashinban.duckdb)"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
PROGRESS_MIN_BYTES = 2 << 20

db_app = typer.Typer(help="Create or upgrade the store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _print_json(data: Any) -> None:
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@db_app.command("init")
def db_init(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create the store (every table) or bring it to the newest schema."""
    info = state.service(db).data.upgrade(create=True)
    if as_json:
        _print_json(info)
        return
    key = "import.db_created" if info["created"] else "import.db_ready"
    console.print(t(key, state.lang, url=info["url"], revision=info["after"]))


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Apply the schema migrations that the store does not have yet."""
    info = state.service(db).data.upgrade(create=False)
    if as_json:
        _print_json(info)
        return
    key = "import.db_current" if info["before"] == info["after"] else "import.db_upgraded"
    console.print(
        t(
            key,
            state.lang,
            url=info["url"],
            before=info["before"] or "-",
            after=info["after"],
            revision=info["after"],
        )
    )


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.elapsed or 0
        rate = rows / elapsed if elapsed > 0 else 0
        return Text(f"{rows:,} rows {rate:,.0f}/s", style="cyan")


class RichReporter:
    """Progress bar for large files (CLI only; the importer reports through this interface)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress: Progress | None = None
        self.task: Any = None
        self.rows = 0

    def start(self, label: str, total: int, unit: str) -> None:
        if not self.enabled or (unit == "bytes" and total < PROGRESS_MIN_BYTES):
            self.task = None
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                _RowsPerSecond(),
                TimeElapsedColumn(),
                console=err_console,
                transient=False,
            )
            self.progress.start()
        self.rows = 0
        self.task = self.progress.add_task(label, total=max(total, 1), rows=0)

    def advance(self, position: int, rows: int) -> None:
        if self.progress is None or self.task is None:
            return
        self.rows += rows
        self.progress.update(self.task, completed=position, rows=self.rows)

    def finish(self) -> None:
        if self.progress is not None:
            for task in self.progress.tasks:
                self.progress.update(task.id, completed=task.total)
            self.progress.stop()
            self.progress = None


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file", show_default=False)],
    preset: Annotated[str | None, typer.Option("--preset", "-p", help="see `rashinban presets`")] = None,
    db: DbOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="do everything, then roll back")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="load the valid rows; write the others to a rejects CSV")
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", help="utf-8, utf-8-sig, cp932 (shift_jis), euc-jp, utf-16 (default: detect)"
        ),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="mapping YAML for --preset generic")
    ] = None,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="where to write rejected rows")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="use --preset even when another preset fits the file better")
    ] = False,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX: the sheet to read (default: the first)")
    ] = None,
    warn: Annotated[
        list[str] | None,
        typer.Option(
            "--warn",
            help="only warn (store the value, note the rows) for a check: range, dates, flags, formulas, all",
        ),
    ] = None,
    owner: Annotated[
        list[str] | None,
        typer.Option("--owner", help="map a file's owner to a member: LABEL=MEMBER, or LABEL=new:TEAM"),
    ] = None,
    owners_team: Annotated[
        str | None, typer.Option("--owners-team", help="create the owners no member matches in this team")
    ] = None,
    stage: Annotated[
        list[str] | None, typer.Option("--stage", help="map a file's stage to a funnel stage: FROM=TO")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import an SFA/CRM export (all-or-nothing; importing the same file again changes nothing).
    Owners are matched to members by external id, e-mail or name; stages to the funnel."""
    from rashinban.service import ImportOptions, reject_text

    options = ImportOptions(
        preset=preset,
        mapping=mapping,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        encoding=encoding,
        rejects_path=rejects,
        force=force,
        sheet=sheet,
        warn=frozenset(w.strip() for item in warn or [] for w in item.split(",") if w.strip()),
    )
    reporter = RichReporter(enabled=not as_json and err_console.is_terminal)
    started = time.monotonic()
    guard = CommitGuard()
    options.commit_guard = guard.committing
    svc = state.service(db)
    if owner or owners_team or stage:
        options.choices = svc.members.import_choices(owner, owners_team, stage)
    with guard.installed():
        try:
            result = svc.imports.run(file, options, reporter)
        except IngestError as e:
            if e.code == "rows_rejected":
                e.params["reason_text"] = reject_text(e.params["reject"], state.lang)
                if not as_json:
                    _render_rejects(e.params.get("details") or [])
            raise
        except BaseException:  # Ctrl-C before the commit: nothing was written
            if guard.interrupted and guard.state != "committed":
                reporter.finish()
                raise Interrupted("import_interrupted", path=str(file)) from None
            raise
        created = svc.data.created_store
        if as_json:
            _print_json(
                result.as_dict() | {"seconds": round(time.monotonic() - started, 3), "created_store": created}
            )
        else:
            if created:
                console.print(t("import.store_created", state.lang, path=created), markup=False)
            _render_result(result)
    if guard.late:
        err_console.print(t("cli.interrupted_after_commit", state.lang, rows=result.rows), markup=False)


def _render_result(result: ImportResult) -> None:
    lang = state.lang
    if result.dry_run:
        console.print(t("import.dry_run", lang), style="yellow")
    console.print(
        t(
            "import.summary",
            lang,
            file=result.file,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
        )
    )
    if len(result.tables) > 1:
        table = Table()
        for col in ("col_table", "col_inserted", "col_updated", "col_unchanged"):
            table.add_column(t(f"import.{col}", lang), justify="left" if col == "col_table" else "right")
        for name, c in result.tables.items():
            table.add_row(name, f"{c['inserted']:,}", f"{c['updated']:,}", f"{c['unchanged']:,}")
        console.print(table)
    if result.notes:
        console.print(t("import.notes_title", lang) + ":")
        for note in result.notes:
            console.print("  • " + note_text(note, lang), markup=False)
    if result.rejects:
        _render_rejects([(Path(result.file).name, r) for r in result.rejects])
    if result.rejects_file:
        console.print(t("import.rejects_written", lang, path=result.rejects_file))


def note_text(note: dict[str, Any], lang: str) -> str:
    params = dict(note)
    by = params.pop("by", None)
    params["by_text"] = " (" + ", ".join(f"{k}: {v:,}" for k, v in by.items()) + ")" if by else ""
    return t(f"import.note.{note['code']}", lang, **params)


def _render_rejects(details: list[Any]) -> None:
    from rashinban.service import reject_text

    lang = state.lang
    if not details:
        return
    table = Table(title=t("import.rejects_title", lang, count=len(details)), title_justify="left")
    for col in ("col_file", "col_row", "col_column", "col_value", "col_reason"):
        table.add_column(t(f"import.{col}", lang))
    for file, r in details:
        table.add_row(
            file, str(r.row), r.column, "" if r.value is None else str(r.value)[:60], reject_text(r, lang)
        )
    err_console.print(table)


@app.command()
def presets(as_json: JsonOpt = False) -> None:
    """List the import presets and the columns each expects."""
    infos = state.service().imports.presets()
    if as_json:
        _print_json(infos)
        return
    lang = state.lang
    table = Table(title=t("import.presets_title", lang), show_lines=True)
    for col in ("col_preset", "col_tables", "col_columns", "col_description"):
        table.add_column(t(f"import.{col}", lang))
    for info in infos:
        cols = []
        for part in info["parts"]:
            names = ", ".join(c["header"] + ("*" if c["required"] else "") for c in part["columns"])
            cols.append(f"[dim]{part['file']}:[/] {names}" if part["file"] else names)
        table.add_row(
            info["name"],
            ", ".join(info["tables"]) or "-",
            "\n".join(cols) or t("import.generic_columns", lang),
            info["description"],
        )
    console.print(table)
