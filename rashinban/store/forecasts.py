"""The forecast tables (scores, stored forecasts, categories, adjustments, submissions) and
the fact frames the forecast reads (deals, stage history, deal activities, leads).

Reads return pandas frames (DuckDB hands over Arrow; PostgreSQL goes through the driver);
writes go through ``Store.write``: a scoring run replaces the scores and the stored
forecasts in one transaction, so readers see either the old run or the new one.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import (
    deal_scores,
    forecast_adjustments,
    forecast_categories,
    forecast_models,
    forecast_submissions,
    lead_scores,
    scope_forecasts,
)

DEALS_SQL = """
SELECT d.id, COALESCE(d.owner_id, -1) AS owner_id, COALESCE(p.name, '') AS product,
       COALESCE(d.channel, '') AS channel, COALESCE(a.industry, '') AS industry,
       CAST(p.list_price AS DOUBLE PRECISION) AS list_price, d.created_at, d.closed_at,
       d.is_won, d.is_closed, CAST(d.amount AS DOUBLE PRECISION) AS amount, d.stage,
       CASE WHEN d.valid IS NULL THEN '' WHEN d.valid THEN 'yes' ELSE 'no' END AS qualified,
       CAST(d.probability AS DOUBLE PRECISION) AS probability
FROM deals d LEFT JOIN products p ON p.id = d.product_id LEFT JOIN accounts a ON a.id = d.account_id
"""
HISTORY_SQL = """
SELECT deal_id, stage, entered_at, CAST(amount AS DOUBLE PRECISION) AS amount, expected_close_on
FROM deal_stage_history ORDER BY entered_at, id
"""
ACTS_SQL = (
    "SELECT deal_id, occurred_at FROM activities WHERE deal_id IS NOT NULL ORDER BY deal_id, occurred_at"
)
LEADS_SQL = """
SELECT l.id, COALESCE(l.owner_id, -1) AS owner_id, COALESCE(l.channel, '') AS channel,
       COALESCE(a.industry, '') AS industry, a.employees, l.created_at, l.mql_at, l.sql_at,
       l.disqualified_at, l.converted_at, l.converted_deal_id, l.status
FROM leads l LEFT JOIN accounts a ON a.id = l.account_id
"""
LEAD_ACTS_SQL = (
    "SELECT lead_id, occurred_at FROM activities WHERE lead_id IS NOT NULL ORDER BY lead_id, occurred_at"
)


def frame(store: Store, sql: str) -> pd.DataFrame:
    """A query's rows as a DataFrame (DuckDB: through Arrow, without Python objects per row)."""
    with store.engine.connect() as conn:
        if store.is_duckdb:
            raw: Any = conn.connection.driver_connection
            table: pa.Table = raw.sql(sql).to_arrow_table()
            out: pd.DataFrame = table.to_pandas()
            return out
        return pd.read_sql_query(sa.text(sql), conn)


def deal_frames(store: Store) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return frame(store, DEALS_SQL), frame(store, HISTORY_SQL), frame(store, ACTS_SQL)


def lead_frames(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    return frame(store, LEADS_SQL), frame(store, LEAD_ACTS_SQL)


# models ---------------------------------------------------------------------------------
def next_model_version(conn: sa.Connection, kind: str) -> int:
    v = conn.execute(sa.select(sa.func.max(forecast_models.c.version)).where(forecast_models.c.kind == kind))
    return int(v.scalar() or 0) + 1


def add_model(conn: sa.Connection, row: dict[str, Any]) -> int:
    """Insert a trained model's row (in the caller's write transaction); returns its version."""
    version = next_model_version(conn, row["kind"])
    new_id = (
        int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(forecast_models.c.id), 0))).scalar_one()) + 1
    )
    conn.execute(forecast_models.insert().values(id=new_id, version=version, **row))
    return version


