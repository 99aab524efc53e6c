"""Salesforce contacts and campaigns, activities.contact_id, nullable deals.created_at, import notes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_members",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("lead_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("responded", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_campaign_members_source_external_id"),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("budgeted_cost", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("actual_cost", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_campaigns_source_external_id"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_contacts_source_external_id"),
    )
    op.add_column("activities", sa.Column("contact_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_audit_log_table_row", "audit_log", ["table_name", "row_key"], unique=False)
    op.alter_column("deals", "created_at", existing_type=sa.DateTime(), nullable=True)
    op.add_column("import_runs", sa.Column("notes_json", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("import_runs", "notes_json")
    op.alter_column("deals", "created_at", existing_type=sa.DateTime(), nullable=False)
    op.drop_index("ix_audit_log_table_row", table_name="audit_log")
    op.drop_column("activities", "contact_id")
    op.drop_table("contacts")
    op.drop_table("campaigns")
    op.drop_table("campaign_members")
