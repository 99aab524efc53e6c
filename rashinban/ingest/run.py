"""One import, start to finish: open the file(s), match the preset, stream, validate, load.

Everything is written in one transaction: a bad row (without ``skip_invalid``), an error
or a killed process leaves the store exactly as it was.  A dry run does the whole import
and rolls it back, so its counts are the real ones.  Progress goes to a
:class:`Reporter`; nothing here prints.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import sqlalchemy as sa

from rashinban.errors import IngestError
from rashinban.ingest import presets as P
from rashinban.ingest.load import Counts, Loader
from rashinban.ingest.readers import Batch, TabularFile, locate_bad_rows, open_table, true_row
from rashinban.ingest.spec import PartSpec, Preset
from rashinban.ingest.validate import Notes, Reject, Transformed, detect_preset, match_part, transform
from rashinban.store.db import Store
from rashinban.store.ids import lock_for_write, reserve
from rashinban.store.schema import import_runs

SHOWN_REJECTS = 20
STAGE_ROWS = 100_000  # converted rows appended to the staging table at a time
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


def reject_text(reject: Reject, lang: str = "en") -> str:
    """Why a row was rejected, in words (``expected a date (2026-03-31, …)``)."""
    from rashinban.i18n import t

    params = dict(reject.params)
    if "expected" in params and reject.reason == "bad_value":
        params["expected_text"] = t(f"import.expected.{params['expected']}", lang)
    return t(f"import.reject.{reject.reason}", lang, **params)


class Reporter(Protocol):
    """Where an import reports progress (the CLI draws a Rich progress bar)."""

    def start(self, label: str, total: int, unit: str) -> None: ...

    def advance(self, position: int, rows: int) -> None: ...

    def finish(self) -> None: ...


class NullReporter:
    def start(self, label: str, total: int, unit: str) -> None:
        pass

    def advance(self, position: int, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class ImportOptions:
    preset: str | None = None
    mapping: str | Path | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    encoding: str | None = None
    rejects_path: str | Path | None = None
    actor: str = "import"


@dataclass
class ImportResult:
    file: str
    preset: str
    source: str
    encoding: str | None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    dry_run: bool = False
    run_id: int | None = None
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)  # the first few, for messages
    files: list[str] = field(default_factory=list)
    file_rows: dict[str, int] = field(default_factory=dict)  # data rows per file read

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
            "rows": self.rows,
            "file": self.file,
            "files": self.files,
            "file_rows": self.file_rows,
            "preset": self.preset,
            "source": self.source,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "tables": self.tables,
            "notes": self.notes,
        }


class _RejectSink:
    """Rejects stream to a temporary CSV (memory stays flat); the first few are kept."""

    HEADER = ("file", "row", "column", "value", "reason", "message")

    def __init__(self) -> None:
        fd, name = tempfile.mkstemp(prefix="rashinban-rejects-", suffix=".csv")
        self.path = Path(name)
        self._f = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self._w = csv.writer(self._f)
        self._w.writerow(self.HEADER)
        self.count = 0
        self.first: list[tuple[str, Reject]] = []
        self.rows: set[tuple[str, int]] = set()

    def add(self, file: str, rejects: list[Reject]) -> None:
        for r in rejects:
            self._w.writerow(
                (file, r.row, r.column, "" if r.value is None else r.value, r.reason, reject_text(r))
            )
            self.rows.add((file, r.row))
            if len(self.first) < SHOWN_REJECTS:
                self.first.append((file, r))
        self.count += len(rejects)

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def keep(self, dest: Path) -> Path:
        self.close()
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, dest) if _same_fs(self.path, dest) else _copy(self.path, dest)
        return dest

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


def _same_fs(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b.parent).st_dev
    except OSError:
        return False


def _copy(src: Path, dest: Path) -> None:
    import shutil

    shutil.copyfile(src, dest)
    src.unlink(missing_ok=True)


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
    first = open_table(path, options.encoding)
    all_presets = list(P.builtin_presets())
    if options.preset:
        preset = P.get_preset(options.preset, options.mapping)
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
        plans.append((match_part(part, tf.headers, str(file), preset, all_presets), tf))
    notes = Notes()
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
    sink = _RejectSink()
    now = datetime.now().replace(microsecond=0)
    engine = store.engine
    try:
        with engine.connect() as conn:
            restore = _limit_memory(conn)
            trans = conn.begin()
            try:
                lock_for_write(conn)
                run_id = reserve(conn, "import_runs", 1)
                loader = Loader(conn, preset.source, run_id, options.actor, now)
                loader.memory_limits = (IMPORT_MEMORY_LIMIT, restore) if restore else None
                for plan, tf in plans:
                    counts = _load_part(loader, plan, tf, sink, notes, options, reporter, result)
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
                    )
                if options.dry_run:
                    trans.rollback()
                else:
                    if sink.count:
                        dest = Path(options.rejects_path or Path.cwd() / f"{path.stem}.rejects.csv")
                        result.rejects_file = str(sink.keep(dest))
                    result.run_id = run_id
                    _record_run(conn, result, path, now, options.actor, opened[path].sha256)
                    trans.commit()
            finally:
                if trans.is_active:
                    trans.rollback()
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


def _load_part(
    loader: Loader,
    plan: Any,
    tf: TabularFile,
    sink: _RejectSink,
    notes: Notes,
    options: ImportOptions,
    reporter: Reporter,
    result: ImportResult,
) -> Counts:
    counts = Counts()
    label = f"{tf.path.name} → {plan.part.table}"
    reporter.start(label, tf.size, "bytes" if tf.kind == "csv" else "rows")
    strict = not options.skip_invalid
    rows_read = 0
    pending: list[Reject] = []
    ready: list[pa.Table] = []  # converted batches, staged together (fewer, larger appends)

    def stage_ready() -> None:
        if ready:
            loader.stage(pa.concat_tables(ready) if len(ready) > 1 else ready[0])
            ready.clear()

    for batch, t in _transformed(plan, tf.batches()):
        notes.merge(t.notes)
        rows_read += batch.table.num_rows
        if t.rejects:
            pending.extend(t.rejects)
        if not (strict and (pending or sink.count or tf.bad_rows)):
            ready.append(t.table)
            if sum(r.num_rows for r in ready) >= STAGE_ROWS:
                stage_ready()
        else:
            ready.clear()
        if len(pending) > 10_000:
            _flush(sink, tf, pending)
        reporter.advance(batch.position, batch.table.num_rows)
    if not (strict and (pending or sink.count or tf.bad_rows)):
        stage_ready()
        b = loader.finish_part(plan)
        counts.add(b.counts)
        notes.merge(b.notes)
        pending.extend(b.rejects)
    if tf.bad_rows:
        locate_bad_rows(tf)
        pending = [
            Reject(true_row(r.row, tf.bad_rows), r.column, r.value, r.reason, r.params) for r in pending
        ]
        pending.extend(
            Reject(b.row or 0, "", b.text, "wrong_field_count", {"expected": b.expected, "actual": b.actual})
            for b in tf.bad_rows
        )
        rows_read += len(tf.bad_rows)
        tf.bad_rows.clear()
    _flush(sink, tf, pending)
    # a file read by several parts (Maven's sales_teams.csv) counts once
    result.file_rows[str(tf.path)] = max(result.file_rows.get(str(tf.path), 0), rows_read)
    result.rows = sum(result.file_rows.values())
    return counts


def _transformed(plan: Any, batches: Iterator[Batch], ahead: int = 3) -> Iterator[tuple[Batch, Transformed]]:
    """Convert batches on two threads (pyarrow kernels release the GIL) while the next are read,
    in file order, holding at most ``ahead`` batches."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="rashinban-transform") as pool:
        pending: deque[tuple[Batch, Future[Transformed]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(transform, plan, batch.table, batch.first_row)))
            if len(pending) >= ahead:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _flush(sink: _RejectSink, tf: TabularFile, pending: list[Reject]) -> None:
    pending.sort(key=lambda r: r.row)
    sink.add(tf.path.name, pending)
    pending.clear()


def _record_run(
    conn: sa.Connection, result: ImportResult, path: Path, now: datetime, actor: str, sha256: str | None
) -> None:
    conn.execute(
        import_runs.insert().values(
            id=result.run_id,
            file=str(path.resolve()),
            sha256=sha256 or _sha256(path),
            preset=result.preset,
            status="done",
            started_at=now,
            finished_at=datetime.now().replace(microsecond=0),
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
