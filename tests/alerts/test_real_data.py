"""Alerts on real public CRM data (Maven CRM sales pipeline, no KPI model): the stalled deals
are exactly the open deals a pandas reading of the CSV finds idle; the source goes stale when
nothing is imported for days; the missing model is reported, not fatal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from rashinban.clock import FixedClock
from rashinban.service import ImportOptions, Rashinban

NOW = "2018-01-15T10:00:00"


def test_maven_pipeline_without_a_model(tmp_path: Path, datasets: Path) -> None:
    csv = datasets / "maven_crm_sales_opportunities" / "sales_pipeline.csv"
    clock = FixedClock(NOW)
    with Rashinban.for_cli(str(tmp_path / "maven.duckdb"), lang="en", clock=clock) as svc:
        svc.imports.run(csv, ImportOptions(preset="maven-crm"))
        result = svc.alerts.run()
        assert result.problems and "model" in result.problems[0].lower()
        alerts = svc.alerts.inbox("open", "stalled_deal", limit=100_000).alerts
        idle = {a.values["deal"]: a for a in alerts if a.code == "stalled_idle"}
        # pandas: deals still open (Engaging; Prospecting ones have no engage date) idle > 14 days
        frame = pd.read_csv(csv)
        now = datetime.fromisoformat(NOW)
        engaged = pd.to_datetime(frame.engage_date)
        open_ = frame[frame.deal_stage.isin(["Engaging", "Prospecting"]) & engaged.notna()]
        expected = open_[(now - pd.to_datetime(open_.engage_date)).dt.days >= 14]
        assert len(idle) == len(expected) > 1000
        by_agent = expected.sales_agent.value_counts()
        got = pd.Series([a.scope.name for a in idle.values() if a.scope is not None]).value_counts()
        assert got.sort_index().equals(by_agent.sort_index())
        assert svc.alerts.inbox("open", "stale_data").alerts == []  # imported today
        clock.set("2018-01-25T10:00:00")
        svc.alerts.run()
        (stale,) = svc.alerts.inbox("open", "stale_data").alerts
        assert stale.entity_id == "maven" and stale.values["days"] == 10
