"""Each rule kind on the demo store against an independent computation (pandas, jpholiday):
the same members, the same deals, the same sources, the same scopes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store import admin as settings_store
from tests.alerts import oracle
from tests.alerts.conftest import NOW

T = datetime.fromisoformat(NOW)


def only(system: Rashinban, *rules: dict[str, Any]) -> list[int]:
    """Replace the default rules by these (the defaults are never created)."""
    settings_store.set_setting(system.ctx.store, "alerts_defaults", True, "test", T)
    system.ctx.refresh()
    return [system.alerts.create_rule(r).id for r in rules]


def opened(system: Rashinban, rule_id: int) -> dict[tuple[str, str, str], Any]:
    rows = system.alerts.inbox("open", None, limit=10_000).alerts
    return {(a.entity_type, a.entity_id, a.period): a for a in rows if a.rule_id == rule_id}


def test_late_entry_rate_finds_the_members_who_log_late(system: Rashinban, store: Store) -> None:
    (rid,) = only(
        system,
        {
            "name": "即時入力率",
            "kind": "late_entry",
            "check": "rate",
            "within_hours": 1,
            "enter": 0.5,
            "leave": 0.6,
            "window_days": 10,
            "min_activities": 10,
        },
    )
    system.alerts.run()
    got = opened(system, rid)
    stats = oracle.entry(store, T, days=10, within_hours=1, min_activities=10)
    expected = {str(int(m)) for m, r in stats.rate.items() if r < 0.5}
    assert {k[1] for k in got} == expected
    assert expected, "the demo's late loggers should show up"
    for (_, member, _), alert in got.items():
        assert alert.values["value"] == pytest.approx(stats.rate[float(member)])
        assert alert.values["logged"] == stats.logged[float(member)]


def test_late_entry_lag_uses_the_median(system: Rashinban, store: Store) -> None:
    (rid,) = only(
        system,
        {
            "name": "入力遅延",
            "kind": "late_entry",
            "check": "lag",
            "within_hours": 1,
            "enter": 2,
            "window_days": 10,
            "min_activities": 10,
        },
    )
    system.alerts.run()
    got = opened(system, rid)
    stats = oracle.entry(store, T, days=10, within_hours=1, min_activities=10)
    expected = {str(int(m)) for m, h in stats.median_h.items() if h > 2}
    assert {k[1] for k in got} == expected and expected
    for (_, member, _), alert in got.items():
        assert alert.values["value"] == pytest.approx(stats.median_h[float(member)], rel=1e-6)


def test_activity_floor_is_the_e_sales_manager_rule(system: Rashinban, store: Store) -> None:
    """Fewer than N calls in the last K business days (field and inside sales only)."""
    (rid,) = only(
        system,
        {
            "name": "架電数の下限",
            "kind": "late_entry",
            "check": "count",
            "enter": 25,
            "activity_type": "call",
            "window_days": 5,
            "member_roles": "field_sales, inside_sales",
        },
    )
    system.alerts.run()
    got = opened(system, rid)
    counts = oracle.activity_counts(store, T, 5, "call", ["field_sales", "inside_sales"])
    expected = {str(m) for m, n in counts.items() if n < 25}
    assert {k[1] for k in got} == expected
    assert 0 < len(expected) < len(counts), counts  # some, not all: the floor discriminates
    for (_, member, _), alert in got.items():
        assert alert.values["value"] == counts[int(member)]


def test_stalled_deals_no_activity(system: Rashinban, store: Store) -> None:
    (rid,) = only(system, {"name": "停滞", "kind": "stalled_deal", "check": "no_activity", "days": 14})
    system.alerts.run()
    got = opened(system, rid)
    idle = oracle.idle_days(store, T)
    expected = {str(d) for d, days in idle.items() if days > 14}
    assert {k[1] for k in got} == expected and expected
    deals = oracle.open_deals(store, T)
    for (_, deal, _), alert in got.items():
        owner = deals.owner_id[int(deal)]
        assert alert.scope is not None and (alert.scope.type, alert.scope.id) == ("member", int(owner))
        assert alert.deal_id == int(deal) and alert.values["days"] == int(idle[int(deal)])


def test_stalled_deals_time_in_stage_beyond_the_learned_p90(system: Rashinban, store: Store) -> None:
    (rid,) = only(
        system,
        {
            "name": "滞留",
            "kind": "stalled_deal",
            "check": "stage_time",
            "days": 30,
            "history_days": 365,
            "min_samples": 20,
        },
    )
    system.alerts.run()
    got = opened(system, rid)
    stats, current = oracle.stage_stays(store, T, 365)
    expected = set()
    for deal, row in current.iterrows():
        learned = stats.loc[row.stage] if row.stage in stats.index else None
        limit = learned.p90 if learned is not None and learned.n >= 20 else 30
        if (T - row.entered_at).total_seconds() / 86400 > limit:
            expected.add((str(deal), row.stage))
    assert {(k[1], k[2]) for k in got} == expected and expected
    for (_, _, stage), alert in got.items():
        assert alert.values["limit"] == pytest.approx(round(stats.p90[stage], 1))


def test_stalled_deals_past_their_close_date(system: Rashinban, store: Store) -> None:
    (rid,) = only(system, {"name": "完了予定日", "kind": "stalled_deal", "check": "past_close", "days": 0})
    system.alerts.run()
    got = opened(system, rid)
    deals = oracle.open_deals(store, T)
    close = pd.to_datetime(deals.expected_close_on).dt.date
    expected = {(str(d), c.isoformat()) for d, c in close.items() if c is not None and c < T.date()}
    assert {(k[1], k[2]) for k in got} == expected and expected


def test_stale_data_after_a_silent_week(system: Rashinban, store: Store, clock: FixedClock) -> None:
    (rid,) = only(system, {"name": "データ", "kind": "stale_data", "days": 3})
    system.alerts.run()
    assert opened(system, rid) == {}  # the demo logs every day
    later = datetime(2026, 11, 9, 10)
    clock.set(later)
    system.alerts.run()
    got = opened(system, rid)
    acts = oracle.activities(store, later)
    last = acts.logged_at.fillna(acts.occurred_at).groupby(acts.source).max()
    expected = {s for s, t in last.items() if (later - t).total_seconds() / 86400 > 3}
    assert {k[1] for k in got} == expected == {"demo"}
    assert got[("source", "demo", "")].values["days"] == int((later - last["demo"]).total_seconds() // 86400)


def test_off_pace_against_independent_actuals_and_elapsed_share(system: Rashinban, store: Store) -> None:
    (rid,) = only(
        system,
        {
            "name": "ペース",
            "kind": "off_pace",
            "check": "pace",
            "enter": 0.8,
            "leave": 0.9,
            "min_elapsed": 0.2,
            "nodes": "calls, leads, won_deals, handoffs",
        },
    )
    system.alerts.run()
    got = opened(system, rid)
    o = oracle.org(store)
    month = (datetime(2026, 10, 1), datetime(2026, 11, 1))
    calls = oracle.frame(
        store,
        "SELECT member_id AS owner FROM activities WHERE type = 'call' "
        "AND occurred_at >= :a AND occurred_at < :b",
        a=month[0],
        b=month[1],
    )
    leads = oracle.frame(
        store,
        "SELECT owner_id AS owner FROM leads WHERE created_at >= :a AND created_at < :b",
        a=month[0],
        b=month[1],
    )
    won = oracle.frame(
        store,
        "SELECT owner_id AS owner FROM deals WHERE is_won AND closed_at >= :a AND closed_at < :b",
        a=month[0],
        b=month[1],
    )
    handoffs = oracle.frame(
        store,
        "SELECT owner_id AS owner FROM leads WHERE sql_at >= :a AND sql_at < :b",
        a=month[0],
        b=month[1],
    )
    actual = {
        "calls": oracle.counts_by_scope(o, calls.owner),
        "leads": oracle.counts_by_scope(o, leads.owner),
        "won_deals": oracle.counts_by_scope(o, won.owner),
        "handoffs": oracle.counts_by_scope(o, handoffs.owner),
    }
    share = oracle.elapsed_share(date(2026, 10, 1), date(2026, 10, 31), T.date())
    # a scope is judged by the model its page shows: the model bound to its team (or the
    # nearest team above), else the company's; the demo binds its agency model to the agency
    bound = {int(t) for t in oracle.frame(store, "SELECT team_id FROM model_bindings").team_id}
    assert bound, "the demo binds its agency model"

    def binding(scope: tuple[str, int]) -> int | None:
        if scope[0] == "company":
            return None
        team = o.member_team.get(scope[1]) if scope[0] == "member" else scope[1]
        return next((t for t in o.chain(team) if t in bound), None)

    reports = {None: system.tracking.status(None, period="2026-10", as_of="2026-10-22")}
    for team in bound:
        reports[team] = system.tracking.status(None, period="2026-10", team=str(team), as_of="2026-10-22")
    targets = {
        ((r.scope_type, r.scope_id), r.node): float(r.target)
        for key, report in reports.items()
        for r in report.rows
        if r.node in actual and r.target is not None and binding((r.scope_type, r.scope_id)) == key
    }
    assert any(node == "handoffs" for _, node in targets)  # the agency model's own KPI
    expected = set()
    for (scope, node), target in targets.items():
        pace = actual[node].get(scope, 0) / (target * share) if target else None
        if pace is not None and pace < 0.8:
            expected.add((scope[0], f"{scope[1]}/{node}", "2026-10"))
    assert set(got) == expected and expected
    for (stype, ident, _), alert in got.items():
        sid, node = ident.split("/")
        assert alert.values["actual"] == actual[node].get((stype, int(sid)), 0)
        assert alert.values["elapsed"] == pytest.approx(share)
