"""Tables of migration 0010 (numbers a manager can trust): values of manual KPIs, and the
owner and stage mappings each import source remembers.  Re-exported by ``store.schema``.

Business-local times (the clock's ``now()``), like the targets they sit beside.
"""

from __future__ import annotations

import sqlalchemy as sa

from rashinban.store.schema_base import metadata

# Values of ``kind: manual`` KPIs (代行費用, 内製化 KPIs …) per model × node × scope × period.
# Every change is a new revision with its author, time and note; the highest revision is the
# value (like ``targets``).  A revision with ``value`` NULL clears the value.
manual_values = sa.Table(
    "manual_values",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("node", sa.String(100), nullable=False),
    sa.Column("scope_type", sa.String(10), nullable=False),  # company | team | member
    sa.Column("scope_id", sa.BigInteger, nullable=True),  # NULL for the company
    sa.Column("period", sa.String(30), nullable=False),  # a period name in the node's period: 2026-11
    sa.Column("value", sa.Numeric(24, 6), nullable=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("author", sa.String(100), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint(
        "model", "node", "scope_type", "scope_id", "period", "revision", name="uq_manual_values_revision"
    ),
)

# How an import source's owner labels (an OwnerId, 「高橋 修」, an e-mail) map to members:
# found by external id, e-mail or normalised name, or chosen by a person in the preview.
owner_mappings = sa.Table(
    "owner_mappings",
    metadata,
    sa.Column("source", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(300), primary_key=True),  # the label as it appears in the file
    sa.Column("member_id", sa.BigInteger, nullable=False),
    sa.Column("method", sa.String(20), nullable=False),  # external_id | email | name | chosen | created
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# How an import source's stage labels (ヒアリング, Negotiation/Review …) map to the funnel's.
stage_mappings = sa.Table(
    "stage_mappings",
    metadata,
    sa.Column("source", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(100), primary_key=True),
    sa.Column("stage", sa.String(60), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

TRUST_TABLES = (manual_values, owner_mappings, stage_mappings)
