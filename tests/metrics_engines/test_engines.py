"""Every measure, every scope, every period: DuckDB, PostgreSQL and PySpark against the oracle."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import Results, Value
from rashinban.metrics.measures import builtin_measures
from rashinban.store import Store
from tests.metrics_engines import dataset, oracle, snapshots
from tests.metrics_engines.conftest import KINDS, all_measures, period_starts, run_engine, scope_index

REL = Fraction(1, 10**9)


def _close(a: Fraction, b: Fraction) -> bool:
    if a == b:
        return True
    return abs(a - b) <= REL * max(abs(a), abs(b))


def mismatches(res: Results, expected: dict[oracle.Key, dict[str, oracle.Expected]], kind: str) -> list[str]:
    """Every cell where the engine and the oracle disagree (value, or why there is none)."""
    data = dataset.build()
    scopes = list(scope_index(data).scopes)
    ms = all_measures()
    bad: list[str] = []
    checked = 0
    for stype, sid in scopes:
        for p in period_starts(kind):
            want_cell = expected.get((stype, sid, p), {})
            for mid, m in ms.items():
                got = res.get(stype, sid, p, mid)
                want = want_cell.get(mid, oracle.Expected(None, "no_data"))
                checked += 1
                where = f"{mid} {stype}:{sid} {p}"
                if want.value is None or got.value is None:
                    if want.value is not got.value:
                        bad.append(f"{where}: engine {got}, oracle {want}")
                    elif not m.is_base and got.reason != want.reason:
                        bad.append(f"{where}: reason {got.reason}, oracle {want.reason}")
                    continue
                exact = want.exact and m.agg not in ("mean", "median", "duration")
                ok = got.value == want.value if exact else _close(got.value, want.value)
                if not ok:
                    bad.append(f"{where}: engine {float(got.value)!r}, oracle {float(want.value)!r}")
    assert checked == len(scopes) * len(period_starts(kind)) * len(ms)
    return bad


def _assert_matches(res: Results, expected: Any, kind: str) -> None:
    bad = mismatches(res, expected[kind], kind)
    assert not bad, f"{len(bad)} cells differ, e.g.\n" + "\n".join(bad[:20])


def test_oracle_is_not_trivial(expected: Any) -> None:
    """The dataset exercises what it should: values, zeros, gaps and zero denominators."""
    month = expected["month"]
    values = [v for cell in month.values() for v in cell.values()]
    assert sum(1 for v in values if v.value not in (None, 0)) > 2000
    assert sum(1 for v in values if v.value == 0) > 200
    assert sum(1 for v in values if v.reason == "division_by_zero") > 50
    assert sum(1 for v in values if v.reason == "missing_input") > 50
    # every built-in measure has a value somewhere
    seen = {mid for cell in month.values() for mid, v in cell.items() if v.value not in (None, 0)}
    assert set(builtin_measures()) <= seen, set(builtin_measures()) - seen


@pytest.mark.parametrize("kind", list(KINDS))
def test_duckdb_matches_oracle(kind: str, duck_store: Store, data: dataset.Dataset, expected: Any) -> None:
    _assert_matches(run_engine(ibis_connection(duck_store), data, kind), expected, kind)


@pytest.mark.postgres
@pytest.mark.parametrize("kind", list(KINDS))
def test_postgres_matches_oracle(kind: str, pg_url: str, data: dataset.Dataset, expected: Any) -> None:
    store = Store.open(pg_url)
    try:
        dataset.write(store, data)
        _assert_matches(run_engine(ibis_connection(store), data, kind), expected, kind)
    finally:
        store.dispose()


def test_pyspark_matches_oracle(spark_con: Any, data: dataset.Dataset, expected: Any) -> None:
    """All period kinds in one test, so that one xdist worker holds the one Spark session;
    the PySpark SQL snapshot is checked here too, on the SQL of these very runs."""
    # the period kinds run side by side: Spark spends most of a small query in planning and
    # scheduling, which overlaps well on two cores
    with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
        results = dict(zip(KINDS, pool.map(lambda k: run_engine(spark_con, data, k), KINDS), strict=True))
    for kind, res in results.items():
        _assert_matches(res, expected, kind)
    for kind in snapshots.CASES:  # the same runs' SQL
        snapshots.check("pyspark", f"status_{kind}", snapshots.render(results[kind]))


@pytest.mark.postgres
def test_postgres_export_equals_duckdb_export(
    pg_url: str, data: dataset.Dataset, duck_store: Store, tmp_path: Path
) -> None:
    """Spark reads Parquet; from PostgreSQL (pyarrow streaming) it gets the same files' content
    as from DuckDB (COPY), column types included."""
    import pyarrow.parquet as pq

    from rashinban.metrics.spark import export_parquet

    store = Store.open(pg_url)
    try:
        dataset.write(store, data)
        from_pg = export_parquet(store, tmp_path / "pg")
    finally:
        store.dispose()
    from_duck = export_parquet(duck_store, tmp_path / "duck")
    assert set(from_pg) == set(from_duck) >= {"leads", "activities", "deals", "spend", "teams"}
    for name in from_pg:
        a = pq.read_table(from_pg[name]).sort_by("id")
        b = pq.read_table(from_duck[name]).sort_by("id")
        assert a.schema.names == b.schema.names, name
        for col in a.schema.names:
            ta, tb = a.schema.field(col).type, b.schema.field(col).type
            assert str(ta).replace("int32", "int64") == str(tb).replace("int32", "int64"), (name, col, ta, tb)
            assert a.column(col).to_pylist() == b.column(col).to_pylist(), (name, col)


# --- no value is made up ----------------------------------------------------------------
def test_no_value_is_made_up(duck_store: Store, data: dataset.Dataset) -> None:
    res = run_engine(ibis_connection(duck_store), data, "month")
    empty = date(2025, 6, 1)  # no table has a row in June 2025
    for mid in ("leads", "calls", "revenue", "deals_created", "csat", "spend"):
        v = res.get("company", 0, empty, mid)
        assert v.value is None and v.reason in ("no_data", "no_rows"), (mid, v)
    for mid in ("valid_lead_rate", "win_rate", "contact_rate", "cpa", "nps"):
        assert res.get("company", 0, empty, mid) == Value(None, "missing_input"), mid
    busy = date(2026, 2, 1)
    # a team without members: a real 0 where the table has rows, and no rate out of it
    assert res.get("team", dataset.EMPTY_TEAM, busy, "leads").value == 0
    assert res.get("team", dataset.EMPTY_TEAM, busy, "deals_created").value == 0
    for mid in ("valid_lead_rate", "win_rate", "contact_rate"):
        v = res.get("team", dataset.EMPTY_TEAM, busy, mid)
        assert v.value is None and v.reason == "division_by_zero", (mid, v)
    # a mean over no rows is not 0
    assert res.get("team", dataset.EMPTY_TEAM, busy, "csat").value is None
    # member 17 logs emails but no calls in June 2026
    june = date(2026, 6, 1)
    assert res.get("member", 17, june, "calls").value == 0
    assert res.get("member", 17, june, "emails_sent").value not in (None, 0)
    v = res.get("member", 17, june, "contact_rate")
    assert v.value is None and v.reason == "division_by_zero"
    # spend is a team-level fact: members have no spend and no cost per lead
    assert res.get("member", 11, busy, "spend").value is None
    assert res.get("member", 11, busy, "cpa").reason == "missing_input"


def test_boundaries_and_unassigned_rows(duck_store: Store, data: dataset.Dataset) -> None:
    """2026-03-31 23:59:59 closes FY2025, 2026-04-01 00:00:00 opens FY2026; rows without a
    member count for the company only; rows outside the span count nowhere."""
    res = run_engine(ibis_connection(duck_store), data, "fiscal_year")
    frames = {t: data.frame(t) for t in ("activities",)}
    acts = frames["activities"]
    fy25 = acts[(acts.occurred_at >= "2025-04-01") & (acts.occurred_at < "2026-04-01")]
    fy26 = acts[(acts.occurred_at >= "2026-04-01") & (acts.occurred_at < "2027-04-01")]
    calls = lambda df: int((df.type == "call").sum())  # noqa: E731
    assert res.get("company", 0, date(2025, 4, 1), "calls").value == calls(fy25)
    assert res.get("company", 0, date(2026, 4, 1), "calls").value == calls(fy26)
    with_member = fy25[fy25.member_id.notna()]
    members_total = sum(
        res.get("member", mid, date(2025, 4, 1), "calls").value or 0 for mid in dataset.MEMBER_IDS
    )
    assert members_total == calls(with_member) < calls(fy25)
