"""The SQL the engine generates, per dialect, compared with committed snapshots.

The PySpark snapshot is checked inside ``test_pyspark_matches_oracle`` (one Spark session
per run, held by one xdist worker).
"""

from __future__ import annotations

import pytest

from rashinban.metrics.backends import ibis_connection
from rashinban.store import Store
from tests.metrics_engines import dataset, snapshots


def test_normalise_names_memtables_by_appearance() -> None:
    sql = (
        'SELECT * FROM "ibis_pandas_memtable_abc123" JOIN ibis_pandas_memtable_zz9'
        " ON ibis_pandas_memtable_abc123.x"
    )
    assert snapshots.normalise(sql) == (
        'SELECT * FROM "ibis_memtable_1" JOIN ibis_memtable_2 ON ibis_memtable_1.x\n'
    )


def test_duckdb_sql_snapshot(duck_store: Store, data: dataset.Dataset) -> None:
    snapshots.check_all("duckdb", ibis_connection(duck_store), data)


@pytest.mark.postgres
def test_postgres_sql_snapshot(pg_url: str, data: dataset.Dataset) -> None:
    store = Store.open(pg_url)
    try:
        dataset.write(store, data)
        snapshots.check_all("postgres", ibis_connection(store), data)
    finally:
        store.dispose()


def test_snapshots_are_committed() -> None:
    for dialect in ("duckdb", "postgres", "pyspark"):
        for kind in snapshots.CASES:
            assert (snapshots.DIR / dialect / f"status_{kind}.sql").exists(), (dialect, kind)
