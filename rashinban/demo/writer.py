"""Bulk loading of Arrow chunks: DuckDB's Arrow scan, PostgreSQL's COPY.

Each chunk is written in its own transaction, so memory stays flat however large the
demo; ``--replace`` (or a rerun after a failure) starts by deleting the demo rows.
"""

from __future__ import annotations

import io
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from rashinban.store import schema
from rashinban.store.db import Store

COPY_BATCH_ROWS = 200_000
SOURCE = "demo"


class Sink(Protocol):
    def write(self, table: str, data: pa.Table) -> None: ...

    def close(self) -> None: ...


def _columns(table: str, data: pa.Table) -> list[str]:
    known = set(schema.metadata.tables[table].columns.keys())
    cols = [c for c in data.column_names if c in known]
    missing = set(data.column_names) - known
    if missing:  # a bug in the generator, not a user error
        raise AssertionError(f"columns not in {table}: {sorted(missing)}")
    return cols


DUCKDB_MEMORY_LIMIT = "512MB"


class DuckDBSink:
    """``INSERT INTO t SELECT … FROM arrow_chunk`` on the raw DuckDB connection.

    DuckDB would otherwise keep up to 80% of the machine's memory as buffer cache while
    tens of millions of rows stream in; a cap keeps the process flat (it spills to disk).
    """

    def __init__(self, store: Store, memory_limit: str | None = DUCKDB_MEMORY_LIMIT) -> None:
        self._raw = store.engine.raw_connection()
        con = self._raw.driver_connection
        assert con is not None
        self._con: Any = con
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{memory_limit}'")
            self._con.execute("SET preserve_insertion_order = false")

    def write(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        cols = ", ".join(f'"{c}"' for c in _columns(table, data))
        self._con.register("rashinban_demo_chunk", data)
        try:
            self._con.execute("BEGIN TRANSACTION")
            self._con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM rashinban_demo_chunk')
            self._con.execute("COMMIT")
        except Exception:
            self._con.execute("ROLLBACK")
            raise
        finally:
            self._con.unregister("rashinban_demo_chunk")

    def close(self) -> None:
        self._raw.close()


class PostgresSink:
    """``COPY t (…) FROM STDIN (FORMAT csv)`` with the CSV text written by Arrow."""

    def __init__(self, store: Store) -> None:
        self._raw = store.engine.raw_connection()
        self._con: Any = self._raw.driver_connection

    def write(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        cols = _columns(table, data)
        data = data.select(cols)
        col_sql = ", ".join(f'"{c}"' for c in cols)
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        try:
            with (
                self._con.cursor() as cur,
                cur.copy(f'COPY "{table}" ({col_sql}) FROM STDIN WITH (FORMAT csv)') as copy,
            ):
                for offset in range(0, data.num_rows, COPY_BATCH_ROWS):
                    buf = io.BytesIO()
                    pacsv.write_csv(data.slice(offset, COPY_BATCH_ROWS), buf, write_options=options)
                    copy.write(buf.getbuffer())
            self._con.commit()
        except Exception:
            self._con.rollback()
            raise

    def close(self) -> None:
        self._raw.close()


def open_sink(store: Store) -> Sink:
    return DuckDBSink(store) if store.is_duckdb else PostgresSink(store)


def demo_rows_exist(store: Store) -> bool:
    with store.engine.connect() as conn:
        for t in schema.FACT_TABLES:
            if conn.execute(sa.select(t.c.id).where(t.c.source == SOURCE).limit(1)).first():
                return True
    return False


def delete_demo(store: Store, usernames: list[str]) -> None:
    """Remove every demo row: facts with source='demo', the users linked to demo members
    (from any earlier run, whatever its number of reps) and the named demo users."""
    users, members = schema.users, schema.members
    demo_members = sa.select(members.c.id).where(members.c.source == SOURCE)
    with store.write(timeout=600) as conn:
        conn.execute(sa.delete(users).where(users.c.member_id.in_(demo_members)))
        if usernames:
            conn.execute(sa.delete(users).where(users.c.username.in_(usernames)))
        for t in schema.FACT_TABLES:
            conn.execute(sa.delete(t).where(t.c.source == SOURCE))


def existing_users(store: Store, usernames: list[str]) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.users.c.username).where(schema.users.c.username.in_(usernames)))
        return sorted(r[0] for r in rows)


def next_ids(store: Store, tables: list[str]) -> dict[str, int]:
    """The first free surrogate id of each table (1 on an empty table)."""
    out = {}
    with store.engine.connect() as conn:
        for name in tables:
            t = schema.metadata.tables[name]
            out[name] = (
                int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0))).scalar_one()) + 1
            )
    return out
