"""A small demo store shared by the read-only tests (one per xdist worker)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.demo import DemoConfig, DemoResult, generate
from rashinban.store import schema
from rashinban.store.db import Store

# a fiscal year that ends with March inside the window: May 2025 – April 2026
END_MONTH = "2026-04"
PASSWORD = "test-pass-123"


def small_config(seed: int = 1, reps: int = 8, months: int = 12, end_month: str = END_MONTH) -> DemoConfig:
    return DemoConfig.build(
        scale="small", reps=reps, months=months, seed=seed, end_month=end_month, password=PASSWORD
    )


BOOKKEEPING = {"data_version", "app_secrets", "jobs", "schedules"}  # not content: left out


def content_hash(store: Store) -> dict[str, str]:
    """sha256 of every table's rows in id order (password hashes are salted: left out)."""
    out = {}
    with store.engine.connect() as conn:
        for name, table in sorted(schema.metadata.tables.items()):
            if name in BOOKKEEPING:
                continue
            cols = [c for c in table.columns if c.name != "password_hash"]
            h = hashlib.sha256()
            for row in conn.execute(sa.select(*cols).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(row)).encode())
            out[name] = h.hexdigest()
    return out


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store.open(str(path))
    try:
        result = generate(store, small_config(), model_out=path.with_name("demo.model.yaml"))
    finally:
        store.dispose()
    return path, result
