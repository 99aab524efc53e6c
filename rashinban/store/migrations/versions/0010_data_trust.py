"""Numbers a manager can trust: who sourced a deal (deals.source_member_id), values of manual
KPIs with revisions, and the owner and stage mappings each import source remembers.

Revision ID: 0010
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deals", sa.Column("source_member_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "manual_values",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("scope_type", sa.String(length=10), nullable=False),
        sa.Column("scope_id", sa.BigInteger(), nullable=True),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("value", sa.Numeric(24, 6), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "model", "node", "scope_type", "scope_id", "period", "revision", name="uq_manual_values_revision"
        ),
    )
    op.create_table(
        "owner_mappings",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "value"),
    )
    op.create_table(
        "stage_mappings",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "value"),
    )


def downgrade() -> None:
    op.drop_table("stage_mappings")
    op.drop_table("owner_mappings")
    op.drop_table("manual_values")
    op.drop_column("deals", "source_member_id")
