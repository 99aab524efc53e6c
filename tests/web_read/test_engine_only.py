"""The engine's ``only`` scope filter and its compiled-SQL cache give exactly the numbers of
a full computation (real zeros included), on every built-in measure."""

from __future__ import annotations

import pytest

from rashinban.kpi.calendar import parse_period
from rashinban.kpi.units import Period
from rashinban.metrics import engine as E
from rashinban.metrics.backends import ibis_connection, load_scope_index
from rashinban.metrics.engine import MetricsEngine
from rashinban.metrics.measures import catalogue
from tests.web_read.conftest import Web


@pytest.mark.parametrize("period", ["2026-10", "2026-07..2026-10"])
def test_only_equals_full(web: Web, period: str) -> None:
    store = web.store
    scopes = load_scope_index(store)
    measures = catalogue({})
    names = list(measures)
    span = parse_period(period)
    con = ibis_connection(store)
    full = MetricsEngine(con, scopes, 4).compute(measures, names, span, Period.MONTH)
    agency = next(iter(scopes.agency_teams))
    member = next(m for m in scopes.member_team)
    for only in ({("company", 0)}, {("team", agency)}, {("member", member), ("team", 7)}):
        part = MetricsEngine(con, scopes, 4, only).compute(measures, names, span, Period.MONTH)
        assert {(c[0], c[1]) for c in part.values} <= only
        for cell, values in part.values.items():
            assert values == full.values[cell], cell
        for key in only:  # every cell of the wanted scopes is there
            for p in full.periods:
                assert (key[0], key[1], p.start) in part.values


def test_cached_sql_equals_ibis_execution(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    store = web.store
    scopes = load_scope_index(store)
    measures = catalogue({})
    span = parse_period("2026-09..2026-10")
    con = ibis_connection(store)
    cached = MetricsEngine(con, scopes, 4).compute(measures, list(measures), span, Period.MONTH)
    monkeypatch.setattr(E, "CACHED_BACKENDS", ())
    plain = MetricsEngine(con, scopes, 4).compute(measures, list(measures), span, Period.MONTH)
    assert cached.values == plain.values
