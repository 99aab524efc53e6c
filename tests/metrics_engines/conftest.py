"""Fixtures: the dataset, a DuckDB store holding it, the oracle, and one Spark connection."""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rashinban.kpi.calendar import Span
from rashinban.kpi.units import Period
from rashinban.metrics.engine import MetricsEngine, Results
from rashinban.metrics.measures import Measure, build_measure, builtin_measures
from rashinban.org.scopes import ScopeIndex
from rashinban.store import Store
from tests.conftest import unavailable
from tests.metrics_engines import dataset, oracle

KINDS = {"month": Period.MONTH, "quarter": Period.QUARTER, "fiscal_year": Period.FISCAL_YEAR}
SPAN = Span(dataset.SPAN_START, dataset.SPAN_END, "range", "FY2025..FY2026")

# The built-in catalogue has no median or distinct count; these cover the remaining
# aggregations (and a non-additive measure over the team-level table).
EXTRA_SPECS: dict[str, dict[str, Any]] = {
    "x_median_won_amount": {
        "table": "deals",
        "agg": "median",
        "column": "amount",
        "filter": "is_won",
        "time": "closed_at",
    },
    "x_median_cycle_days": {
        "table": "deals",
        "agg": "duration",
        "start": "created_at",
        "end": "closed_at",
        "stat": "median",
        "per": "days",
        "filter": "is_won",
        "time": "closed_at",
    },
    "x_accounts_touched": {"table": "activities", "agg": "count_distinct", "column": "account_id"},
    "x_channels_valid": {"table": "leads", "agg": "count_distinct", "column": "channel", "filter": "valid"},
    "x_mean_new_mrr": {"table": "contracts", "agg": "mean", "column": "mrr", "time": "start_on"},
    "x_median_spend": {"table": "spend", "agg": "median", "column": "amount"},
    "x_stage_amount": {"table": "deal_stage_entries", "agg": "sum", "column": "amount"},
}


def all_measures() -> dict[str, Measure]:
    out = dict(builtin_measures())
    for mid, spec in EXTRA_SPECS.items():
        out[mid] = build_measure(mid, spec)
    return out


def scope_index(data: dataset.Dataset) -> ScopeIndex:
    return ScopeIndex.from_rows(data.rows["teams"], data.rows["members"])


def run_engine(con: Any, data: dataset.Dataset, kind: str) -> Results:
    ms = all_measures()
    return MetricsEngine(con, scope_index(data), 4).compute(ms, list(ms), SPAN, KINDS[kind])


@pytest.fixture(scope="session")
def data() -> dataset.Dataset:
    return dataset.build()


Expectation = dict[oracle.Key, dict[str, oracle.Expected]]


class Expectations:
    """The oracle's values per period kind (pandas, ~15 s a kind), computed when a test first
    asks for the kind.  Under xdist the workers share them: one computes a kind under a lock
    and leaves a pickle in the run's own temporary directory (``pytest-<n>``, new for every
    run), so two workers compute two kinds side by side instead of the same kind twice."""

    def __init__(self, data: dataset.Dataset, shared: Path | None) -> None:
        self.data, self.shared = data, shared
        self.cache: dict[str, Expectation] = {}

    def __getitem__(self, kind: str) -> Expectation:
        if kind not in self.cache:
            self.cache[kind] = self._load(kind) if self.shared else self._compute(kind)
        return self.cache[kind]

    def _compute(self, kind: str) -> Expectation:
        return oracle.compute(self.data, all_measures(), kind, (SPAN.start, SPAN.end))

    def _load(self, kind: str) -> Expectation:
        assert self.shared is not None
        path = self.shared / f"engines-oracle-{kind}.pickle"
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if path.exists():
                loaded: Expectation = pickle.loads(path.read_bytes())
                return loaded
            out = self._compute(kind)
            partial = path.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(out))
            partial.replace(path)
            return out


@pytest.fixture(scope="session")
def expected(data: dataset.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Expectations:
    xdist = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    return Expectations(data, tmp_path_factory.getbasetemp().parent if xdist else None)


@pytest.fixture(scope="session")
def duck_path(data: dataset.Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engines") / "facts.duckdb"
    store = Store.open(str(path))
    try:
        dataset.write(store, data)
    finally:
        store.dispose()
    return path


@pytest.fixture(scope="session")
def duck_store(duck_path: Path) -> Iterator[Store]:
    store = Store.open(str(duck_path))
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def spark_con(duck_store: Store) -> Any:
    """One PySpark connection for the whole session (Spark starts slowly)."""
    try:
        from rashinban.metrics.spark import SparkError, spark_connection
    except ImportError as e:  # pragma: no cover - depends on the install
        unavailable(f"pyspark: {e}")
    try:
        return spark_connection(duck_store)
    except SparkError as e:  # pragma: no cover - no Java
        unavailable(f"Spark: {e}")


def period_starts(kind: str) -> list[date]:
    return [p for p, _ in oracle.periods(SPAN.start, SPAN.end, kind)]
