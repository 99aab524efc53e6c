"""One small demo store per test worker (four months to October 2026), copied per test; the
clock stands on Thursday 2026-10-22 10:00 Tokyo; facades for any demo user."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user
from tests.svc import generate_demo

END_MONTH = "2026-10"
NOW = "2026-10-22T10:00:00"


@pytest.fixture(scope="session")
def reviews_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("reviews_demo") / "demo.duckdb"
    import os  # DEV-ONLY

    if os.environ.get("DEVTPL"):  # DEV-ONLY
        shutil.copy(os.environ["DEVTPL"], db)  # DEV-ONLY
        shutil.copy(
            os.environ["DEVTPL"].replace("base.duckdb", "demo.model.yaml"), db.with_name("demo.model.yaml")
        )  # DEV-ONLY
        return db  # DEV-ONLY
    generate_demo(db, scale="small", months=4, seed=7, end_month=END_MONTH)
    return db


@pytest.fixture
def db_path(reviews_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    shutil.copy(reviews_template, db)
    shutil.copy(reviews_template.with_name("demo.model.yaml"), tmp_path / "demo.model.yaml")
    return db


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(str(db_path))
    s.ready()
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def system(store: Store, clock: FixedClock) -> Rashinban:
    return Rashinban.for_job(store, "ja", clock)


@pytest.fixture
def as_user(store: Store, clock: FixedClock) -> Callable[..., Rashinban]:
    def make(username: str, lang: str = "ja") -> Rashinban:
        user = find_user(store, username)
        assert user is not None, username
        return Rashinban.for_store(store, user, lang, clock)

    return make
