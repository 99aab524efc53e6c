"""Import throughput and peak memory, against DuckDB's own ``read_csv`` of the same file.

    .venv/bin/python -m bench                # 1,000,000 rows
    .venv/bin/python -m bench --rows 200000

Each measurement runs in a fresh process (so that its peak RSS is its own) on a fresh
DuckDB file: ``read_csv`` of the UTF-8 file into a table (the baseline), then
``rashinban import`` of the UTF-8 file, of its CP932 copy, and a re-import of the UTF-8
file into the loaded store (every row compared, none written).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.activities import write_activities


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _child(mode: str, file: str, db: str) -> dict[str, Any]:
    if mode == "read_csv":
        import duckdb

        con = duckdb.connect(db)
        cpu = _cpu()
        started = time.perf_counter()
        con.execute(f"CREATE TABLE activities AS SELECT * FROM read_csv('{file}', header = true)")
        rows = con.execute("SELECT COUNT(*) FROM activities").fetchone()
        seconds = time.perf_counter() - started
        con.close()
        count = rows[0] if rows else 0
    else:
        from rashinban.ingest.run import ImportOptions, run_import
        from rashinban.store import Store

        store = Store.open(db)
        store.create_all()
        cpu = _cpu()
        started = time.perf_counter()
        result = run_import(store, file, ImportOptions(preset="salesforce-task"))
        seconds = time.perf_counter() - started
        store.dispose()
        count = result.inserted + result.updated + result.unchanged
        if mode == "reimport":
            assert result.inserted == result.updated == 0, result.as_dict()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_seconds = _cpu() - cpu
    return {
        "mode": mode,
        "rows": count,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_mb": round(peak_mb, 1),
    }


def _measure(mode: str, file: Path, db: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.import_bench", "--child", mode, str(file), str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dir", type=Path, default=None, help="where to write the files (default: a temp dir)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0

    with tempfile.TemporaryDirectory(prefix="rashinban-bench-", dir=args.dir) as tmp:
        work = Path(tmp)
        utf8 = write_activities(work / "activities-utf8.csv", args.rows)
        cp932 = write_activities(work / "activities-cp932.csv", args.rows, encoding="cp932")
        mb = (utf8.stat().st_size / 1e6, cp932.stat().st_size / 1e6)
        print(f"{args.rows:,} rows: UTF-8 {mb[0]:.0f} MB, CP932 {mb[1]:.0f} MB")
        runs = [
            _measure("read_csv", utf8, work / "baseline.duckdb"),
            _measure("import", utf8, work / "utf8.duckdb"),
            _measure("import", cp932, work / "cp932.duckdb"),
            _measure("reimport", utf8, work / "utf8.duckdb"),
        ]
    base = runs[0]["seconds"]
    labels = [
        "DuckDB read_csv (UTF-8)",
        "rashinban import (UTF-8)",
        "rashinban import (CP932)",
        "re-import (UTF-8)",
    ]
    base_cpu = runs[0]["cpu_seconds"]
    print(
        f"{'':28} {'seconds':>8} {'rows/s':>10} {'× read_csv':>10} {'CPU s':>7} {'× CPU':>6} {'peak MB':>8}"
    )
    for label, r in zip(labels, runs, strict=True):
        rate = r["rows"] / r["seconds"] if r["seconds"] else 0
        print(
            f"{label:28} {r['seconds']:8.2f} {rate:10,.0f} {r['seconds'] / base:10.2f} "
            f"{r['cpu_seconds']:7.2f} {r['cpu_seconds'] / base_cpu:6.2f} {r['peak_mb']:8.0f}"
        )
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}",
        "rows": args.rows,
        "runs": runs,
    }
    print(json.dumps(summary))
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    raise SystemExit(main())
