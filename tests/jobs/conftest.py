"""Stores for the jobs tests: a DuckDB file and a real PostgreSQL database, both migrated."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rashinban.clock import FixedClock, business_zone
from rashinban.store import Store

# 2026-11-25 is a Wednesday; 2026-11-30 the following Monday
START = "2026-11-25T10:00:00"


@pytest.fixture(scope="session")
def duck_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated DuckDB file; each test gets a copy (migrating takes most of a second)."""
    path = tmp_path_factory.mktemp("jobs-template") / "template.duckdb"
    store = Store.open(str(path))
    store.ready()
    store.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """One migrated PostgreSQL database for the session (creating and migrating one takes
    a second or two); each test starts from empty jobs and schedules tables."""
    import psycopg

    name = f"rashinban_test_jobs_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{pg_server.rsplit('/', 1)[0]}/{name}"
    try:
        store = Store.open(url)
        store.ready()
        store.dispose()
        yield url
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's --db value: a copy of a migrated DuckDB file, or the session's
    PostgreSQL database with its jobs and schedules emptied."""
    if request.param == "duckdb":
        path = tmp_path / "jobs.duckdb"
        shutil.copy(request.getfixturevalue("duck_template"), path)
        return str(path)
    url: str = request.getfixturevalue("pg_db")
    return url


@pytest.fixture
def pg_db(pg_template: str) -> str:
    """The session's PostgreSQL database, its jobs and schedules emptied."""
    import psycopg

    with psycopg.connect(pg_template, autocommit=True) as conn:
        conn.execute("TRUNCATE jobs, schedules")
        conn.execute("DROP TABLE IF EXISTS executions")
    return pg_template


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    s = Store.open(db)
    s.ready()
    yield s
    s.dispose()


@pytest.fixture
def other_store(db: str, store: Store) -> Iterator[Store]:
    """A second Store on the same database: another process's view."""
    s = Store.open(db)
    yield s
    s.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START, business_zone("Asia/Tokyo"))
