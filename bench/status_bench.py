"""Status at scale: our metrics engine against a hand-written DuckDB query and pandas.

    .venv/bin/python -m bench.status_bench                    # large demo store (generated once)
    .venv/bin/python -m bench.status_bench --db PATH --model PATH.model.yaml
    .venv/bin/python -m bench.status_bench --skip-pandas --json

On the ``large`` demo store (≥ 10M activities, 2M leads, 500k deals, 200 reps, 24 months)
it measures, for every measure the demo model binds × every scope × 24 months:

* **ours** — ``MetricsEngine.compute`` on the store's DuckDB connection (cold: the first
  run in a fresh process, compilation included; warm: best of the repeats);
* **floor** — one hand-written DuckDB SQL query computing the same aggregates (member-level
  partial aggregates per table, ``UNION ALL BY NAME``, joined to the scope map and summed
  to every scope), alternated with ours on the same connection; ratio target ≤ 1.5×;
* **pandas** — the same computation in pandas (columns loaded through Arrow with
  categorical strings, filtered, grouped by member and month, rolled up through the scope
  map); ratio target ≥ 10× slower than ours;
* **dashboard** — one team, the current month: median of repeated runs, target < 200 ms;
* **peak RSS** of a process that runs the full status (target < 2 GB).

Each measurement runs in a fresh process so that its peak memory is its own.  Results are
ratios measured in the same run; no timing is asserted.  The floor's and pandas' numbers
are checked against ours cell by cell before any timing is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

DEFAULT_DB = Path(os.environ.get("RASHINBAN_BENCH_DIR", "/tmp/rashinban-bench")) / "large.duckdb"
MONTHS = 24

# What the demo model binds (checked against the model file at run time).  Base measures
# and the exact SQL meaning of each, as the floor and pandas compute them.
BASE = {
    "leads": ("leads", "created_at"),
    "calls": ("activities", "occurred_at"),
    "connected_calls": ("activities", "occurred_at"),
    "appointments": ("activities", "occurred_at"),
    "visits": ("activities", "occurred_at"),
    "deals_created": ("deals", "created_at"),
    "won_deals": ("deals", "closed_at"),
    "revenue": ("deals", "closed_at"),
}

FLOOR_SQL = """
WITH scope_map(_key, scope_type, scope_id) AS (VALUES {scope_values}),
member_level AS (
    SELECT COALESCE(member_id, -1) AS _key, CAST(date_trunc('month', occurred_at) AS DATE) AS _p,
           count(*) AS activities_rows,
           count(*) FILTER (WHERE type = 'call') AS calls,
           count(*) FILTER (WHERE type = 'call' AND outcome IN ('connected', 'appointment'))
               AS connected_calls,
           count(*) FILTER (WHERE outcome = 'appointment') AS appointments,
           count(*) FILTER (WHERE type = 'visit') AS visits
    FROM activities
    WHERE occurred_at >= TIMESTAMP '{lo}' AND occurred_at < TIMESTAMP '{hi}'
    GROUP BY ALL
    UNION ALL BY NAME
    SELECT COALESCE(owner_id, -1) AS _key, CAST(date_trunc('month', created_at) AS DATE) AS _p,
           count(*) AS leads_rows, count(*) AS leads
    FROM leads
    WHERE created_at >= TIMESTAMP '{lo}' AND created_at < TIMESTAMP '{hi}'
    GROUP BY ALL
    UNION ALL BY NAME
    SELECT COALESCE(owner_id, -1) AS _key, CAST(date_trunc('month', created_at) AS DATE) AS _p,
           count(*) AS deals_rows, count(*) AS deals_created
    FROM deals
    WHERE created_at >= TIMESTAMP '{lo}' AND created_at < TIMESTAMP '{hi}'
    GROUP BY ALL
    UNION ALL BY NAME
    SELECT COALESCE(owner_id, -1) AS _key, CAST(date_trunc('month', closed_at) AS DATE) AS _p,
           count(*) AS deals_rows, count(*) FILTER (WHERE is_won) AS won_deals,
           sum(amount) FILTER (WHERE is_won) AS revenue
    FROM deals
    WHERE closed_at >= TIMESTAMP '{lo}' AND closed_at < TIMESTAMP '{hi}'
    GROUP BY ALL
)
SELECT s.scope_type, s.scope_id, m._p,
       sum(m.leads) AS leads, sum(m.calls) AS calls, sum(m.connected_calls) AS connected_calls,
       sum(m.appointments) AS appointments, sum(m.visits) AS visits,
       sum(m.deals_created) AS deals_created, sum(m.won_deals) AS won_deals,
       sum(m.revenue) AS revenue
