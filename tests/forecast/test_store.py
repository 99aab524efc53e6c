"""The forecast on a real demo store: what the run stores (against SQL), point in time
(later rows in the store change nothing a backtest origin sees), the job kind, the migration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from rashinban.analysis.forecast import period as pf
from rashinban.analysis.forecast import training
from rashinban.app.forecast_data import deal_facts
from rashinban.jobs.kinds import handlers
from rashinban.jobs.runner import Runner
from rashinban.service import Rashinban
from rashinban.store.db import Store
from rashinban.store.org import load_scope_index
from tests.forecast.conftest import NOW, clock, copy_store, scalar

ORIGIN = pd.Timestamp("2026-08-11")


def test_run_stores_a_score_for_every_open_deal(fc_db: Path) -> None:
    store = Store.open(str(fc_db))
    try:
        open_deals = scalar(store, "SELECT COUNT(*) FROM deals WHERE NOT is_closed")
        assert scalar(store, "SELECT COUNT(*) FROM deal_scores") == open_deals > 50
        v = scalar(store, "SELECT MAX(version) FROM forecast_models WHERE kind = 'deal'")
        assert scalar(store, "SELECT COUNT(*) FROM deal_scores WHERE model_version <> :v", v=v) == 0
        assert (
            scalar(
                store,
                "SELECT COUNT(*) FROM deal_scores WHERE p_win < 0 OR p_win > 1 OR p_period > p_win + 1e-9",
            )
            == 0
        )
        open_leads = scalar(
            store,
            "SELECT COUNT(*) FROM leads WHERE disqualified_at IS NULL AND converted_at IS NULL",
        )
        assert scalar(store, "SELECT COUNT(*) FROM lead_scores") == open_leads
    finally:
        store.dispose()


def test_stored_forecasts_agree_with_sql(fc_db: Path) -> None:
    store = Store.open(str(fc_db))
    try:
        with store.engine.connect() as conn:
            f = pd.read_sql(sa.text("SELECT * FROM scope_forecasts WHERE kpi = 'revenue'"), conn)
            won = pd.read_sql(
                sa.text(
                    "SELECT d.owner_id, m.team_id, CAST(d.amount AS DOUBLE) AS amount FROM deals d "
                    "LEFT JOIN members m ON m.id = d.owner_id "
                    "WHERE d.is_won AND d.closed_at >= '2026-10-01' AND d.closed_at <= :now"
                ),
                conn,
                params={"now": NOW.replace("T", " ")},
            )
        assert set(f["period"]) == {"2026-10"}
        company = f[f["scope_type"] == "company"].iloc[0]
        assert company["closed"] == pytest.approx(won["amount"].sum())
        by_member = won.groupby("owner_id")["amount"].sum()
        for r in f[f["scope_type"] == "member"].itertuples():
            assert r.closed == pytest.approx(by_member.get(r.scope_id, 0.0))
        assert (f["p10"] <= f["p50"] + 1e-6).all() and (f["p50"] <= f["p90"] + 1e-6).all()
        assert (f["p10"] >= f["closed"] - 1e-6).all()  # nothing closed is undone
        # a team's forecast sums its members' draws: its mean is the sum of their means
        idx = load_scope_index(store)
        means = f.set_index(["scope_type", "scope_id"])["mean"]
        for t in idx.team_parent:
            ms = idx.members_of(t)
            assert means[("team", t)] == pytest.approx(
                sum(means.get(("member", m), 0.0) for m in ms), rel=1e-9
            )
    finally:
        store.dispose()


def _cut(db: Path, t: pd.Timestamp) -> None:
    """Make the store look as it did at ``t``: rows after it deleted, outcomes after it undone,
    and poison the current state of deals still open then (stage, amount, probability)."""
    store = Store.open(str(db))
    ts = str(t)
    try:
        with store.write() as conn:
            x = conn.exec_driver_sql
            x(f"DELETE FROM deal_stage_history WHERE entered_at > '{ts}'")
            x(f"DELETE FROM activities WHERE occurred_at > '{ts}'")
            x(f"DELETE FROM deals WHERE created_at > '{ts}'")
            x(
                "UPDATE deals SET is_closed = false, is_won = false, closed_at = NULL, "
                f"stage = 'クロージング', probability = 99, lost_reason = NULL WHERE closed_at > '{ts}'"
            )
    finally:
        store.dispose()


def test_a_backtest_origin_sees_nothing_later(fc_template: Path, tmp_path: Path) -> None:
    """Train and score at ORIGIN on the full store and on a store cut back to ORIGIN: the
    features, the labels, the model and every score are the same — later stages, later
    activities and later outcomes cannot leak."""
    (tmp_path / "full").mkdir()
    full = copy_store(fc_template, tmp_path / "full")
    cut_dir = tmp_path / "cut"
    cut_dir.mkdir()
    cut = copy_store(fc_template, cut_dir)
    _cut(cut, ORIGIN)
    out = []
    for db in (full, cut):
        assert db is not None
        store = Store.open(str(db))
        try:
            f = deal_facts(store, load_scope_index(store))
        finally:
            store.dispose()
        rows = training.labelled(f, ORIGIN, training.snapshot_times(ORIGIN, f.start, 20))
        m = pf.train(f, ORIGIN, 20, rows=rows)
        scored = pf.score(f, ORIGIN, m).deals.sort_values("id").reset_index(drop=True)
        out.append((rows.sort_values(["t", "id"]).reset_index(drop=True), m, scored))
    (r1, m1, s1), (r2, m2, s2) = out
    cols = [c for c in r1.columns if c != "team"]
    pd.testing.assert_frame_equal(r1[cols], r2[cols])
    assert m1.win.algorithm == m2.win.algorithm
    if m1.win.coef is not None:
        np.testing.assert_allclose(m1.win.coef, m2.win.coef)
    assert m1.month_sigma == pytest.approx(m2.month_sigma)
    pd.testing.assert_frame_equal(s1, s2)
    assert len(s1) > 20


def test_the_forecast_job_rescores(fc_template: Path, tmp_path: Path) -> None:
    db = copy_store(fc_template, tmp_path)
    store = Store.open(str(db))
    try:
        before = scalar(store, "SELECT MAX(version) FROM forecast_models WHERE kind = 'deal'")
        svc = Rashinban.for_job(store, "en", clock())
        svc.forecasts.ensure_schedule()
        job = svc.jobs.enqueue("forecast", {})
        Runner(store, clock(), handlers()).run_once()
        assert Rashinban.for_job(store, "en", clock()).jobs.get(job).state == "succeeded"
        after = scalar(store, "SELECT MAX(version) FROM forecast_models WHERE kind = 'deal'")
        assert after == before + 1
        assert scalar(store, "SELECT COUNT(DISTINCT model_version) FROM deal_scores") == 1
        assert scalar(store, "SELECT MIN(model_version) FROM deal_scores") == after
        assert scalar(store, "SELECT kind FROM schedules WHERE name = 'forecast'") == "forecast"
    finally:
        store.dispose()


def test_migrations_have_one_head_and_upgrade_from_the_previous_head(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from rashinban.store import migrate

    cfg = migrate._config()
    script = ScriptDirectory.from_config(cfg)
    assert len(script.get_heads()) == 1
    fresh = Store.open(str(tmp_path / "fresh.duckdb"))
    older = Store.open(str(tmp_path / "older.duckdb"))
    try:
        fresh.create_all()
        assert {"scope_forecasts", "deal_scores", "forecast_submissions"} <= set(fresh.table_names())
        migrate.upgrade(older.engine, str(script.get_revision("0005").down_revision))
        assert "deal_scores" not in older.table_names()
        older.create_all()
        assert "deal_scores" in older.table_names()
        cols = scalar(
            older,
            "SELECT COUNT(*) FROM information_schema.columns "
            "WHERE table_name = 'deal_stage_history' AND column_name = 'expected_close_on'",
        )
        assert cols == 1
    finally:
        fresh.dispose()
        older.dispose()