def latest_model(store: Store, kind: str) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(forecast_models)
            .where(forecast_models.c.kind == kind)
            .order_by(forecast_models.c.version.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["metrics"] = json.loads(out.pop("metrics_json") or "{}")
    out["params"] = json.loads(out.pop("params_json") or "{}")
    return out


def models(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(forecast_models)
            .order_by(forecast_models.c.trained_at.desc(), forecast_models.c.id.desc())
            .limit(limit)
        )
        return [{**dict(r._mapping), "metrics_json": None, "params_json": None} for r in rows]


# scores and stored forecasts ---------------------------------------------------------------
def _bulk(conn: sa.Connection, table: sa.Table, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    cols = [c.name for c in table.columns]
    rows = rows[cols]
    if conn.dialect.name == "duckdb":
        raw: Any = conn.connection.driver_connection
        rel = raw.from_arrow(pa.Table.from_pandas(rows, preserve_index=False))
        rel.insert_into(table.name)
        return
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
    conn.execute(table.insert(), records)


def replace_scores(
    conn: sa.Connection, deals: pd.DataFrame, leads: pd.DataFrame, forecasts: pd.DataFrame
) -> None:
    """Replace every stored score and forecast (in the caller's write transaction)."""
    for table, rows in ((deal_scores, deals), (lead_scores, leads), (scope_forecasts, forecasts)):
        conn.execute(table.delete())
        _bulk(conn, table, rows)


def scope_forecast_rows(
    store: Store, scope_type: str, scope_id: int, period: str | None = None
) -> list[dict[str, Any]]:
    q = sa.select(scope_forecasts).where(
        scope_forecasts.c.scope_type == scope_type, scope_forecasts.c.scope_id == scope_id
    )
    if period is not None:
        q = q.where(scope_forecasts.c.period == period)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(scope_forecasts.c.kpi))]


def all_scope_forecasts(store: Store) -> pd.DataFrame:
    return frame(store, "SELECT * FROM scope_forecasts")


DEAL_SCORES_SQL = """
SELECT s.deal_id, s.model_version, s.scored_at, s.p_win, s.p_stage, s.p_period,
       s.category AS default_category, c.category AS override, c.author AS override_by, s.factors_json,
       d.name, d.stage, d.owner_id,
       CAST(d.amount AS DOUBLE PRECISION) AS amount, d.expected_close_on, d.created_at
FROM deal_scores s JOIN deals d ON d.id = s.deal_id LEFT JOIN forecast_categories c ON c.deal_id = s.deal_id
"""


def deal_score_frame(store: Store) -> pd.DataFrame:
    return frame(store, DEAL_SCORES_SQL)


def lead_score_frame(store: Store) -> pd.DataFrame:
    return frame(
        store,
        "SELECT s.*, l.channel, l.status, l.owner_id, l.created_at "
        "FROM lead_scores s JOIN leads l ON l.id = s.lead_id",
    )


def set_category(store: Store, deal_id: int, category: str | None, author: str | None, now: datetime) -> None:
    with store.write() as conn:
        conn.execute(forecast_categories.delete().where(forecast_categories.c.deal_id == deal_id))
        if category is not None:
            conn.execute(
                forecast_categories.insert().values(
                    deal_id=deal_id, category=category, author=author, updated_at=now
                )
            )


def _next_id(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()) + 1


def add_adjustment(store: Store, row: dict[str, Any]) -> int:
    with store.write() as conn:
        new_id = _next_id(conn, forecast_adjustments)
        conn.execute(forecast_adjustments.insert().values(id=new_id, **row))
    return new_id


def adjustments(store: Store, scope_type: str, scope_id: int, period: str) -> list[dict[str, Any]]:
    t = forecast_adjustments
    q = (
        sa.select(t)
        .where(t.c.scope_type == scope_type, t.c.scope_id == scope_id, t.c.period == period)
        .order_by(t.c.created_at.desc(), t.c.id.desc())
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def add_submission(store: Store, row: dict[str, Any]) -> int:
    with store.write() as conn:
        new_id = _next_id(conn, forecast_submissions)
        conn.execute(forecast_submissions.insert().values(id=new_id, **row))
    return new_id


def submissions(
    store: Store, scope_type: str | None = None, scope_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    t = forecast_submissions
    q = sa.select(t).order_by(t.c.period, t.c.submitted_at, t.c.id)
    if scope_type is not None:
        q = q.where(t.c.scope_type == scope_type)
    if scope_ids is not None:
        q = q.where(t.c.scope_id.in_(scope_ids))
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def week_of(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def category_overrides(store: Store) -> dict[int, str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(forecast_categories.c.deal_id, forecast_categories.c.category))
        return {int(r[0]): str(r[1]) for r in rows}
