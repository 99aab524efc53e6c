"""An alert's life on the jobs runner and the injected clock: it fires, stays single, resolves,
fires again; it escalates to the manager when nobody acknowledges it; a snooze ends; a manual
resolve holds until the condition clears; quiet hours hold messages, then one message groups
them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from tests.alerts.conftest import HttpReceiver, as_user
from tests.alerts.helpers import calls_in_window, floor_rule, notices, only, rep_under_manager, runner


def alerts_of(svc: Rashinban, rule_id: int, state: str = "all") -> list:
    return [a for a in svc.alerts.inbox(state, None, limit=1000).alerts if a.rule_id == rule_id]


def log_calls(svc: Rashinban, member_id: int, when: datetime, n: int) -> None:
    for i in range(n):
        occurred = (when + timedelta(minutes=i)).isoformat(timespec="minutes")
        svc.activities.log(
            {"type": "call", "outcome": "connected", "member_id": member_id, "occurred_at": occurred}
        )


def test_fires_once_stays_single_resolves_and_fires_again(
    system: Rashinban, store: Store, clock: FixedClock
) -> None:
    rep, _ = rep_under_manager(store)
    now = clock.now()
    count = calls_in_window(store, rep.member_id, now)
    (rid,) = only(system, floor_rule(rep, count + 1))
    system.alerts.ensure_schedules()  # "hourly business": the next slot is 11:00
    r = runner(store, clock)
    assert r.run_until_idle() == []  # nothing due at 10:00
    clock.set("2026-10-22T11:00:00")
    assert len(r.run_until_idle()) == 1  # the evaluation job
    first = alerts_of(system, rid)
    assert [(a.entity_id, a.state) for a in first] == [(str(rep.member_id), "open")]
    for hour in ("12:00", "13:00"):  # every run keeps the one alert
        clock.set(f"2026-10-22T{hour}:00")
        r.run_until_idle()
        assert [(a.id, a.state) for a in alerts_of(system, rid)] == [(first[0].id, "open")]
    # two calls yesterday (logged late, today): the floor is met at the next run
    log_calls(as_user(store, clock, rep.username), rep.member_id, datetime(2026, 10, 21, 15), 2)
    clock.set("2026-10-22T14:00:00")
    r.run_until_idle()
    (gone,) = alerts_of(system, rid)
    assert (gone.state, gone.resolution) == ("resolved", "cleared")
    assert not alerts_of(system, rid, "open")
    # the floor moves up: the member is under it again → a new alert, the old one stays resolved
    system.alerts.tune(rid, f"member:{rep.member_id}", {"enter": count + 10})
    clock.set("2026-10-22T15:00:00")
    r.run_until_idle()
    both = alerts_of(system, rid)
    assert len(both) == 2 and both[0].id != gone.id and both[0].state == "open"
    events = [e.event for e in system.alerts.alert(gone.id).events]
    assert events[0] == "opened" and events[-1] == "resolved"
    stats = system.alerts.rule(rid).stats
    assert (stats.fired, stats.open, stats.resolved) == (2, 1, 1)


def test_escalates_to_the_manager_after_n_business_days(
    system: Rashinban, store: Store, clock: FixedClock
) -> None:
    rep, manager = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    (rid,) = only(system, floor_rule(rep, count + 50, escalate_after_days=2, notify_manager=False))
    system.alerts.run()  # Thursday 22nd
    (a,) = alerts_of(system, rid)
    told = notices(store, a.id)
    assert told == {(a.id, rep.id, "opened", "in_app")}  # the rep (no channel: in-app), not the manager
    clock.set("2026-10-23T10:00:00")  # Friday: one business day
    system.alerts.run()
    assert system.alerts.alert(a.id).alert.escalated_at is None
    clock.set("2026-10-26T09:00:00")  # Monday: two business days, nobody acknowledged
    result = system.alerts.run()
    assert result.escalated == 1
    detail = system.alerts.alert(a.id)
    assert detail.alert.escalated_to == manager.label
    assert [e.event for e in detail.events].count("escalated") == 1
    assert (a.id, manager.id, "escalated", "in_app") in notices(store, a.id)
    # the manager sees it in their inbox; escalation happens once
    assert a.id in {x.id for x in as_user(store, clock, "manager").alerts.inbox().alerts}
    clock.set("2026-10-27T09:00:00")
    assert system.alerts.run().escalated == 0


def test_an_acknowledged_alert_does_not_escalate(system: Rashinban, store: Store, clock: FixedClock) -> None:
    rep, _ = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    (rid,) = only(system, floor_rule(rep, count + 50, escalate_after_days=1))
    system.alerts.run()
    (a,) = alerts_of(system, rid)
    as_user(store, clock, rep.username).alerts.act(a.id, "acknowledge")
    clock.set("2026-10-26T09:00:00")
    assert system.alerts.run().escalated == 0
    assert system.alerts.alert(a.id).alert.state == "acknowledged"


def test_snooze_ends_on_its_date(system: Rashinban, store: Store, clock: FixedClock) -> None:
    rep, _ = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    (rid,) = only(system, floor_rule(rep, count + 50))
    system.alerts.run()
    (a,) = alerts_of(system, rid)
    me = as_user(store, clock, rep.username)
    me.alerts.act(a.id, "snooze", {"until": "2026-10-26", "reason": "展示会対応で外出"})
    clock.set("2026-10-23T10:00:00")
    system.alerts.run()
    assert system.alerts.alert(a.id).alert.state == "snoozed"
    clock.set("2026-10-26T10:00:00")
    assert system.alerts.run().unsnoozed == 1
    detail = system.alerts.alert(a.id)
    assert detail.alert.state == "open" and detail.alert.id == a.id
    assert [e.event for e in detail.events] == ["opened", "snoozed", "unsnoozed"]
    assert (a.id, rep.id, "unsnoozed", "in_app") in notices(store, a.id)


def test_a_manual_resolve_holds_until_the_condition_clears(
    system: Rashinban, store: Store, clock: FixedClock
) -> None:
    rep, _ = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    (rid,) = only(system, floor_rule(rep, count + 50))
    system.alerts.run()
    (a,) = alerts_of(system, rid)
    as_user(store, clock, "manager").alerts.act(a.id, "resolve", {"note": "1on1で確認済み"})
    clock.set("2026-10-22T11:00:00")
    system.alerts.run()
    assert [x.id for x in alerts_of(system, rid)] == [a.id]  # still in condition: no new alert
    system.alerts.tune(rid, f"member:{rep.member_id}", {})  # the member is fine now (floor 0)
    clock.set("2026-10-22T12:00:00")
    system.alerts.run()
    system.alerts.tune(rid, f"member:{rep.member_id}", {"enter": count + 50})  # under it again
    clock.set("2026-10-22T13:00:00")
    system.alerts.run()
    assert len(alerts_of(system, rid)) == 2 and len(alerts_of(system, rid, "open")) == 1


def test_quiet_hours_hold_messages_then_one_message_groups_them(
    system: Rashinban, store: Store, clock: FixedClock, http_receiver: HttpReceiver
) -> None:
    rep, _ = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    first, second = only(
        system,
        floor_rule(rep, count + 50),
        floor_rule(rep, count + 60, name="活動量の下限（強）", severity="critical"),
    )
    me = as_user(store, clock, rep.username)
    prefs = me.alerts.save_preferences(
        {
            "channel_webhook": "on",
            "webhook_url": f"{http_receiver.url}/hook",
            "quiet_start": "21:00",
            "quiet_end": "08:00",
        }
    )
    system.alerts.rule(first)  # defaults stay off
    clock.set("2026-10-22T22:30:00")
    result = system.alerts.run()
    assert result.opened == 2 and result.deliveries == 0  # quiet: held
    r = runner(store, clock)
    r.run_until_idle()
    assert http_receiver.requests == []
    clock.set("2026-10-23T08:05:00")
    assert system.alerts.run().deliveries == 1  # one message for both alerts
    r.run_until_idle()
    (req,) = http_receiver.requests
    body = req.json
    assert {a["rule_id"] for a in body["alerts"]} == {first, second}
    stamp = req.headers["X-Rashinban-Timestamp"]
    mac = hmac.new(
        prefs.webhook_secret.encode(), stamp.encode() + b"." + req.body, hashlib.sha256
    ).hexdigest()
    assert req.headers["X-Rashinban-Signature"] == f"sha256={mac}"
    # the delivery is in each alert's history
    for a in alerts_of(system, first) + alerts_of(system, second):
        assert "delivered" in [e.event for e in system.alerts.alert(a.id).events]
    clock.set("2026-10-23T09:00:00")
    assert system.alerts.run().deliveries == 0  # nothing new: nothing sent again
