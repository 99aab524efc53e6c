"""One small demo store per worker for the insights' store-level tests, and copies of it with
a planted cause of a miss (design, execution, market)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from tests.svc import generate_demo

END = "2026-11"
PERIOD = "2026-10"
AS_OF = "2026-11-30"


@pytest.fixture(scope="session")
def insight_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("insights") / "demo.duckdb"
    generate_demo(db, scale="small", months=12, seed=21, end_month=END)
    return db


def copy_store(template: Path, folder: Path) -> Path:
    db = folder / "demo.duckdb"
    shutil.copy(template, db)
    shutil.copy(template.with_name("demo.model.yaml"), folder / "demo.model.yaml")
    return db


@pytest.fixture(scope="session")
def insight_db(insight_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(insight_template, tmp_path_factory.mktemp("insights_ro"))


@pytest.fixture
def svc(insight_db: Path) -> Iterator[Rashinban]:
    s = Rashinban.for_cli(str(insight_db), lang="ja", clock=FixedClock("2026-11-30T12:00:00+09:00"))
    try:
        yield s
    finally:
        s.close()
