"""The A of SMART against real history: a target far above the best recent month is flagged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from rashinban.analysis.achievability import AchievabilityRule, achievability_findings
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.solve import solve
from tests.svc import generate_demo

MODEL = """name: a
period: month
kgi: revenue
nodes:
  revenue: {name: 売上, unit: yen, formula: orders * price, target: 1200万, measure: revenue}
  orders: {name: 受注件数, unit: count, measure: won_deals}
  price: {name: 単価, unit: yen, assume: 10万, measure: avg_deal_size}
  churn: {name: 解約率, unit: ratio, direction: lower, target: 0.01, measure: churn_rate}
"""


def test_rule_on_known_history() -> None:
    plan = solve(parse_model(MODEL))
    history = {
        "revenue": [Fraction(8_000_000), Fraction(9_000_000), None],
        "orders": [Fraction(80), Fraction(110)],
        "price": [Fraction(100_000)],
        "churn": [Fraction(3, 100), Fraction(2, 100)],
    }
    found = {f.node: f for f in achievability_findings(plan, history, AchievabilityRule())}
    # 1,200万 vs best 900万: +33% > 20% → flagged; 120件 vs 110: +9% → fine
    assert set(found) == {"revenue", "churn"}
    assert found["revenue"].params["needed"] == Fraction(1, 3)
    assert found["revenue"].params["best"] == 9_000_000
    # lower is better: 1% vs best 2% needs a 50% cut
    assert found["churn"].params["needed"] == Fraction(1, 2)
    loose = AchievabilityRule(periods=6, max_improvement=Fraction(6, 10))
    assert achievability_findings(plan, history, loose) == []


def test_check_flags_an_unreachable_target_from_the_store(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    generate_demo(db, scale="small", seed=3, end_month="2026-11")
    con = duckdb.connect(str(db), read_only=True)
    try:
        best = con.execute(
            "select max(s) from (select date_trunc('month', closed_at) m, sum(amount) s from deals"
            " where is_won and closed_at >= date '2026-05-01' and closed_at < date '2026-11-01' group by 1)"
        ).fetchone()[0]
    finally:
        con.close()
    model = db.with_name("demo.model.yaml")
    text = model.read_text(encoding="utf-8")
    import re

    stretched = re.sub(
        r"(revenue:\n(?:    .*\n)*?    target: )\d+", lambda m: m.group(1) + str(int(best) * 2), text, count=1
    )
    assert stretched != text
    model.write_text(stretched, encoding="utf-8")
    env = {**os.environ, "RASHINBAN_LANG": "en"}
    res = subprocess.run(
        [sys.executable, "-m", "rashinban", "check", str(model), "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    found = [f for f in json.loads(res.stdout)["findings"] if f["code"] == "achievability"]
    revenue = [f for f in found if f["node"] == "revenue"]
    assert len(revenue) == 1
    assert revenue[0]["params"]["best"] == pytest.approx(float(best))
    assert revenue[0]["params"]["needed"] == pytest.approx(1.0)
