"""Schedules in the store: fired once per slot, missed slots, validation, company holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rashinban import jobs
from rashinban.clock import FixedClock
from rashinban.errors import UsageError
from rashinban.jobs import Runner
from rashinban.store import Store


def test_weekly_monday_0800_tokyo_fires_once(store: Store, clock: FixedClock) -> None:
    ran: list[datetime | None] = []
    runner = Runner(store, clock, {"digest": lambda ctx: ran.append(ctx.job.due_at) or {}})
    sid = jobs.upsert_schedule(
        store,
        "weekly digest",
        "digest",
        {"to": "sales"},
        "weekly mon 08:00",
        "Asia/Tokyo",
        now_utc=clock.instant(),
        created_by="admin",
    )
    slot = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # 2026-11-30 08:00 JST
    schedule = jobs.get_schedule(store, "weekly digest")
    assert schedule is not None and schedule.next_run_at == slot and schedule.payload == {"to": "sales"}
    clock.set("2026-11-30T07:59:59")
    assert runner.run_once() is None and jobs.list_jobs(store) == []
    clock.set("2026-11-30T08:00:00")
    assert runner.run_once() is not None
    assert runner.run_once() is None
    clock.advance(minutes=5)
    assert runner.run_once() is None
    fired = jobs.list_jobs(store, schedule_id=sid)
    assert [(j.due_at, j.state, j.payload, j.created_by) for j in fired] == [
        (slot, "succeeded", {"to": "sales"}, "schedule:weekly digest")
    ]
    assert ran == [slot]
    schedule = jobs.get_schedule(store, "weekly digest")
    assert schedule is not None
    assert (schedule.last_run_at, schedule.next_run_at) == (slot, slot + timedelta(days=7))


def test_missed_slots_fire_once_for_the_latest(store: Store, clock: FixedClock) -> None:
    sid = jobs.upsert_schedule(store, "d", "digest", {}, "daily 09:00", "Asia/Tokyo", now_utc=clock.instant())
    clock.set("2026-11-29T12:00:00")  # 26th, 27th, 28th and 29th 09:00 were missed
    assert len(jobs.fire_due(store, clock.instant())) == 1
    assert jobs.fire_due(store, clock.instant()) == []
    (fired,) = jobs.list_jobs(store, schedule_id=sid)
    assert fired.due_at == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)  # 29th 09:00 JST
    schedule = jobs.get_schedule(store, "d")
    assert schedule is not None and schedule.next_run_at == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def test_an_existing_job_for_the_slot_is_not_duplicated(store: Store, clock: FixedClock) -> None:
    sid = jobs.upsert_schedule(store, "h", "digest", {}, "hourly", "Asia/Tokyo", now_utc=clock.instant())
    slot = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 11:00 JST
    jobs.enqueue(store, "digest", {}, now_utc=clock.instant(), schedule_id=sid, due_at=slot)
    clock.set("2026-11-25T11:00:00")
    assert jobs.fire_due(store, clock.instant()) == []
    assert len(jobs.list_jobs(store, schedule_id=sid)) == 1
    schedule = jobs.get_schedule(store, "h")
    assert schedule is not None and schedule.next_run_at == slot + timedelta(hours=1)


def test_upsert_schedule_validates_keeps_the_pending_slot_and_disables(
    store: Store, clock: FixedClock
) -> None:
    with pytest.raises(UsageError) as err:
        jobs.upsert_schedule(store, "x", "digest", {}, "fortnightly", "Asia/Tokyo", now_utc=clock.instant())
    assert err.value.code == "schedule_bad_spec" and jobs.list_schedules(store) == []
    with pytest.raises(UsageError):
        jobs.upsert_schedule(store, "x", "digest", {}, "daily 09:00", "Asia/Nowhere", now_utc=clock.instant())
    sid = jobs.upsert_schedule(store, "x", "digest", {}, "daily 09:00", "Asia/Tokyo", now_utc=clock.instant())
    first = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    clock.advance(hours=1)
    assert (
        jobs.upsert_schedule(
            store, "x", "digest", {"v": 2}, "daily 09:00", "Asia/Tokyo", now_utc=clock.instant()
        )
        == sid
    )
    (row,) = jobs.list_schedules(store)
    assert (row.next_run_at, row.payload) == (first, {"v": 2})
    jobs.upsert_schedule(
        store, "x", "digest", {}, "daily 09:00", "Asia/Tokyo", False, now_utc=clock.instant()
    )
    clock.set("2026-11-28T10:00:00")
    assert jobs.fire_due(store, clock.instant()) == []
    jobs.upsert_schedule(store, "x", "digest", {}, "daily 09:00", "Asia/Tokyo", True, now_utc=clock.instant())
    assert jobs.list_schedules(store)[0].next_run_at == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert jobs.remove_schedule(store, "x") and not jobs.remove_schedule(store, "x")


def test_business_schedules_skip_the_stores_company_holidays(store: Store, clock: FixedClock) -> None:
    from rashinban.store.admin import COMPANY_HOLIDAYS, set_setting

    set_setting(store, COMPANY_HOLIDAYS, ["2026-11-26"], "admin", clock.now())  # Thursday
    jobs.upsert_schedule(store, "b", "digest", {}, "business 09:00", "Asia/Tokyo", now_utc=clock.instant())
    schedule = jobs.get_schedule(store, "b")
    assert schedule is not None and schedule.next_run_at == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    set_setting(store, COMPANY_HOLIDAYS, ["2026-11-30"], "admin", clock.now())  # Monday
    clock.set("2026-11-27T09:00:00")
    assert len(jobs.fire_due(store, clock.instant())) == 1
    schedule = jobs.get_schedule(store, "b")
    assert schedule is not None and schedule.next_run_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    # explicit holidays win over the setting
    assert (
        jobs.upsert_schedule(
            store, "b", "digest", {}, "business 10:00", "Asia/Tokyo", now_utc=clock.instant(), holidays=()
        )
        == schedule.id
    )
    schedule = jobs.get_schedule(store, "b")
    assert schedule is not None and schedule.next_run_at == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def test_a_schedule_whose_spec_no_longer_reads_is_parked(store: Store, clock: FixedClock) -> None:
    from rashinban.store.schema import schedules

    jobs.upsert_schedule(store, "h", "digest", {}, "hourly", "Asia/Tokyo", now_utc=clock.instant())
    with store.write() as conn:  # e.g. written by a newer version with a spec this one does not know
        conn.execute(schedules.update().values(spec="every full moon"))
    clock.advance(hours=1)
    assert jobs.fire_due(store, clock.instant()) == []
    (row,) = jobs.list_schedules(store)
    assert row.next_run_at is None and row.enabled
    assert jobs.fire_due(store, clock.instant()) == []
