"""Report benchmark: a one-team monthly status report as PDF against the same page as HTML.

    .venv/bin/python -m bench.report_bench                    # small demo store (generated once)
    .venv/bin/python -m bench.report_bench --db PATH --scope team:2 --period 2026-10 --json

Issue #13 asks that a one-team monthly PDF renders in under 5 s on this machine.  Each format
is measured in a fresh process (``--child``) through the facade, exactly as ``rashinban report
status --scope team:N --format pdf|html`` builds it (the tree and the KGI's detail read from
the store, the document laid out, then rendered):

* **first** — the first render in that process (the PDF engine's import and font loading
  included; the process start and the facade's imports are reported apart as ``startup``);
* **warm** — the median of ``--repeats`` (5) further renders in the same process;
* **ratio** — PDF over HTML, first and warm: what turning the page into paper costs over
  producing its HTML from the same data.

Both outputs are checked before any timing is reported (a PDF that starts with ``%PDF`` and
an HTML page carrying the team's name).  No timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

T0 = time.perf_counter()  # the child's start, before the facade is imported

DEFAULT_DB = Path(os.environ.get("RASHINBAN_BENCH_DIR", "/tmp/rashinban-bench")) / "report-small.duckdb"
ROOT = Path(__file__).resolve().parents[1]
GOAL_S = 5.0


def _ensure_demo(db: Path) -> None:
    if db.exists():
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "rashinban", "demo", "generate", "--scale", "small", "--db", str(db)]
    print(f"generating the small demo store into {db} …", file=sys.stderr)
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)


def _pick_team(db: Path) -> str:
    """The first in-house team without teams under it (one team, its own members)."""
    from rashinban.service import Rashinban

    with Rashinban.for_cli(str(db), lang="ja") as svc:
        options = [o for o in svc.dashboards.scopes() if o.type == "team"]
    leaves = [
        o.value
        for i, o in enumerate(options)
        if getattr(o, "kind", "in_house") == "in_house"
        and (i + 1 == len(options) or options[i + 1].depth <= o.depth)
    ]
    if not leaves:
        raise SystemExit("the store has no team")
    return leaves[0]


def child(db: Path, scope: str, period: str | None, fmt: str, repeats: int) -> dict[str, Any]:
    """Run in a fresh process: the first render, then ``repeats`` warm ones."""
    from rashinban.service import Rashinban

    with Rashinban.for_cli(str(db), lang="ja") as svc:
        svc.dashboards.scopes()  # the store opened and the model loaded: not part of a render
        startup = time.perf_counter() - T0
        t = time.perf_counter()
        first = svc.reviews.reports.status(scope, period, fmt)
        first_s = time.perf_counter() - t
        warm: list[float] = []
        for _ in range(repeats):
            t = time.perf_counter()
            again = svc.reviews.reports.status(scope, period, fmt)
            warm.append(time.perf_counter() - t)
        name = next(s.name for s in svc.dashboards.scopes() if s.value == scope)
    if fmt == "pdf":
        assert first.data.startswith(b"%PDF"), "not a PDF"
    else:
        assert name in first.data.decode("utf-8"), f"the HTML does not name {name}"
    assert len(again.data) > 0
    return {
        "format": fmt,
        "file": first.name,
        "bytes": len(first.data),
        "startup_s": startup,
        "first_s": first_s,
        "warm_median_s": statistics.median(warm),
        "warm_s": warm,
    }


def _run_child(db: Path, scope: str, period: str | None, fmt: str, repeats: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.report_bench", "--child", fmt, "--db", str(db), "--scope", scope]
    cmd += ["--repeats", str(repeats)] + (["--period", period] if period else [])
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--scope", help="team:ID (default: the first team)")
    ap.add_argument("--period", help="YYYY-MM (default: this month)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--child", choices=("pdf", "html"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.db, args.scope, args.period, args.child, args.repeats)))
        return 0
    _ensure_demo(args.db)
    scope = args.scope or _pick_team(args.db)
    html = _run_child(args.db, scope, args.period, "html", args.repeats)
    pdf = _run_child(args.db, scope, args.period, "pdf", args.repeats)
    result = {
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "db": str(args.db),
        "scope": scope,
        "period": args.period,
        "html": html,
        "pdf": pdf,
        "ratio_first": pdf["first_s"] / html["first_s"],
        "ratio_warm": pdf["warm_median_s"] / html["warm_median_s"],
        "goal_s": GOAL_S,
        "goal_met": pdf["first_s"] < GOAL_S,
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"one-team monthly status report, {scope}, {result['machine']}")
    print(f"{'':6} {'startup':>9} {'first':>9} {'warm p50':>9} {'bytes':>9}")
    for r in (html, pdf):
        print(
            f"{r['format']:6} {r['startup_s']:8.2f}s {r['first_s']:8.3f}s "
            f"{r['warm_median_s']:8.3f}s {r['bytes']:9d}"
        )
    print(f"PDF / HTML: first {result['ratio_first']:.1f}×, warm {result['ratio_warm']:.1f}×")
    met = "met" if result["goal_met"] else "MISSED"
    print(f"goal: first PDF < {GOAL_S:.0f} s in a fresh process — {met} ({pdf['first_s']:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
