"""One import, start to finish: open the file(s), match the preset, stream, validate, load.

Everything is written in one transaction: a bad row (without ``skip_invalid``), an error
or a killed process leaves the store exactly as it was.  A dry run does the whole import
and rolls it back, so its counts are the real ones.  Progress goes to a
:class:`Reporter`; nothing here prints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from rashinban.clock import default_clock
from rashinban.errors import IngestError
from rashinban.ingest import presets as P
from rashinban.ingest.checks import CHECKS
from rashinban.ingest.fit import check_fit
from rashinban.ingest.interface import ImportOptions, ImportResult, NullReporter, Reporter, reject_text
from rashinban.ingest.load import Loader
from rashinban.ingest.people import Choices, People, people_notes
from rashinban.ingest.readers import TabularFile, open_table
from rashinban.ingest.rejects import RejectSink
from rashinban.ingest.spec import PartSpec, Preset
from rashinban.ingest.stream import load_part
from rashinban.ingest.tempfiles import clean_stale
from rashinban.ingest.validate import Notes, Reject, detect_preset, match_part
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import import_runs

# DuckDB's buffer memory during an import: the staged rows spill to disk beyond this, so a
# file of any size stays within a few hundred MB in all
IMPORT_MEMORY_LIMIT = "160MB"


def _limit_memory(conn: sa.Connection) -> str | None:
    """Cap DuckDB's memory for the import; returns the setting to restore afterwards."""
    if conn.dialect.name != "duckdb":
        return None
    before = str(conn.exec_driver_sql("SELECT current_setting('memory_limit')").scalar_one())
    conn.exec_driver_sql(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    if conn.in_transaction():
        conn.commit()
    return before.replace(" ", "").replace("iB", "B")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _plan_files(preset: Preset, path: Path) -> list[tuple[PartSpec, Path]]:
    """Which file each part of the preset reads."""
    if not preset.is_bundle:
        return [(preset.parts[0], path)]
    names = {part.file for part in preset.parts if part.file}
    if path.name not in names:
        raise IngestError(
            "bundle_wrong_file", path=str(path), preset=preset.name, files=", ".join(sorted(names))
        )
    out = []
    for part in preset.parts:
        sibling = path.parent / (part.file or path.name)
        if sibling.exists():
            out.append((part, sibling))
    return out


def _lenient(options: ImportOptions) -> frozenset[str]:
    names = set(options.warn)
    if "all" in names:
        return frozenset(CHECKS)
    unknown = sorted(names - set(CHECKS))
    if unknown:
        raise IngestError("warn_unknown", value=", ".join(unknown), allowed=", ".join((*CHECKS, "all")))
    return frozenset(names)


def _rejects_dest(path: Path, options: ImportOptions) -> Path | None:
    """Where the rejects file goes; checked before the import starts, not after its work."""
    if not options.skip_invalid or options.dry_run:
        return None
    dest = Path(options.rejects_path or Path.cwd() / f"{path.stem}.rejects.csv")
    folder = dest.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if dest.is_dir():
        raise IngestError("rejects_unwritable", path=str(dest), reason="is a directory")
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise IngestError("rejects_unwritable", path=str(dest), reason=f"{folder} is not writable")
    if dest.exists() and not os.access(dest, os.W_OK):
        raise IngestError("rejects_unwritable", path=str(dest), reason="the file is read-only")
    return dest


def run_import(
    store: Store, path: str | Path, options: ImportOptions, reporter: Reporter | None = None
) -> ImportResult:
    """Import ``path`` into ``store`` (one transaction); see :class:`ImportOptions`."""
    previous = _use_jemalloc()
    try:
        return _run_import(store, path, options, reporter)
    finally:
        if previous is not None:
            pa.set_memory_pool(previous)


def _use_jemalloc() -> Any:
    """jemalloc hands freed batch memory back sooner than the default pool: a lower peak."""
    try:
        pool = pa.jemalloc_memory_pool()
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return None
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    return previous


def _run_import(
    store: Store, path: str | Path, options: ImportOptions, reporter: Reporter | None = None
) -> ImportResult:
    reporter = reporter or NullReporter()
    path = Path(path)
    clean_stale()  # rejects files that a killed import left behind
    lenient = _lenient(options)
    first = open_table(path, options.encoding, options.sheet)
    all_presets = list(P.builtin_presets())
    if options.preset:
        preset = P.get_preset(options.preset, options.mapping)
        if preset.name in {p.name for p in all_presets} and not options.force:
            check_fit(preset, first.headers, all_presets, str(path))
    elif options.mapping:
        preset = P.load_mapping(options.mapping)
    else:
        found = detect_preset(first.headers, all_presets)
        if found is None:
            from rashinban.ingest.validate import closest_preset

            best = closest_preset(first.headers, all_presets)
            raise IngestError(
                "no_preset_matches",
                path=str(path),
                closest=best[0] if best else "-",
                found=", ".join(first.headers[:12]),
            )
        preset = found
    plan_files = _plan_files(preset, path)
    opened: dict[Path, TabularFile] = {path: first}
    plans = []
    for part, file in plan_files:
        tf = opened.get(file) or open_table(file, options.encoding)
        opened[file] = tf
        plan = match_part(part, tf.headers, str(file), preset, all_presets, tf.duplicates)
        plans.append((dataclasses.replace(plan, lenient=lenient), tf))
    rejects_dest = _rejects_dest(path, options)
    notes = Notes()
    if first.other_sheets:
        sheets = ", ".join(f"{name} ({rows:,})" for name, rows in first.other_sheets)
        notes.add("other_sheets", len(first.other_sheets), file=path.name, sheet=first.sheet, sheets=sheets)
    if preset.is_bundle:
        missing = sorted({p.file for p in preset.parts if p.file} - {f.name for f in opened})
        for name in missing:
            notes.add("companion_missing", 1, file=name)

    result = ImportResult(
        file=str(path),
        preset=preset.name,
        source=preset.source,
        encoding=first.encoding,
        dry_run=options.dry_run,
        files=[str(f) for f in opened],
    )
    sink = RejectSink()
    clock = options.clock or default_clock()
    now = clock.now()
    engine = store.engine
    try:
        with engine.connect() as conn:
            restore = _limit_memory(conn)
            try:
                with store.transaction(conn, options.lock_timeout) as tx:
                    run_id = reserve(conn, "import_runs", 1)
                    loader = Loader(conn, preset.source, run_id, options.actor, now)
                    loader.scope = options.scope
                    choices = options.choices or Choices()
                    loader.people = People(conn, preset.source, options.actor, now, choices, options.dry_run)
                    if options.scope is not None:
                        loader.people.scope_members = options.scope.members
                        loader.people.scope_teams = options.scope.teams
                    loader.memory_limits = (IMPORT_MEMORY_LIMIT, restore) if restore else None
                    for plan, tf in plans:
                        counts = load_part(loader, plan, tf, sink, notes, options, reporter, result)
                        agg = result.tables.setdefault(
                            plan.part.table, {"inserted": 0, "updated": 0, "unchanged": 0}
                        )
                        agg["inserted"] += counts.inserted
                        agg["updated"] += counts.updated
                        agg["unchanged"] += counts.unchanged
                        result.inserted += counts.inserted
                        result.updated += counts.updated
                        result.unchanged += counts.unchanged
                    for plan, _ in plans:
                        loader.run_checks(plan.part, notes)
                    result.people = loader.people.report.as_dict()
                    people_notes(loader.people.report, notes)
                    loader.people.check()
                    for read in opened:
                        if result.file_rows.get(str(read), 0) == 0:
                            notes.add("no_rows", 1, file=read.name)
                    result.rejected = len(sink.rows)
                    result.rejects = [r for _, r in sink.first]
                    result.notes = notes.as_list()
                    if sink.count and not options.skip_invalid:
                        f, r = sink.first[0]
                        raise IngestError(
                            "rows_rejected",
                            file=f,
                            row=r.row,
                            column=r.column,
                            value="" if r.value is None else r.value,
                            reason=r.reason,
                            count=result.rejected,
                            reason_text=reject_text(r),
                            details=list(sink.first),
                            reject=r,
                            people=result.people,  # the preview's mapping step still applies
                        )
                    if options.dry_run:
                        tx.rollback()
                    else:
                        if sink.count and rejects_dest is not None:
                            result.rejects_file = str(_keep(sink, rejects_dest))
                        result.run_id = run_id
                        _record_run(conn, result, path, now, clock.now(), options.actor, opened[path].sha256)
                        with (options.commit_guard or nullcontext)():
                            tx.commit()
            finally:
                if restore:
                    if conn.in_transaction():
                        conn.rollback()
                    conn.exec_driver_sql(f"SET memory_limit = '{restore}'")
    finally:
        reporter.finish()
        if result.rejects_file is None:
            sink.discard()
        if options.dry_run and sink.count and options.skip_invalid:
            result.rejects_file = None
    return result


def _keep(sink: RejectSink, dest: Path) -> Path:
    try:
        return sink.keep(dest)
    except OSError as e:
        raise IngestError("rejects_unwritable", path=str(dest), reason=e.strerror or str(e)) from None


def _record_run(
    conn: sa.Connection,
    result: ImportResult,
    path: Path,
    now: datetime,
    finished: datetime,
    actor: str,
    sha256: str | None,
) -> None:
    conn.execute(
        import_runs.insert().values(
            id=result.run_id,
            file=str(path.resolve()),
            sha256=sha256 or _sha256(path),
            preset=result.preset,
            status="done",
            started_at=now,
            finished_at=finished,
            rows=result.rows,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=result.rejected,
            rejects_file=result.rejects_file,
            actor=actor,
            notes_json=json.dumps(result.notes, ensure_ascii=False),
        )
    )


__all__ = ["ImportOptions", "ImportResult", "NullReporter", "Reject", "Reporter", "reject_text", "run_import"]
