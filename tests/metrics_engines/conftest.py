"""Fixtures: the dataset, a DuckDB store holding it, the oracle, and one Spark connection."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def expected(data: dataset.Dataset) -> dict[str, dict[oracle.Key, dict[str, oracle.Expected]]]:
    ms = all_measures()
    return {k: oracle.compute(data, ms, k, (SPAN.start, SPAN.end)) for k in KINDS}


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
