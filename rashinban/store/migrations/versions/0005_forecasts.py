"""Forecasts: trained models with their versions, deal and lead scores, stored period
forecasts per scope, forecast categories, managers' adjustments, weekly submissions; the
close date each stage history row saw (close-date pushes).

Revision ID: 0005
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = (
    "forecast_submissions",
    "forecast_adjustments",
    "forecast_categories",
    "scope_forecasts",
    "lead_scores",
    "deal_scores",
    "forecast_models",
)


def upgrade() -> None:
    op.add_column("deal_stage_history", sa.Column("expected_close_on", sa.Date(), nullable=True))
    op.create_table(
        "forecast_models",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("trained_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.Column("won", sa.Integer(), nullable=False),
        sa.Column("lost", sa.Integer(), nullable=False),
        sa.Column("metrics_json", sa.String(length=None), nullable=True),
        sa.Column("params_json", sa.String(length=None), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "version", name="uq_forecast_models_kind_version"),
    )
    op.create_table(
        "deal_scores",
        sa.Column("deal_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.Column("p_win", sa.Double(), nullable=False),
        sa.Column("p_stage", sa.Double(), nullable=False),
        sa.Column("p_period", sa.Double(), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("factors_json", sa.String(length=None), nullable=True),
        sa.PrimaryKeyConstraint("deal_id"),
    )
    op.create_table(
        "lead_scores",
        sa.Column("lead_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.Column("p_won", sa.Double(), nullable=False),
        sa.Column("p_base", sa.Double(), nullable=False),
        sa.Column("factors_json", sa.String(length=None), nullable=True),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    op.create_table(
        "scope_forecasts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scope_type", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("kpi", sa.String(length=20), nullable=False),
        sa.Column("closed", sa.Double(), nullable=False),
        sa.Column("open_expected", sa.Double(), nullable=False),
        sa.Column("new_expected", sa.Double(), nullable=False),
        sa.Column("mean", sa.Double(), nullable=False),
        sa.Column("p10", sa.Double(), nullable=False),
        sa.Column("p50", sa.Double(), nullable=False),
        sa.Column("p90", sa.Double(), nullable=False),
        sa.Column("run_rate", sa.Double(), nullable=True),
        sa.Column("weighted", sa.Double(), nullable=True),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("p_achieve", sa.Double(), nullable=True),
        sa.Column("commit", sa.Double(), nullable=True),
        sa.Column("best_case", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "forecast_categories",
        sa.Column("deal_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("deal_id"),
    )
    op.create_table(
        "forecast_adjustments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("scope_type", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("kpi", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("model_p50", sa.Double(), nullable=True),
        sa.Column("reason", sa.String(length=None), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "forecast_submissions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("scope_type", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("kpi", sa.String(length=20), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("model_p50", sa.Double(), nullable=True),
        sa.Column("note", sa.String(length=None), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_scope_forecasts_scope", "scope_forecasts", ["scope_type", "scope_id"])


def downgrade() -> None:
    op.drop_index("ix_scope_forecasts_scope", table_name="scope_forecasts")
    for name in TABLES:
        op.drop_table(name)
    op.drop_column("deal_stage_history", "expected_close_on")
