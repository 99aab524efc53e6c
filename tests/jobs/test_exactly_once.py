"""Exactly once on PostgreSQL: two runners on separate Store objects (threads, then OS
processes) fire the same schedule at the same instants and drain the same queue."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from rashinban import jobs
from rashinban.clock import FixedClock, business_zone
from rashinban.store import Store
from tests.jobs.workers import work

pytestmark = pytest.mark.postgres

BULK = 60
START = datetime(2026, 11, 30, 8, 59, 30)  # JST; "every 1 minutes" slots at 09:00, 09:01, …
ROUNDS = [(START + timedelta(minutes=i, seconds=30)).isoformat() for i in range(5)]


def prepare(url: str) -> int:
    store = Store.open(url)
    try:
        clock = FixedClock(START, business_zone("Asia/Tokyo"))
        with store.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE executions (job_id BIGINT NOT NULL, worker TEXT NOT NULL)"))
        for i in range(BULK):
            jobs.enqueue(store, "bulk", {"i": i}, now_utc=clock.instant())
        return jobs.upsert_schedule(
            store, "tick", "tick", {}, "every 1 minutes", "Asia/Tokyo", now_utc=clock.instant()
        )
    finally:
        store.dispose()


def check(url: str, schedule_id: int, workers: set[str]) -> None:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            runs = conn.execute(sa.text("SELECT job_id, worker FROM executions")).all()
        every = jobs.list_jobs(store, limit=1000)
        ticks = jobs.list_jobs(store, schedule_id=schedule_id)
    finally:
        store.dispose()
    executed = [r.job_id for r in runs]
    assert len(executed) == len(set(executed)), "a job ran twice"
    assert set(executed) == {j.id for j in every}, "a job did not run"
    assert {(j.state, j.attempts) for j in every} == {("succeeded", 1)}
    zone = business_zone("Asia/Tokyo")
    slots = sorted(j.due_at.astimezone(zone).strftime("%H:%M") for j in ticks if j.due_at)
    assert slots == ["09:00", "09:01", "09:02", "09:03", "09:04"]  # one job per slot
    assert len(every) == BULK + len(ROUNDS)
    assert {r.worker for r in runs} == workers, "both runners should have taken jobs"


def test_two_runners_in_threads_with_separate_engines(pg_db: str) -> None:
    schedule_id = prepare(pg_db)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def target(worker_id: str) -> None:
        try:
            work(pg_db, ROUNDS, barrier, worker_id)
        except BaseException as e:  # surfaced below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=target, args=(w,)) for w in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    check(pg_db, schedule_id, {"t1", "t2"})


def test_two_runners_in_separate_processes(pg_db: str) -> None:
    schedule_id = prepare(pg_db)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=work, args=(pg_db, ROUNDS, barrier, w)) for w in ("p1", "p2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(90)
    assert [p.exitcode for p in procs] == [0, 0]
    check(pg_db, schedule_id, {"p1", "p2"})
