"""Writer-assigned ids: BIGINTs handed out by the writer, not by database sequences.

A writer takes the store's write lock (PostgreSQL: a transaction-level advisory lock;
DuckDB allows one writing transaction per table anyway), then reads ``max(id)`` and
numbers its new rows after it.  Set-based loads use :func:`next_id_sql` inside their
``INSERT … SELECT`` so that a million rows get ids without a round trip each.
"""

from __future__ import annotations

import sqlalchemy as sa

# Any constant works; it names "the Rashinban writer" among other advisory locks.
WRITE_LOCK_KEY = 0x5241534849


def lock_for_write(conn: sa.Connection) -> None:
    """Serialise writers until the end of the transaction (a no-op on DuckDB)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def next_id_sql(table: str) -> str:
    """SQL for the first free id of ``table`` (add ``row_number() OVER (…)`` to it)."""
    return f"(SELECT COALESCE(MAX(id), 0) FROM {table})"


def reserve(conn: sa.Connection, table: str, count: int) -> int:
    """Reserve ``count`` ids in ``table``; returns the first.  Call after :func:`lock_for_write`."""
    if count < 0:
        raise ValueError("count must be >= 0")
    first: int = conn.exec_driver_sql(f"SELECT {next_id_sql(table)} + 1").scalar_one()
    return first
