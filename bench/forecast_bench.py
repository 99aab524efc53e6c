"""Forecast at scale: train, score every open deal and lead and forecast every scope on the
``large`` demo store; the home page with its forecast band.

    .venv/bin/python -m bench.forecast_bench                       # /tmp/fc-bench/large.duckdb
    .venv/bin/python -m bench.forecast_bench --db PATH --json

Each step runs in a fresh process so that its peak RSS is its own:

* **load** (the baseline) — reading the facts the forecast needs (deals, stage history, deal
  activities, leads, lead activities) into frames;
* **run** — ``forecasts.run()``: load + train the win, in-period and lead models + score
  every open deal and lead + simulate every scope + store it all; target < 60 s, peak RSS
  < 2 GB; reported as seconds and as a ratio to the load;
* **home** — ``GET /`` for the admin (company scope) with the stored band, median of
  ``--runs`` after a warm-up, next to ``GET /api/home`` (the same page without the band);
  target < 100 ms.

The instant is 2026-10-16 09:00 (the demo store ends with October 2026).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_DB = Path(os.environ.get("RASHINBAN_BENCH_DIR", "/tmp/fc-bench")) / "large.duckdb"
NOW = "2026-10-16T09:00:00"


def _child(step: str, db: str, runs: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.forecast_bench", "--step", step, "--db", db, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _usage() -> dict[str, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": round(r.ru_utime + r.ru_stime, 2), "peak_rss_mb": round(r.ru_maxrss / 1024, 1)}


def step_load(db: str) -> dict[str, Any]:
    from rashinban.app.forecast_data import deal_facts, lead_facts
    from rashinban.store.db import Store
    from rashinban.store.org import load_scope_index

    store = Store.open(db)
    t0 = time.perf_counter()
    f = deal_facts(store, load_scope_index(store))
    lf = lead_facts(store, f)
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 2),
        "deals": len(f.deals),
        "history": len(f.history),
        "deal_activities": len(f.activities),
        "leads": len(lf.leads),
        **_usage(),
    }


def step_run(db: str) -> dict[str, Any]:
    from rashinban.clock import FixedClock
    from rashinban.service import Rashinban

    t0 = time.perf_counter()
    with Rashinban.for_cli(db, "en", FixedClock(NOW)) as svc:
        r = svc.forecasts.run()
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 2),
        "deals": r.deals,
        "leads": r.leads,
        "scopes": r.scopes,
        "algorithm": r.deal_model.algorithm if r.deal_model else None,
        **_usage(),
    }


def step_home(db: str, runs: int) -> dict[str, Any]:
    import re

    from fastapi.testclient import TestClient

    from rashinban.web.app import create_app
    from rashinban.web.settings import WebSettings

    app = create_app(WebSettings(db=db, secret_key="b" * 32, jobs=False))
    with TestClient(app) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token
        c.post(
            "/login", data={"username": "admin", "password": "rashinban-demo", "csrf_token": token.group(1)}
        )
        times: dict[str, list[float]] = {
            "/?scope=company&period=2026-10": [],
            "/api/home?scope=company&period=2026-10": [],
        }
        for url in times:
            c.get(url)  # warm
        for _ in range(runs):
            for url, samples in times.items():
                t0 = time.perf_counter()
                r = c.get(url)
                samples.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text[:200]
        band = 'data-testid="forecast-band"' in c.get("/?scope=company&period=2026-10").text
    return {
        "home_ms": round(statistics.median(times["/?scope=company&period=2026-10"]), 1),
        "api_home_ms": round(statistics.median(times["/api/home?scope=company&period=2026-10"]), 1),
        "band_shown": band,
        **_usage(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(DEFAULT_DB))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--step", choices=["load", "run", "home"])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.step:
        out = {
            "load": lambda: step_load(a.db),
            "run": lambda: step_run(a.db),
            "home": lambda: step_home(a.db, a.runs),
        }
        print(json.dumps(out[a.step]()))
        return 0
    if not Path(a.db).exists():
        print(f"no store at {a.db}: rashinban demo generate --db {a.db} --scale large --end-month 2026-10")
        return 2
    load = _child("load", a.db, a.runs)
    run = _child("run", a.db, a.runs)
    home = _child("home", a.db, a.runs)
    result = {
        "load": load,
        "run": run,
        "home": home,
        "run_vs_load": round(run["seconds"] / max(load["seconds"], 1e-9), 2),
        "home_vs_api_home": round(home["home_ms"] / max(home["api_home_ms"], 1e-9), 2),
        "targets": {"run_s": 60, "run_peak_rss_mb": 2048, "home_ms": 100},
    }
    print(json.dumps(result, indent=None if a.json else 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
