"""The weekly progress digest: fired once at Monday 08:00 Tokyo with two workers running,
one message per user, the manager's scope and the member's own numbers; the daily digest of
users who want their alerts once a day."""

from __future__ import annotations

import time
from datetime import date, timedelta
from fractions import Fraction

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store import alert_deliveries as D
from rashinban.store import jobs as queue
from tests.alerts import oracle
from tests.alerts.conftest import HttpReceiver, as_user
from tests.alerts.helpers import calls_in_window, floor_rule, only, rep_under_manager, runner


def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_weekly_digest_fires_once_at_monday_8_with_two_workers(
    system: Rashinban, store: Store, clock: FixedClock, http_receiver: HttpReceiver
) -> None:
    rep, manager = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    only(system, floor_rule(rep, count + 50))
    system.alerts.run()  # Thursday: the rep has an open alert
    for user, path in ((rep, "/rep"), (manager, "/manager")):
        as_user(store, clock, user.username).alerts.save_preferences(
            {"channels": "webhook", "webhook_url": f"{http_receiver.url}{path}"}
        )
    system.alerts.ensure_schedules()
    clock.set("2026-10-26T07:59:00")  # Monday
    workers = [runner(store, clock, "w1"), runner(store, clock, "w2")]
    for w in workers:
        w.poll_seconds = 0.05
        w.start()
    try:
        time.sleep(0.5)
        assert http_receiver.requests == []
        clock.set("2026-10-26T08:00:00")
        wait_for(lambda: len(http_receiver.requests) >= 2)
        time.sleep(1.0)  # give a duplicate every chance to show up
    finally:
        for w in workers:
            w.stop(timeout=10)
    digests = [j for j in queue.list_jobs(store, kinds={"digest"}, limit=100)]
    assert len(digests) == 1 and digests[0].state == "succeeded"
    assert digests[0].due_at is not None and digests[0].due_at.hour == 23  # 08:00 JST = 23:00 UTC
    assert sorted(r.path for r in http_receiver.requests) == ["/manager", "/rep"]
    weekly = [d for d in D.list_deliveries(store) if d.kind == "weekly"]
    assert len(weekly) == 2 and {d.state for d in weekly} == {"sent"}
    by_path = {r.path: r.json for r in http_receiver.requests}
    mine = by_path["/rep"]["digest"]
    assert mine["audience"] == "member" and mine["scope"]["id"] == rep.member_id
    assert mine["open_total"] >= 1 and mine["period"] == "2026-10"
    # business days left counting today (Monday 08:00: today's actuals are still arriving)
    left = sum(oracle.business_day(date(2026, 10, 26) + timedelta(n)) for n in range(0, 6))  # 26th–31st
    assert left == 5
    for need in mine["needs"]:
        card = next(c for c in [mine["kgi"], *mine["kpis"]] if c["id"] == need["node"])
        remaining = Fraction(str(card["target"])) - Fraction(str(card["actual"]))
        assert need["remaining"] == float(remaining) and need["per_day"] == float(remaining / left)
    boss = by_path["/manager"]["digest"]
    assert boss["audience"] == "manager" and boss["scope"] == {
        "type": "team",
        "id": manager.team_id,
        "name": boss["scope"]["name"],
        "kind": "in_house",
    }
    assert boss["kgi"]["id"] == "revenue" and len(boss["kpis"]) >= 3
    # the rest of the week: nothing more; next Monday: again, once
    clock.set("2026-10-27T08:00:00")
    w = runner(store, clock)
    w.run_until_idle()
    assert len(http_receiver.requests) == 2
    assert system.alerts.send_digests().deliveries == 0  # sent this week already


def test_dry_run_previews_everyone_and_sends_nothing(
    system: Rashinban, store: Store, clock: FixedClock
) -> None:
    run = system.alerts.send_digests(dry_run=True)
    assert run.dry_run and run.deliveries == 0 and D.list_deliveries(store) == []
    users = {p.user: p for p in run.previews}
    assert {"manager", "admin"} <= set(users)
    assert users["manager"].subject.startswith("【羅針盤】週次ダイジェスト 2026-10-22")
    assert run.users == []  # nobody has a push channel yet


def test_daily_digest_mode_collects_a_days_alerts_into_one_message(
    system: Rashinban, store: Store, clock: FixedClock, http_receiver: HttpReceiver
) -> None:
    rep, _ = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    only(system, floor_rule(rep, count + 50), floor_rule(rep, count + 60, name="二つ目"))
    as_user(store, clock, rep.username).alerts.save_preferences(
        {"channels": "webhook", "webhook_url": f"{http_receiver.url}/daily", "mode": "digest"}
    )
    assert system.alerts.run().deliveries == 0  # held for the digest
    assert system.alerts.dispatch(digest_run=True) == 1
    runner(store, clock).run_until_idle()
    (req,) = http_receiver.requests
    assert len(req.json["alerts"]) == 2
    assert [d.kind for d in D.list_deliveries(store)] == ["digest"]
