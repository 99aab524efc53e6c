"""The demo agency never hands off more than it set appointments for (#16 item 2 follow-up).

Every hand-off (a lead of an agency rep qualified as SQL, 送客) follows an appointment the
agency rep set on that lead — on record (logged) by the time of the hand-off, so a demo cut
mid-month (the current month) has no hand-off without its appointment.  Checked with plain SQL
on the DuckDB file for every month of the demo window, and on the agency page: its hand-off
acceptance (hand-offs ÷ appointments) never exceeds 100 % and its trend agrees with the SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user

# (the server's "now", seed): demos cut mid-month — the case that showed 108 % (seed 1, cut at
# the end of 2026-11-25) and another seed cut early in a month
CASES = [("2026-11-26T10:00:00", 1), ("2026-10-16T09:30:00", 7)]
AGENCY_MEMBERS = "SELECT m.id FROM members m JOIN teams t ON t.id = m.team_id WHERE t.kind = 'agency'"


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0][:10]}-seed{c[1]}")
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    now, seed = request.param
    db = tmp_path_factory.mktemp("agency_demo") / "demo.duckdb"
    with Rashinban.for_cli(str(db), lang="ja", clock=FixedClock(now)) as svc:
        svc.data.generate_demo(scale="small", seed=seed)
    yield db, now


def _sql(db: Path, query: str) -> list[Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def _monthly(db: Path) -> dict[str, tuple[int, int]]:
    """month → (hand-offs, appointments) of the agency's members, in the demo window."""
    rows = _sql(
        db,
        f"""
        WITH w AS (SELECT date_trunc('month', min(occurred_at)) AS start FROM activities),
        h AS (SELECT strftime(sql_at, '%Y-%m') AS m, count(*) AS n FROM leads, w
              WHERE sql_at IS NOT NULL AND sql_at >= w.start AND owner_id IN ({AGENCY_MEMBERS}) GROUP BY 1),
        a AS (SELECT strftime(occurred_at, '%Y-%m') AS m, count(*) AS n FROM activities
              WHERE outcome = 'appointment' AND member_id IN ({AGENCY_MEMBERS}) GROUP BY 1)
        SELECT coalesce(h.m, a.m), coalesce(h.n, 0), coalesce(a.n, 0) FROM h FULL JOIN a ON h.m = a.m
        """,
    )
    return {str(m): (int(h), int(a)) for m, h, a in rows}


def test_every_month_hand_offs_at_most_appointments(demo: tuple[Path, str]) -> None:
    db, now = demo
    months = _monthly(db)
    current = now[:7]
    assert current in months and len(months) >= 10, sorted(months)
    assert sum(h for h, _ in months.values()) >= 50, "the demo agency hands off something"
    over = {m: v for m, v in months.items() if v[0] > v[1]}
    assert not over, f"hand-offs > appointments (hand-offs, appointments): {over}"


def test_every_hand_off_follows_its_appointment(demo: tuple[Path, str]) -> None:
    """Each lead an agency rep handed off in the window has that rep's appointment on it, set
    before the hand-off; each deal the agency sourced has it before the deal was created."""
    db, _ = demo
    missing = _sql(
        db,
        f"""
        SELECT l.id, l.sql_at FROM leads l
        WHERE l.sql_at IS NOT NULL AND l.owner_id IN ({AGENCY_MEMBERS})
          AND l.sql_at >= (SELECT date_trunc('day', min(occurred_at)) FROM activities)
          AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = l.id AND a.member_id = l.owner_id
                          AND a.outcome = 'appointment' AND a.occurred_at <= l.sql_at)
        """,
    )
    assert not missing, missing[:5]
    deals = _sql(
        db,
        f"""
        SELECT d.id FROM deals d JOIN leads l ON l.id = d.lead_id
        WHERE d.source_member_id IN ({AGENCY_MEMBERS})
          AND l.sql_at >= (SELECT date_trunc('day', min(occurred_at)) FROM activities)
          AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = d.lead_id
                          AND a.member_id = d.source_member_id AND a.outcome = 'appointment'
                          AND a.occurred_at <= d.created_at)
        """,
    )
    assert not deals, deals[:5]
    assert _sql(db, "SELECT count(*) FROM activities WHERE logged_at < occurred_at")[0][0] == 0


def test_page_acceptance_at_most_100_percent(demo: tuple[Path, str]) -> None:
    """The agency page as its client reads it at the demo's own "now": the hand-off acceptance
    of the current month and the last whole months is ≤ 100 %, its figures the SQL's."""
    db, now = demo
    months = _monthly(db)
    store = Store.open(str(db))
    try:
        svc = Rashinban.for_store(store, find_user(store, "client"), lang="ja", clock=FixedClock(now))
        team = svc.agency.landing()
        assert team is not None
        page = svc.agency.page(team)
        assert page.period == now[:7]
        for row in page.trend:
            if row.period in months:
                assert (row.handoffs or 0, row.appointments or 0) == months[row.period], row.period
        y, m = int(now[:4]), int(now[5:7])
        for k in range(3):  # the current month and the two before
            label = f"{y - (m - 1 - k < 0):04d}-{(m - 1 - k) % 12 + 1:02d}"
            kpis = {x.id: x for x in svc.agency.page(team, label).kpis}
            rate = kpis["handoff_rate"]
            handoffs, appointments = months[label]
            assert rate.actual is not None and rate.actual <= 1.0, (label, rate.actual)
            assert rate.actual == pytest.approx(handoffs / appointments), label
            assert rate.status != "data_issue"
    finally:
        store.dispose()


def test_cut_is_mid_month(demo: tuple[Path, str]) -> None:
    """The cases are demos cut inside a month (where a late-logged appointment used to be lost)."""
    db, now = demo
    last = _sql(db, "SELECT max(occurred_at) FROM activities")[0][0]
    assert last < datetime.fromisoformat(now) and last.strftime("%Y-%m") == now[:7]


def test_some_appointments_are_declined(demo: tuple[Path, str]) -> None:
    """Not every appointment becomes a hand-off: the acceptance is a rate, not 100 % by
    construction; an appointment without a hand-off is on an MQL the agency rep owns that
    never became an SQL, set after it became an MQL."""
    db, _ = demo
    months = _monthly(db)
    handoffs = sum(h for h, _ in months.values())
    appointments = sum(a for _, a in months.values())
    assert 0.6 <= handoffs / appointments < 0.97, (handoffs, appointments)
    assert any(h < a for h, a in months.values())
    odd = _sql(
        db,
        f"""
        SELECT a.id FROM activities a JOIN leads l ON l.id = a.lead_id
        WHERE a.outcome = 'appointment' AND a.member_id IN ({AGENCY_MEMBERS}) AND l.sql_at IS NULL
          AND (l.mql_at IS NULL OR a.occurred_at < l.mql_at OR a.member_id <> l.owner_id)
        """,
    )
    assert not odd, odd[:5]
