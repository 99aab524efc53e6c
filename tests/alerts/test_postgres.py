"""The same alerts on PostgreSQL as on DuckDB: the same demo (same seed) in both stores,
every default rule plus the entry-lag rule, compared alert by alert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from tests.alerts.conftest import END_MONTH, NOW
from tests.svc import generate_demo

pytestmark = pytest.mark.postgres
LAG = {"name": "入力遅延", "kind": "late_entry", "check": "lag", "enter": 2, "window_days": 10}


def evaluate(db: str) -> tuple[dict[tuple[Any, ...], Any], Any]:
    clock = FixedClock(NOW)
    with Rashinban.for_cli(db, lang="en", clock=clock) as svc:
        svc.alerts.rules()  # the defaults
        svc.alerts.create_rule(LAG)
        result = svc.alerts.run()
        alerts = svc.alerts.inbox("all", None, limit=100_000).alerts
        clock.set("2026-10-23T10:00:00")
        again = svc.alerts.run()
    found = {
        (a.rule, a.entity_type, a.entity_id, a.period): (a.state, a.values.get("value"), a.message)
        for a in alerts
    }
    return found, (result.opened, again.opened, again.resolved)


def test_postgres_opens_exactly_the_duckdb_alerts(pg_url: str, tmp_path: Path) -> None:
    duck = tmp_path / "demo.duckdb"
    for db in (str(duck), pg_url):
        generate_demo(db, scale="small", reps=6, months=3, seed=7, end_month=END_MONTH)
    on_duck, counts_duck = evaluate(str(duck))
    on_pg, counts_pg = evaluate(pg_url)
    assert counts_pg == counts_duck and counts_duck[0] > 20
    assert on_pg.keys() == on_duck.keys()
    for key, (state, value, message) in on_duck.items():
        pg_state, pg_value, pg_message = on_pg[key]
        assert (pg_state, pg_message) == (state, message), key
        assert pg_value == pytest.approx(value), key
    kinds = {k[0] for k in on_duck}
    assert len(kinds) >= 5  # off pace, entry, stalled deals …
