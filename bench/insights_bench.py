"""Insights at scale: bottleneck, drivers and miss diagnosis for every scope, segment insights
for the company and every team, churn and LTV, on the ``large`` demo store.

    .venv/bin/python -m bench.insights_bench                     # large store (generated once)
    .venv/bin/python -m bench.insights_bench --db /tmp/rashinban-bench/large.duckdb --json

Goal (issue 15): all of it for every scope in under 60 s.  Reported beside the time of one
full ``status`` of the same scopes and months (the engine's own floor, same run), so that a
busy machine shows in both numbers, and with the CPU seconds of each part (this process and
DuckDB's threads: what the parts cost when the machine is shared).  Checks before timing:
every explain's contributions add up to its change.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.status_bench import DEFAULT_DB, ensure_store


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _Timer:
    """Wall and CPU seconds of a part, into ``out[name + "_seconds"]`` and ``…_cpu_seconds``."""

    def __init__(self, out: dict[str, Any], name: str) -> None:
        self.out, self.name = out, name

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def __exit__(self, *exc: object) -> None:
        self.out[f"{self.name}_seconds"] = round(time.perf_counter() - self.wall, 2)
        self.out[f"{self.name}_cpu_seconds"] = round(_cpu() - self.cpu, 2)


def run(db: Path, model: Path, period: str, as_of: str) -> dict[str, Any]:
    from rashinban.clock import FixedClock
    from rashinban.service import Rashinban

    out: dict[str, Any] = {"db": str(db), "period": period, "as_of": as_of}
    with Rashinban.for_cli(str(db), clock=FixedClock(f"{as_of}T12:00:00+09:00")) as svc:
        _ = svc.ctx.store
        with _Timer(out, "status"):
            svc.tracking.status(model, period=period, as_of=as_of)
        with _Timer(out, "tree"):
            sections = svc.insights.every_scope(model, period, as_of)
        out["scopes"] = len(sections)
        bad = [
            s.explain.scope.name
            for s in sections
            if s.explain is not None
            and s.explain.change is not None
            and abs(sum(d.contribution for d in s.explain.drivers) - s.explain.change) > 1e-6
        ]
        out["attribution_mismatches"] = len(bad)
        out["verdicts"] = {
            v: sum(s.diagnosis.verdict == v for s in sections)
            for v in ("design", "execution", "market", "unclear")
        }
        out["with_bottleneck"] = sum(s.bottleneck.bottleneck is not None for s in sections)

        teams = ["company", *(o.value for o in svc.dashboards.scopes(model) if o.type == "team")]
        findings = 0
        with _Timer(out, "segments"):
            for scope in teams:
                findings += len(svc.segments.analyse(None, scope, as_of).findings)
        out["segment_scopes"] = len(teams)
        out["segment_findings"] = findings

        with _Timer(out, "churn"):
            churn = svc.customers.churn(model, "company", as_of)
        out["churn"] = {
            "customers": churn.customers,
            "brier": churn.brier,
            "brier_baseline": churn.brier_baseline,
            "c_index": churn.c_index,
            "c_index_baseline": churn.c_index_baseline,
            "test_customers": churn.test_customers,
            "test_events": churn.test_events,
        }
        with _Timer(out, "experiments"):
            for x in svc.experiments.list().experiments:
                svc.experiments.result(x.name)
    parts = ("tree", "segments", "churn", "experiments")
    out["total_seconds"] = round(sum(out[f"{p}_seconds"] for p in parts), 2)
    out["total_cpu_seconds"] = round(sum(out[f"{p}_cpu_seconds"] for p in parts), 2)
    out["total_vs_status"] = round(out["total_seconds"] / out["status_seconds"], 1)
    out["goal_seconds"] = 60
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--period", default="2026-10")
    ap.add_argument("--as-of", default="2026-11-30")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    model = args.model or ensure_store(args.db)
    result = run(args.db, model, args.period, args.as_of)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        for k, v in result.items():
            print(f"{k:>24}: {v}")
    return 0 if result["attribution_mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
