"""Shared fixtures: real services only.  Under RASHINBAN_REQUIRE_ALL=1 a missing service fails."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
PG_ADMIN_URL = os.environ.get("RASHINBAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_ALL = os.environ.get("RASHINBAN_REQUIRE_ALL") == "1"


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI (RASHINBAN_REQUIRE_ALL=1), where every suite must run."""
    if REQUIRE_ALL:
        pytest.fail(f"required service or file unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.is_dir():
        unavailable(f"datasets folder {DATASETS} missing")
    return DATASETS


@pytest.fixture(scope="session")
def pg_server() -> str:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as e:  # pragma: no cover - depends on the machine
        unavailable(f"PostgreSQL at {PG_ADMIN_URL}: {e}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"rashinban_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def duckdb_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"
