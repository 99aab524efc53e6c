"""Ibis connections to the store, and the scope index read from it.

* DuckDB: the Ibis client shares the store's DuckDB database instance (DuckDB refuses a
  second connection to the same file with another configuration in one process).
* PostgreSQL: an Ibis PostgreSQL client on the same URL.
* PySpark: see ``spark.py`` — the facts are read by a local Spark session.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any

import ibis
import sqlalchemy as sa

from rashinban.store import Store
from rashinban.store.org import load_scope_index

_LOCK = threading.Lock()


def ibis_connection(store: Store) -> Any:
    """An Ibis client for one unit of work (one request, one command).

    DuckDB: a fresh cursor — its own connection to the shared database instance, safe to
    use from one thread — on a base connection that the store holds until ``dispose()``
    (taking it from the pool and handing it back would let the pool close it under a
    running query).  PostgreSQL: one client per thread, reused.
    """
    if store.is_duckdb:
        with _LOCK:
            base: Any = store.resources.get("duckdb_base")
            if base is None:
                raw = store.engine.raw_connection()  # kept checked out for the store's life
                wrapper = raw.driver_connection
                base = getattr(wrapper, "_ConnectionWrapper__c", wrapper)  # duckdb_engine's wrapper
                store.resources["duckdb_base"] = base
                cursors: weakref.WeakSet[Any] = weakref.WeakSet()
                store.resources["duckdb_cursors"] = cursors

                def close() -> None:
                    for cur in list(cursors):
                        with contextlib.suppress(Exception):
                            cur.close()
                    raw.close()

                store.on_dispose.append(close)
            cur = base.cursor()
            store.resources["duckdb_cursors"].add(cur)
        return ibis.duckdb.from_connection(cur)
    local = store.resources.setdefault("pg_local", threading.local())
    con = getattr(local, "ibis", None)
    if con is None:
        url = sa.make_url(store.url)
        con = ibis.postgres.connect(
            host=url.host or "localhost",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        local.ibis = con
        store.on_dispose.append(lambda: _disconnect(con))
    return con


def _disconnect(con: Any) -> None:
    with contextlib.suppress(Exception):
        con.disconnect()


__all__ = ["ibis_connection", "load_scope_index"]
