"""Ibis connections to the store, and the scope index read from it.

* DuckDB: the Ibis client shares the store's DuckDB database instance (DuckDB refuses a
  second connection to the same file with another configuration in one process).
* PostgreSQL: an Ibis PostgreSQL client on the same URL.
* PySpark: see ``spark.py`` — the facts are read by a local Spark session.
"""

from __future__ import annotations

from typing import Any

import ibis
import sqlalchemy as sa

from rashinban.metrics.scopes import ScopeIndex
from rashinban.store import Store
from rashinban.store import schema as s


def ibis_connection(store: Store) -> Any:
    if store.is_duckdb:
        raw = store.engine.raw_connection()
        try:
            wrapper = raw.driver_connection
            duck: Any = getattr(wrapper, "_ConnectionWrapper__c", wrapper)  # duckdb_engine's wrapper
            return ibis.duckdb.from_connection(duck.cursor())
        finally:
            raw.close()
    url = sa.make_url(store.url)
    return ibis.postgres.connect(
        host=url.host or "localhost",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )


def load_scope_index(store: Store, company_name: str = "全社") -> ScopeIndex:
    with store.engine.connect() as conn:
        teams = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(
                    s.teams.c.id, s.teams.c.external_id, s.teams.c.name, s.teams.c.parent_id, s.teams.c.kind
                )
            )
        ]
        members = [
            dict(r._mapping)
            for r in conn.execute(
                sa.select(s.members.c.id, s.members.c.external_id, s.members.c.name, s.members.c.team_id)
            )
        ]
    return ScopeIndex.from_rows(teams, members, company_name)
