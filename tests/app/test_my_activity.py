"""The rep's own activity block (#16 item 4) on a fixed day: an activity logged now counts today
and this month; one that happened yesterday counts this month only; another member's never;
undo takes it back.  Counts against plain SQL on the DuckDB file, due-by-today against numpy
business days (Japan's public holidays)."""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday
import numpy as np
import pytest
import sqlalchemy as sa

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user
from tests.svc import generate_demo

NOW = "2026-11-18T15:00:00"  # a Wednesday; 2026-11-17 was a business day too


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    db = tmp_path_factory.mktemp("my_activity") / "demo.duckdb"
    generate_demo(db, scale="small", months=2, seed=3, end_month="2026-11")
    return Store.open(str(db))


def _svc(store: Store, username: str, clock: FixedClock) -> Rashinban:
    return Rashinban.for_store(store, find_user(store, username), "en", clock)


def _visits(store: Store, member: int, day: date) -> tuple[int, int]:
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    q = sa.text(
        "SELECT count(*) FILTER (WHERE CAST(occurred_at AS DATE) = :d), "
        "count(*) FILTER (WHERE occurred_at >= :s AND occurred_at < :e) "
        "FROM activities WHERE member_id = :m AND type = 'visit'"
    )
    with store.engine.connect() as conn:
        row = conn.execute(q, {"d": day, "s": start, "e": end, "m": member}).one()
    return int(row[0]), int(row[1])


def _visits_kpi(svc: Rashinban) -> dict[str, float | None]:
    mine = svc.dashboards.my_activity(None)
    (k,) = [k for k in mine.kpis if k.node == "visits"]
    return k.model_dump()


def test_counts_today_and_this_month_and_pace(store: Store) -> None:
    clock = FixedClock(NOW)
    rep = _svc(store, "rep001", clock)
    member = find_user(store, "rep001").member_id  # type: ignore[union-attr]
    assert member is not None
    day = date.fromisoformat(NOW[:10])
    before = _visits_kpi(rep)
    assert (before["today"], before["actual"]) == _visits(store, member, day)
    start = day.replace(day=1)
    hol = [d for d, _ in jpholiday.month_holidays(day.year, day.month)]
    total = int(np.busday_count(start, date(2026, 12, 1), holidays=hol))
    elapsed = int(np.busday_count(start, day + timedelta(days=1), holidays=hol))
    assert rep.dashboards.my_activity(None).business_days == total
    assert before["expected"] == pytest.approx(before["target"] * elapsed / total)  # type: ignore[operator]
    assert before["pace"] == pytest.approx(before["actual"] / before["expected"])  # type: ignore[operator]

    # now: today and the month +1
    now = rep.activities.log({"type": "visit", "outcome": "completed"}, "now-1")
    after = _visits_kpi(_svc(store, "rep001", clock))
    assert (after["today"], after["actual"]) == (before["today"] + 1, before["actual"] + 1)  # type: ignore[operator]
    assert after["pace"] > before["pace"]  # type: ignore[operator]
    # yesterday: the month only
    rep2 = _svc(store, "rep001", clock)
    rep2.activities.log({"type": "visit", "outcome": "completed", "occurred_at": "2026-11-17T10:00"}, "y-1")
    later = _visits_kpi(_svc(store, "rep001", clock))
    assert (later["today"], later["actual"]) == (after["today"], after["actual"] + 1)  # type: ignore[operator]
    assert (later["today"], later["actual"]) == _visits(store, member, day)
    # another member's visit never counts for rep001
    other = int(next(m.id for m in _svc(store, "admin", clock).activities.members() if m.id != member))
    _svc(store, "admin", clock).activities.log({"type": "visit", "outcome": "completed", "member_id": other})
    assert _visits_kpi(_svc(store, "rep001", clock))["actual"] == later["actual"]
    # undo of the yesterday entry (the last of rep001's), then the "now" one is the last again
    _svc(store, "rep001", clock).activities.undo(_last_id(store, member), "y-1")
    _svc(store, "rep001", clock).activities.undo(now.id, "now-1")
    back = _visits_kpi(_svc(store, "rep001", clock))
    assert (back["today"], back["actual"], back["pace"]) == (
        before["today"],
        before["actual"],
        before["pace"],
    )


def test_no_member_no_block(store: Store) -> None:
    svc = _svc(store, "admin", FixedClock(NOW))
    assert svc.dashboards.my_activity(None).kpis == []


def _last_id(store: Store, member: int) -> int:
    q = sa.text(
        "SELECT id FROM activities WHERE member_id = :m AND source = 'rashinban' "
        "ORDER BY logged_at DESC, id DESC LIMIT 1"
    )
    with store.engine.connect() as conn:
        return int(conn.execute(q, {"m": member}).scalar_one())


def test_recent_entries_by_when_they_happened(store: Store) -> None:
    clock = FixedClock(NOW)
    member = find_user(store, "rep001").member_id  # type: ignore[union-attr]
    _svc(store, "rep001", clock).activities.log({"type": "call", "outcome": "connected"}, "r-now")
    clock.set("2026-11-18T15:05:00")  # entered later, happened two days earlier
    _svc(store, "rep001", clock).activities.log(
        {"type": "email", "outcome": "sent", "occurred_at": "2026-11-16T09:00"}, "r-late"
    )
    shown = [a.id for a in _svc(store, "rep001", clock).activities.recent(limit=200).activities]
    q = sa.text(
        "SELECT id FROM activities WHERE member_id = :m "
        "ORDER BY occurred_at DESC, logged_at DESC NULLS LAST, id DESC LIMIT 200"
    )
    with store.engine.connect() as conn:
        expected = [int(r[0]) for r in conn.execute(q, {"m": member})]
    assert shown == expected
    late = _last_id(store, member)
    assert shown[0] != late and late in shown  # the late entry sits where it happened, not on top
