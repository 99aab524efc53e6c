"""Streaming one part of an import: batches converted on worker threads, staged in large
appends, loaded, and their rejects collected in file order."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from rashinban.ingest.interface import ImportOptions, ImportResult, Reporter
from rashinban.ingest.load import Counts, Loader
from rashinban.ingest.readers import Batch, TabularFile, locate_bad_rows, true_row
from rashinban.ingest.rejects import RejectSink
from rashinban.ingest.transform import Transformed, transform
from rashinban.ingest.validate import Notes, Reject

STAGE_ROWS = 100_000  # converted rows appended to the staging table at a time


def load_part(
    loader: Loader,
    plan: Any,
    tf: TabularFile,
    sink: RejectSink,
    notes: Notes,
    options: ImportOptions,
    reporter: Reporter,
    result: ImportResult,
) -> Counts:
    counts = Counts()
    label = f"{tf.path.name} → {plan.part.table}"
    reporter.start(label, tf.size, "bytes" if tf.kind == "csv" else "rows")
    # a load stops staging at the first reject (it will fail); a dry run stages the valid rows
    # anyway, so its report still matches the owners and stages (the preview's mapping step)
    strict = not (options.skip_invalid or options.dry_run)
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


def _flush(sink: RejectSink, tf: TabularFile, pending: list[Reject]) -> None:
    pending.sort(key=lambda r: r.row)
    sink.add(tf.path.name, pending)
    pending.clear()
