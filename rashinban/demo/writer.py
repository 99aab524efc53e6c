"""Bulk loading of Arrow chunks: DuckDB's Arrow scan, PostgreSQL's COPY.

Every chunk goes into one transaction — the caller's, on the connection it hands the sink —
so a demo is stored whole or not at all, like an import: a killed or failed run leaves the
store as it was (DuckDB writes large appends to the file as they come, memory stays flat).
``--replace`` deletes the earlier demo in the same transaction, with everything that points
at its teams, members and users (targets, model bindings, tokens, sessions, scores…).
"""

from __future__ import annotations

import io
from contextlib import ExitStack
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from rashinban.store import schema
from rashinban.store.db import Store

COPY_BATCH_ROWS = 200_000
SOURCE = "demo"


class Sink(Protocol):
    conn: sa.Connection

    def write(self, table: str, data: pa.Table) -> None: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...


class _Transaction:
    """The one writing transaction of a demo (``Store.transaction``: the write lock, and the
    data version bumped with the commit).  Closing without :meth:`commit` rolls back."""

    def __init__(self, store: Store) -> None:
        self._stack = ExitStack()
        try:
            self.conn = self._stack.enter_context(store.engine.connect())
            self._tx = self._stack.enter_context(store.transaction(self.conn, timeout=600))
        except BaseException:
            self._stack.close()
            raise

    def commit(self) -> None:
        self._tx.commit()

    def close(self) -> None:
        self._stack.close()


def _columns(table: str, data: pa.Table) -> list[str]:
    known = set(schema.metadata.tables[table].columns.keys())
    cols = [c for c in data.column_names if c in known]
    missing = set(data.column_names) - known
    if missing:  # a bug in the generator, not a user error
        raise AssertionError(f"columns not in {table}: {sorted(missing)}")
    return cols


DUCKDB_MEMORY_LIMIT = "512MB"


class DuckDBSink(_Transaction):
    """``INSERT INTO t SELECT … FROM arrow_chunk`` on the transaction's DuckDB connection.

    DuckDB would otherwise keep up to 80% of the machine's memory as buffer cache while
    tens of millions of rows stream in; a cap keeps the process flat (it spills to disk).
    """

    def __init__(self, store: Store, memory_limit: str | None = DUCKDB_MEMORY_LIMIT) -> None:
        super().__init__(store)
        con = self.conn.connection.driver_connection
        assert con is not None
        self._con: Any = con
        # A new store is built in a hidden file that is published only when the demo
        # succeeds (Store.publish), so it is already all-or-nothing: commit every chunk
        # there.  DuckDB keeps the key indexes of uncommitted rows in memory (the `large`
        # demo in one transaction peaked at 6.8 GB and ran out at 512 MB); on an existing
        # store (--replace beside other data) the one transaction is what keeps it whole;
        # there the cap stays small so that the rows spill to the file as they are written
        # (known limit: a `large` demo into an existing store runs out of memory at 512 MB).
        self._chunked = store.pending is not None
        if memory_limit:
            self._con.execute(f"SET memory_limit = '{memory_limit}'")
            self._con.execute("SET preserve_insertion_order = false")

    def write(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        cols = ", ".join(f'"{c}"' for c in _columns(table, data))
        self._con.register("rashinban_demo_chunk", data)
        try:
            self._con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM rashinban_demo_chunk')
        finally:
            self._con.unregister("rashinban_demo_chunk")
        if self._chunked:  # the hidden new file: nothing else can see it before it is published
            self._tx.commit_and_continue()


class PostgresSink(_Transaction):
    """``COPY t (…) FROM STDIN (FORMAT csv)`` with the CSV text written by Arrow."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._con: Any = self.conn.connection.driver_connection

    def write(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        cols = _columns(table, data)
        data = data.select(cols)
        col_sql = ", ".join(f'"{c}"' for c in cols)
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        with (
            self._con.cursor() as cur,
            cur.copy(f'COPY "{table}" ({col_sql}) FROM STDIN WITH (FORMAT csv)') as copy,
        ):
            for offset in range(0, data.num_rows, COPY_BATCH_ROWS):
                buf = io.BytesIO()
                pacsv.write_csv(data.slice(offset, COPY_BATCH_ROWS), buf, write_options=options)
                copy.write(buf.getbuffer())


def open_sink(store: Store, replace: list[str] | None = None) -> Sink:
    """A sink writing the whole demo in one transaction; ``replace``: first delete the earlier
    demo (and these user names) in that same transaction."""
    sink: DuckDBSink | PostgresSink = DuckDBSink(store) if store.is_duckdb else PostgresSink(store)
    if replace is not None:
        try:
            delete_demo(sink.conn, replace)
        except BaseException:
            sink.close()
            raise
    return sink


def demo_rows_exist(store: Store) -> bool:
    with store.engine.connect() as conn:
        for t in schema.FACT_TABLES:
            if conn.execute(sa.select(t.c.id).where(t.c.source == SOURCE).limit(1)).first():
                return True
    return False


HISTORY = {"audit_log", "jobs", "import_runs"}  # what happened stays, even about deleted rows


def delete_demo(conn: sa.Connection, usernames: list[str]) -> None:
    """Remove every demo row inside the caller's transaction: facts with source='demo', the
    users linked to demo members (from any earlier run, whatever its number of reps) and the
    named demo users — and every app row that points at them: targets and forecasts of demo
    teams and members, model bindings of demo teams, tokens, sessions and alert settings of
    the users, scores of demo deals and leads.  Nothing is left pointing at a deleted row."""
    users, members, teams = schema.users, schema.members, schema.teams
    demo = {
        "member": sa.select(members.c.id).where(members.c.source == SOURCE),
        "team": sa.select(teams.c.id).where(teams.c.source == SOURCE),
    }
    gone_users = sa.select(users.c.id).where(
        sa.or_(users.c.member_id.in_(demo["member"]), users.c.username.in_(usernames or [""]))
    )
    refs = {
        "user_id": gone_users,
        "team_id": demo["team"],
        "deal_id": sa.select(schema.deals.c.id).where(schema.deals.c.source == SOURCE),
        "lead_id": sa.select(schema.leads.c.id).where(schema.leads.c.source == SOURCE),
    }
    facts = {t.name for t in schema.FACT_TABLES}
    for table in schema.metadata.sorted_tables:
        if table.name in facts or table.name in HISTORY or table.name == "users":
            continue
        cond = []
        if "scope_type" in table.c and "scope_id" in table.c:
            cond += [
                sa.and_(table.c.scope_type == kind, table.c.scope_id.in_(ids)) for kind, ids in demo.items()
            ]
        cond += [table.c[col].in_(ids) for col, ids in refs.items() if col in table.c]
        if cond:
            conn.execute(sa.delete(table).where(sa.or_(*cond)))
    conn.execute(sa.delete(users).where(users.c.id.in_(gone_users)))
    for t in schema.FACT_TABLES:
        conn.execute(sa.delete(t).where(t.c.source == SOURCE))


def existing_users(store: Store, usernames: list[str]) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.users.c.username).where(schema.users.c.username.in_(usernames)))
        return sorted(r[0] for r in rows)


def next_ids(conn: sa.Connection, tables: list[str]) -> dict[str, int]:
    """The first free surrogate id of each table (1 on an empty table), read in the demo's
    own transaction (after ``--replace`` deleted the earlier demo)."""
    out = {}
    for name in tables:
        t = schema.metadata.tables[name]
        out[name] = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0))).scalar_one()) + 1
    return out
