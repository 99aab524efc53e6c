"""Fixtures for import tests: a store on DuckDB or PostgreSQL, and table snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from rashinban.store import Store
from rashinban.store.schema import metadata


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def duck_url(tmp_path: Path) -> str:
    return str(tmp_path / "store.duckdb")


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in id order: compared before and after a failed import."""
    store = Store.open(url)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        with store.engine.connect() as conn:
            existing = set(sa.inspect(conn).get_table_names())
            for name, table in metadata.tables.items():
                if name not in existing:
                    continue
                order = [table.c.id] if "id" in table.c else list(table.c)
                out[name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*order))]
        return out
    finally:
        store.dispose()


def count(url: str, sql: str, **params: Any) -> int:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(sa.text(sql), params).scalar_one())
    finally:
        store.dispose()
