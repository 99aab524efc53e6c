"""The shared metadata of the store's tables and the shape of a fact table."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

MONEY = sa.Numeric(18, 2)


def _fact(name: str, *columns: sa.Column[object] | sa.Constraint | sa.Index) -> sa.Table:
    """A fact table: id, source, external_id (unique with source), then its columns."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(120), nullable=False),
        *columns,
        sa.UniqueConstraint("source", "external_id", name=f"uq_{name}_source_external_id"),
    )
