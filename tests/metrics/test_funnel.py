"""The funnel from stage history, checked against a plain-Python walk over the same rows."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict

import duckdb
import pytest

from rashinban.analysis.funnel import DEFAULT_STAGES
from tests.svc import generate_demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("funnel") / "demo.duckdb"
    generate_demo(db, scale="small", seed=11, end_month="2026-11")
    return str(db)


def test_funnel_matches_a_walk_over_the_history(demo_db: str) -> None:
    env = {**os.environ, "RASHINBAN_LANG": "en"}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "rashinban",
            "funnel",
            "--db",
            demo_db,
            "--period",
            "2026-07..2026-09",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    con = duckdb.connect(demo_db, read_only=True)
    try:
        hist = con.execute(
            "select h.deal_id, h.stage, h.entered_at, h.id, d.owner_id from deal_stage_history h"
            " join deals d on d.id = h.deal_id order by h.deal_id, h.entered_at, h.id"
        ).fetchall()
    finally:
        con.close()
    idx = {s: i for i, s in enumerate(DEFAULT_STAGES)}
    by_deal: dict[int, list[tuple[str, object, int, int | None]]] = defaultdict(list)
    for deal, stage, at, hid, owner in hist:
        by_deal[deal].append((stage, at, hid, owner))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    owned: dict[str, int] = defaultdict(int)
    stays: dict[tuple[str, str], list[float]] = defaultdict(list)
    for entries in by_deal.values():
        funnel_entries = [e for e in entries if e[0] in idx]
        if not funnel_entries:
            continue
        entered = min(e[1] for e in funnel_entries)
        month = entered.strftime("%Y-%m")  # type: ignore[attr-defined]
        if month not in ("2026-07", "2026-08", "2026-09"):
            continue
        reached = max(idx[e[0]] for e in funnel_entries)
        if entries[0][3] is not None:
            owned[month] += 1
        for i in range(reached + 1):
            counts[(month, DEFAULT_STAGES[i])] += 1
        for a, b in itertools.pairwise(entries):
            if a[0] in idx:
                stays[(month, a[0])].append((b[1] - a[1]).total_seconds() / 86400)  # type: ignore[operator]
    company = [r for r in rows if r["scope_type"] == "company"]
    assert len(company) == 3 * len(DEFAULT_STAGES)
    for r in company:
        key = (r["period"], r["stage"])
        assert r["count"] == counts[key], r
        if stays[key]:
            assert r["median_days"] == pytest.approx(statistics.median(stays[key]), rel=1e-9)
        if r["index"]:
            prev = counts[(r["period"], DEFAULT_STAGES[r["index"] - 1])]
            assert r["conversion"] == pytest.approx(counts[key] / prev)
            assert r["cumulative"] == pytest.approx(counts[key] / counts[(r["period"], DEFAULT_STAGES[0])])
    # counts never grow down the funnel, and members add up to the company
    for scope in {(r["scope_type"], r["scope_id"], r["period"]) for r in rows}:
        seq = [
            r["count"]
            for r in sorted(rows, key=lambda r: r["index"])
            if (r["scope_type"], r["scope_id"], r["period"]) == scope
        ]
        assert seq == sorted(seq, reverse=True)
    for period in ("2026-07", "2026-08", "2026-09"):
        members = sum(
            r["count"]
            for r in rows
            if r["scope_type"] == "member" and r["period"] == period and r["index"] == 0
        )
        assert members == owned[period] > 0  # deals without an owner count for the company only