FROM member_level AS m JOIN scope_map AS s USING (_key)
GROUP BY ALL
"""


# --- helpers -------------------------------------------------------------------------------
def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _setup(db: str, model_path: str) -> tuple[Any, Any, Any, Any, list[str], Any]:
    from rashinban.app.models import read_model_file as read_model
    from rashinban.kpi.calendar import Span
    from rashinban.metrics.actuals import bound_measures, model_measures
    from rashinban.metrics.backends import ibis_connection, load_scope_index
    from rashinban.store import Store

    model = read_model(model_path)
    store = Store.open(db)
    con = ibis_connection(store)
    scopes = load_scope_index(store)
    start, end = _window_from(store)
    span = Span(start, end, "range", f"{start:%Y-%m}..{end:%Y-%m}")
    return model, store, con, scopes, sorted(set(bound_measures(model))), (span, model_measures(model))


def _window_from(store: Any) -> tuple[date, date]:
    with store.engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT max(occurred_at) FROM activities").scalar_one()
    end_month = date(last.year, last.month, 1)
    m = end_month.year * 12 + end_month.month - 1 - (MONTHS - 1)
    start = date(m // 12, m % 12 + 1, 1)
    nxt = date(end_month.year + end_month.month // 12, end_month.month % 12 + 1, 1)
    return start, nxt - timedelta(days=1)


def _floor_sql(scopes: Any, span: Any) -> str:
    smap = scopes.member_map()
    values = ", ".join(
        f"({k}, '{t}', {i})"
        for k, t, i in zip(smap["_key"], smap["scope_type"], smap["scope_id"], strict=True)
    )
    lo = datetime.combine(span.start, datetime.min.time())
    hi = datetime.combine(span.end + timedelta(days=1), datetime.min.time())
    return FLOOR_SQL.format(scope_values=values, lo=lo.isoformat(sep=" "), hi=hi.isoformat(sep=" "))


def _floor(con: Any, sql: str) -> dict[tuple[str, int, date], dict[str, Fraction]]:
    cur = con.raw_sql(sql)
    cols = [d[0] for d in cur.description]
    rows = cur.fetchall()
    out: dict[tuple[str, int, date], dict[str, Fraction]] = {}
    for row in rows:
        r = dict(zip(cols, row, strict=True))
        key = (str(r["scope_type"]), int(r["scope_id"]), r["_p"])
        out[key] = {m: Fraction(r[m]) if r[m] is not None else Fraction(0) for m in BASE}
    return out


def _compare(ours: Any, other: dict[tuple[str, int, date], dict[str, Fraction]]) -> int:
    """Cells where ``other`` and our engine disagree (base measures present in ``other``)."""
    bad = 0
    for (stype, sid, p), vals in other.items():
        for mid, v in vals.items():
            got = ours.get(stype, sid, p, mid).value
            if got != v:
                bad += 1
    return bad


# --- children ---------------------------------------------------------------------------------
def child_race(db: str, model_path: str, repeat: int) -> dict[str, Any]:
    """Ours and the floor alternated on one connection (same buffers, same moment)."""
    from rashinban.kpi.units import Period
    from rashinban.metrics.engine import MetricsEngine

    model, store, con, scopes, bound, (span, measures) = _setup(db, model_path)
    missing = sorted(set(b for b in bound if measures[b].is_base) - set(BASE))
    engine = MetricsEngine(con, scopes, model.fiscal_year_start)
    sql = _floor_sql(scopes, span)
    ours_t: list[float] = []
    floor_t: list[float] = []
    started = time.perf_counter()
    res = engine.compute(measures, bound, span, Period.MONTH)
    cold = time.perf_counter() - started
    for _ in range(repeat):
        t0 = time.perf_counter()
        floor = _floor(con, sql)
        floor_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        res = engine.compute(measures, bound, span, Period.MONTH)
        ours_t.append(time.perf_counter() - t0)
    store.dispose()
    return {
        "bound": bound,
        "not_in_floor": missing,
        "span": span.label,
        "scopes": len(scopes.scopes),
        "cells": len(res.values),
        "queries": len(res.queries),
        "ours_cold_s": round(cold, 3),
        "ours_s": [round(x, 3) for x in ours_t],
        "floor_s": [round(x, 3) for x in floor_t],
        "floor_mismatches": _compare(res, floor),
        "floor_cells": len(floor),
    }


def child_ours(db: str, model_path: str, repeat: int) -> dict[str, Any]:
    """The full status computation alone in a fresh process: time and peak memory."""
    from rashinban.kpi.units import Period
    from rashinban.metrics.engine import MetricsEngine

    base_mb = _peak_mb()
    model, store, con, scopes, bound, (span, measures) = _setup(db, model_path)
    engine = MetricsEngine(con, scopes, model.fiscal_year_start)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        engine.compute(measures, bound, span, Period.MONTH)
        times.append(time.perf_counter() - t0)
    # every built-in measure, for scale (no floor for these)
    every = [m for m in measures if m in _builtin_ids()]
    t0 = time.perf_counter()
    res_all = engine.compute(measures, every, span, Period.MONTH)
    all_s = time.perf_counter() - t0
    store.dispose()
    return {
        "seconds": [round(x, 3) for x in times],
        "import_peak_mb": base_mb,
        "peak_mb": _peak_mb(),
        "all_builtin_measures": len(every),
        "all_builtin_s": round(all_s, 3),
        "all_builtin_queries": len(res_all.queries),
    }


def _builtin_ids() -> set[str]:
    from rashinban.metrics.measures import builtin_measures

    return set(builtin_measures())


def child_dashboard(db: str, model_path: str, runs: int) -> dict[str, Any]:
    """One team, the current month, as a dashboard asks for it."""
    from rashinban.kpi.calendar import Span
    from rashinban.kpi.units import Period
    from rashinban.metrics.engine import MetricsEngine

    model, store, con, scopes, bound, (span, measures) = _setup(db, model_path)
    month = Span(date(span.end.year, span.end.month, 1), span.end, "month", f"{span.end:%Y-%m}")
    # a second-level team with sub-teams: the most typical manager's view
    teams = [sid for (st, sid), sc in scopes.scopes.items() if st == "team" and sc.parent == ("team", 1)]
    team = teams[0] if teams else next(sid for (st, sid) in scopes.scopes if st == "team")
    keys = [("team", team)]
    try:
        engine = MetricsEngine(con, scopes, model.fiscal_year_start, only=keys)
        scoped = True
    except TypeError:  # an engine without scope selection computes every scope
        engine = MetricsEngine(con, scopes, model.fiscal_year_start)
        scoped = False
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = engine.compute(measures, bound, month, Period.MONTH)
        times.append(time.perf_counter() - t0)
    revenue = res.get("team", team, month.start, "revenue").value
    store.dispose()
    return {
        "team": team,
        "team_name": scopes.scopes[("team", team)].name,
        "month": month.label,
        "scoped": scoped,
        "first_ms": round(times[0] * 1000, 1),
        "median_ms": round(statistics.median(times[1:] or times) * 1000, 1),
        "p90_ms": round(sorted(times)[int(len(times) * 0.9) - 1] * 1000, 1),
        "revenue": float(revenue) if revenue is not None else None,
        "peak_mb": _peak_mb(),
    }


def child_pandas(db: str, model_path: str) -> dict[str, Any]:
    """The same aggregates in pandas, loading the columns it needs from the store."""
    import numpy as np
    import pandas as pd

    from rashinban.kpi.units import Period
    from rashinban.metrics.engine import MetricsEngine

    model, store, con, scopes, bound, (span, measures) = _setup(db, model_path)
    smap = pd.DataFrame(scopes.member_map())
    lo = np.datetime64(datetime.combine(span.start, datetime.min.time()))
    hi = np.datetime64(datetime.combine(span.end + timedelta(days=1), datetime.min.time()))

    t0 = time.perf_counter()

    def load(sql: str) -> pd.DataFrame:  # the store's own connection, Arrow to pandas
        return con.con.sql(sql).to_arrow_table().to_pandas(strings_to_categorical=True)

    acts = load("SELECT member_id, type, outcome, occurred_at FROM activities")
    leads = load("SELECT owner_id, created_at FROM leads")
    deals = load(
        "SELECT owner_id, created_at, closed_at, is_won, CAST(amount AS DOUBLE) AS amount FROM deals"
    )
    loaded = time.perf_counter() - t0

    def member_level(df: pd.DataFrame, who: str, when: str, cols: dict[str, Any]) -> pd.DataFrame:
        keep = (df[when] >= lo) & (df[when] < hi)
        part = df.loc[keep]
        frame = pd.DataFrame(
            {
                "_key": part[who].fillna(-1).astype("int64").to_numpy(),
                "_p": part[when].to_numpy().astype("datetime64[M]"),
                **{k: f(part) for k, f in cols.items()},
            }
        )
        return frame.groupby(["_key", "_p"], sort=False, observed=True).sum()

    t1 = time.perf_counter()
    parts = [
        member_level(
            acts,
            "member_id",
            "occurred_at",
            {
                "calls": lambda d: (d["type"] == "call").to_numpy(),
                "connected_calls": lambda d: (
                    (d["type"] == "call") & d["outcome"].isin(["connected", "appointment"])
                ).to_numpy(),
                "appointments": lambda d: (d["outcome"] == "appointment").to_numpy(),
                "visits": lambda d: (d["type"] == "visit").to_numpy(),
            },
        ),
        member_level(leads, "owner_id", "created_at", {"leads": lambda d: np.ones(len(d), dtype="int64")}),
        member_level(
            deals, "owner_id", "created_at", {"deals_created": lambda d: np.ones(len(d), dtype="int64")}
        ),
        member_level(
            deals,
            "owner_id",
            "closed_at",
            {
                "won_deals": lambda d: d["is_won"].to_numpy(),
                # yen with sen, as integer sen: exact sums in int64
                "revenue": lambda d: np.rint(
                    np.nan_to_num(d["amount"].where(d["is_won"]).to_numpy(dtype="float64")) * 100
                ).astype("int64"),
            },
        ),
    ]
    ml = pd.concat(parts, axis=1).reset_index()
    rolled = (
        ml.merge(smap, on="_key")
        .groupby(["scope_type", "scope_id", "_p"], observed=True)[list(BASE)]
        .sum(min_count=0)
    )
    computed = time.perf_counter() - t1
    total = time.perf_counter() - t0

    # check against ours (outside the timing)
    ours = MetricsEngine(con, scopes, model.fiscal_year_start).compute(measures, bound, span, Period.MONTH)
    store.dispose()
    other = {
        (str(st), int(sid), pd.Timestamp(p).date()): {
            m: Fraction(int(row[m]), 100 if m == "revenue" else 1) for m in BASE
        }
        for (st, sid, p), row in rolled.iterrows()
    }
    return {
        "load_s": round(loaded, 3),
        "compute_s": round(computed, 3),
        "total_s": round(total, 3),
        "mismatches": _compare(ours, other),
        "cells": len(other),
        "peak_mb": _peak_mb(),
    }


# --- the driver -----------------------------------------------------------------------------
def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.status_bench", "--child", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return data


def ensure_store(db: Path) -> Path:
    """The large demo store (generated on first use) and its model file."""
    model = db.with_name(db.stem + ".model.yaml")
    if db.exists() and model.exists():
        return model
    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating the large demo store at {db} (a few minutes) …", file=sys.stderr)
    subprocess.run(
        [
            *(sys.executable, "-m", "rashinban", "demo", "generate", "--scale", "large"),
            *("--db", str(db), "--model-out", str(model), "--end-month", "2026-11"),
        ],
        check=True,
    )
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dashboard-runs", type=int, default=25)
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ns = ap.parse_args(argv)
    if ns.child:
        kind, db, model, *rest = ns.child
        n = int(rest[0]) if rest else 1
        result = {
            "race": lambda: child_race(db, model, n),
            "ours": lambda: child_ours(db, model, n),
            "dashboard": lambda: child_dashboard(db, model, n),
            "pandas": lambda: child_pandas(db, model),
        }[kind]()
        print(json.dumps(result, default=str))
        return 0

    model = ns.model or ensure_store(ns.db)
    db, mp = str(ns.db), str(model)
    race = _child(["race", db, mp, str(ns.repeat)])
    ours = _child(["ours", db, mp, str(ns.repeat)])
    dash = _child(["dashboard", db, mp, str(ns.dashboard_runs)])
    pandas = None if ns.skip_pandas else _child(["pandas", db, mp])
    best_ours = min(race["ours_s"])
    best_floor = min(race["floor_s"])
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "db": db,
        "race": race,
        "ours": ours,
        "dashboard": dash,
        "pandas": pandas,
        "ratios": {
            "ours_vs_floor": round(best_ours / best_floor, 2),
            "ours_cold_vs_floor": round(race["ours_cold_s"] / best_floor, 2),
            "pandas_vs_ours": round(pandas["total_s"] / best_ours, 1) if pandas else None,
            "pandas_compute_only_vs_ours": round(pandas["compute_s"] / best_ours, 1) if pandas else None,
        },
    }
    if ns.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    r = report["ratios"]
    print(f"status bench  {report['date']}  {report['machine']}")
    print(f"  store {db}: {race['scopes']} scopes × {race['span']} (24 months), measures {race['bound']}")
    print(f"  floor (one DuckDB query)     best {best_floor:.3f} s   {race['floor_s']}")
    print(
        f"  ours  (MetricsEngine)        best {best_ours:.3f} s   {race['ours_s']}"
        f"  cold {race['ours_cold_s']} s"
    )
    print(
        f"  ours / floor                 {r['ours_vs_floor']}×   (target ≤ 1.5×;"
        f" cold {r['ours_cold_vs_floor']}×)"
    )
    print(
        f"  cells checked against floor  {race['floor_cells']} scope×months,"
        f" {race['floor_mismatches']} differ"
    )
    if pandas:
        print(
            f"  pandas                       {pandas['total_s']:.2f} s (load {pandas['load_s']} s,"
            f" compute {pandas['compute_s']} s), {pandas['mismatches']} cells differ"
        )
        print(
            f"  pandas / ours                {r['pandas_vs_ours']}×   (target ≥ 10×;"
            f" compute only {r['pandas_compute_only_vs_ours']}×)"
        )
    print(
        f"  dashboard (team {dash['team_name']}, {dash['month']}): median {dash['median_ms']} ms,"
        f" p90 {dash['p90_ms']} ms, first {dash['first_ms']} ms (target < 200 ms)"
    )
    print(
        f"  peak RSS, full status        {ours['peak_mb']} MB (target < 2048 MB);"
        f" every built-in measure ({ours['all_builtin_measures']}): {ours['all_builtin_s']} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
