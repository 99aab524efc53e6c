"""A done action's observed effect against an independent before/after computation: business
days from jpholiday and the weekday, calls and connected calls counted with SQL, the rest of
the company as the control."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import jpholiday
import pytest
import sqlalchemy as sa

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user

MEMBER = 7  # rep007, inside sales: makes the calls
START = "2026-10-01T10:00:00"


def business_days(first: date, step: int, n: int) -> list[date]:
    out, d = [], first
    while len(out) < n:
        if d.weekday() < 5 and not jpholiday.is_holiday(d):
            out.append(d)
        d += timedelta(days=step)
    return out


def windows(start: date, today: date) -> tuple[list[date], list[date]]:
    after, d = [], start
    while d < today and len(after) < 20:
        if d.weekday() < 5 and not jpholiday.is_holiday(d):
            after.append(d)
        d += timedelta(days=1)
    return business_days(start - timedelta(days=1), -1, len(after))[::-1], after


def calls(store: Store, days: list[date], member: int | None, connected: bool = False) -> int:
    sql = (
        "SELECT count(*) FROM activities WHERE type = 'call' AND occurred_at >= :a AND occurred_at < :b"
        + (" AND member_id = :m" if member is not None else "")
        + (" AND outcome IN ('connected', 'appointment')" if connected else "")
    )
    params = {
        "a": datetime.combine(days[0], time()),
        "b": datetime.combine(days[-1] + timedelta(days=1), time()),
    }
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(sql), {**params, "m": member}).scalar_one())


def _action(store: Store, node: str, unit: str) -> int:
    manager = find_user(store, "manager")
    owner = find_user(store, "rep007")
    assert manager is not None and owner is not None
    svc = Rashinban.for_job(store, "ja", FixedClock(START))  # decided on 1 October
    a = svc.reviews.actions.create(
        {
            "title": "トークスクリプト改訂",
            "owner": owner.id,
            "due_on": "2026-10-15",
            "node": node,
            "scope": f"member:{MEMBER}",
            "expected_change": "3",
            "expected_unit": unit,
        }
    )
    return a.id


def test_volume_effect_matches_an_independent_computation(store: Store, clock: FixedClock) -> None:
    aid = _action(store, "calls", "pct")
    svc = Rashinban.for_job(store, "ja", clock)
    a = svc.reviews.actions.update(aid, {"status": "done"})
    e = a.effect
    assert e is not None and e.measurable and e.kind == "volume"
    before, after = windows(date(2026, 10, 1), clock.today())
    assert (e.before_from, e.before_to, e.after_from, e.after_to) == (
        before[0],
        before[-1],
        after[0],
        after[-1],
    )
    assert e.days == len(after) == len(before)
    n = len(after)
    mine_b, mine_a = calls(store, before, MEMBER) / n, calls(store, after, MEMBER) / n
    all_b, all_a = calls(store, before, None) / n, calls(store, after, None) / n
    rest_b, rest_a = all_b - mine_b, all_a - mine_a
    assert e.before == pytest.approx(mine_b) and e.after == pytest.approx(mine_a)
    assert e.change == pytest.approx((mine_a / mine_b - 1) * 100)
    assert e.control_before == pytest.approx(rest_b) and e.control_after == pytest.approx(rest_a)
    assert e.control_change == pytest.approx((rest_a / rest_b - 1) * 100)
    assert e.net == pytest.approx(e.change - e.control_change)
    assert "因果の証明ではありません" in e.caveat and e.expected == 3 and e.expected_unit == "pct"


def test_rate_effect_uses_the_rest_of_the_company_as_its_parts(store: Store, clock: FixedClock) -> None:
    aid = _action(store, "contact_rate", "pt")
    svc = Rashinban.for_job(store, "en", clock)
    e = svc.reviews.actions.update(aid, {"status": "done"}).effect
    assert e is not None and e.measurable and e.kind == "rate"
    before, after = windows(date(2026, 10, 1), clock.today())

    def rate(days: list[date], member: int | None) -> tuple[int, int]:
        return calls(store, days, member, connected=True), calls(store, days, member)

    (cb, nb), (ca, na) = rate(before, MEMBER), rate(after, MEMBER)
    (tb, tnb), (ta, tna) = rate(before, None), rate(after, None)
    assert e.before == pytest.approx(cb / nb) and e.after == pytest.approx(ca / na)
    assert e.change == pytest.approx((ca / na - cb / nb) * 100)
    assert e.control_before == pytest.approx((tb - cb) / (tnb - nb))
    assert e.control_after == pytest.approx((ta - ca) / (tna - na))
    assert e.net == pytest.approx(e.change - ((ta - ca) / (tna - na) - (tb - cb) / (tnb - nb)) * 100)
    assert "not proof" in e.caveat


def test_effect_waits_for_comparable_days_and_only_done_actions_have_one(
    store: Store, clock: FixedClock
) -> None:
    owner = find_user(store, "rep007")
    assert owner is not None
    svc = Rashinban.for_job(store, "ja", clock)
    a = svc.reviews.actions.create(
        {
            "title": "今日から",
            "owner": owner.id,
            "due_on": "2026-10-30",
            "node": "calls",
            "scope": f"member:{MEMBER}",
        }
    )
    assert a.effect is None  # open: no effect yet
    done = svc.reviews.actions.update(a.id, {"status": "done"}).effect
    assert done is not None and not done.measurable and done.reason == "too_early"


def test_overdue_actions_escalate_once_and_reach_the_digest(store: Store, clock: FixedClock) -> None:
    aid = _action(store, "calls", "pct")  # due 15 October: overdue on the 22nd
    svc = Rashinban.for_job(store, "ja", clock)
    inbox = svc.reviews.actions.inbox(mine=False)
    assert [a.id for a in inbox.actions if a.overdue] == [aid] and inbox.overdue == 1
    assert svc.reviews.actions.escalate() == 1
    assert svc.reviews.actions.escalate() == 0  # once
    a = svc.reviews.actions.get(aid)
    assert a.escalated_at is not None
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT user_id, message_json FROM alert_deliveries")).all()
    told = {int(r[0]) for r in rows}
    manager = find_user(store, "manager")
    owner = find_user(store, "rep007")
    assert owner is not None and manager is not None
    assert owner.id in told or not rows  # in-app users get no push delivery
    digest = Rashinban.for_store(store, owner, "ja", clock).alerts.digest()
    section = next(s for s in digest.sections if s.key == "action_items")
    assert any("トークスクリプト改訂" in i.text and "過ぎています" in i.text for i in section.items)
