"""The queue and the runner on real DuckDB files and real PostgreSQL databases."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from rashinban import jobs
from rashinban.clock import FixedClock
from rashinban.errors import NotFoundError, StoreError, UsageError
from rashinban.jobs import JobContext, Runner
from rashinban.store import Store
from rashinban.store import jobs as queue


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def job(store: Store, job_id: int) -> jobs.JobRow:
    row = jobs.get(store, job_id)
    assert row is not None
    return row


def test_enqueue_run_succeed_with_live_progress(store: Store, other_store: Store, clock: FixedClock) -> None:
    reached, release = threading.Event(), threading.Event()

    def handler(ctx: JobContext) -> dict[str, Any]:
        ctx.progress(1, 3, "rows", "rows")
        reached.set()
        assert release.wait(5)
        ctx.progress(2, 3, "rows", "rows")  # throttled: not written
        ctx.progress(3, 3, "rows", "rows")  # the final one always is
        return {"rows": 3, "echo": ctx.payload["n"]}

    runner = Runner(store, clock, {"import": handler}, worker_id="w1")
    job_id = jobs.enqueue(
        store, "import", {"n": "一"}, now_utc=clock.instant(), created_by="sato", owner_user_id=7
    )
    before = store.data_versions()
    step = threading.Thread(target=runner.run_once)
    step.start()
    try:
        assert reached.wait(5)
        seen = job(other_store, job_id)  # another process's view, mid-run
        assert (seen.state, seen.lease_owner, seen.attempts) == ("running", "w1", 1)
        assert seen.progress == queue.Progress(
            1, 3, "rows", "rows"
        ) and seen.progress.fraction == pytest.approx(1 / 3)
        assert seen.lease_until == clock.instant() + timedelta(seconds=60)
        data, org = other_store.data_versions()  # the claim is visible to version-keyed caches
        assert data > before[0] and org == before[1]
    finally:
        release.set()
        step.join(5)
    done = job(other_store, job_id)
    assert done.state == "succeeded" and done.finished
    assert done.result == {"rows": 3, "echo": "一"}
    assert done.progress == queue.Progress(3, 3, "rows", "rows")
    assert done.finished_at == clock.instant() and done.lease_until is None
    assert (done.created_by, done.owner_user_id, done.error_code) == ("sato", 7, None)
    assert [j.id for j in jobs.list_jobs(other_store, states={"succeeded"}, owner_user_id=7)] == [job_id]
    assert runner.run_once() is None


def test_bad_input_fails_at_once(store: Store, clock: FixedClock) -> None:
    """A RashinbanError about input (not the store) fails the same way on every attempt."""

    def handler(ctx: JobContext) -> dict[str, Any]:
        raise UsageError("option_not_date", option="--on", value="いつか")

    runner = Runner(store, clock, {"report": handler})
    job_id = jobs.enqueue(store, "report", {}, now_utc=clock.instant())
    assert runner.run_once() == job_id
    row = job(store, job_id)
    assert (row.state, row.attempts, row.error_code) == ("failed", 1, "option_not_date")
    assert row.error == {
        "code": "option_not_date",
        "params": {"option": "--on", "value": "いつか"},
        "detail": None,
    }


def test_store_error_retries_with_backoff_then_fails(store: Store, clock: FixedClock) -> None:
    def handler(ctx: JobContext) -> dict[str, Any]:
        raise StoreError("option_not_date", option="--on", value="いつか")

    runner = Runner(store, clock, {"report": handler})
    job_id = jobs.enqueue(store, "report", {}, now_utc=clock.instant())
    for attempt, wait in ((1, 30), (2, 60)):
        assert runner.run_once() == job_id
        row = job(store, job_id)
        assert (row.state, row.attempts, row.error_code) == ("queued", attempt, "option_not_date")
        assert row.run_after == clock.instant() + timedelta(seconds=wait)
        assert row.error == {
            "code": "option_not_date",
            "params": {"option": "--on", "value": "いつか"},
            "detail": None,
        }
        clock.advance(seconds=wait - 1)
        assert runner.run_once() is None  # not yet
        clock.advance(seconds=1)
    assert runner.run_once() == job_id
    row = job(store, job_id)
    assert (row.state, row.attempts, row.error_code, row.finished_at) == (
        "failed",
        3,
        "option_not_date",
        clock.instant(),
    )
    error = jobs.error_of(row)
    assert error is not None and str(error) == "--on: 'いつか' is not a date (YYYY-MM-DD)"
    clock.advance(hours=2)
    assert runner.run_once() is None
    assert jobs.retry_delay(1) == timedelta(seconds=30) and jobs.retry_delay(20) == timedelta(hours=1)


def test_flaky_handler_ends_succeeded_after_two_attempts(
    store: Store, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def handler(ctx: JobContext) -> dict[str, Any]:
        calls.append(ctx.job.attempts)
        if len(calls) == 1:
            raise KeyError("no such column")
        return {"ok": True}

    runner = Runner(store, clock, {"digest": handler})
    job_id = jobs.enqueue(store, "digest", {}, now_utc=clock.instant())
    with caplog.at_level(logging.ERROR, logger="rashinban.jobs"):
        runner.run_once()
    row = job(store, job_id)
    assert row.state == "queued" and row.error_code == "job_crashed"
    assert row.error == {
        "code": "job_crashed",
        "params": {"type": "KeyError", "message": "'no such column'"},
        "detail": None,
    }
    assert "Traceback" in caplog.text and "Traceback" not in str(jobs.error_of(row))
    assert "KeyError" in str(jobs.error_of(row))
    clock.advance(seconds=30)
    assert runner.run_once() == job_id
    row = job(store, job_id)
    assert (row.state, row.attempts, row.result, row.error_code) == ("succeeded", 2, {"ok": True}, None)
    assert calls == [1, 2]


def test_unknown_kind_and_job_failed_fail_at_once(store: Store, clock: FixedClock) -> None:
    def refuse(ctx: JobContext) -> dict[str, Any]:
        raise jobs.JobFailed("file_not_found", path="x.csv")

    runner = Runner(store, clock, {"import": refuse})
    unknown = jobs.enqueue(store, "mystery", {}, now_utc=clock.instant())
    refused = jobs.enqueue(store, "import", {}, now_utc=clock.instant())
    assert runner.run_until_idle() == [unknown, refused]
    row = job(store, unknown)
    assert (row.state, row.attempts, row.error_code) == ("failed", 1, "job_unknown_kind")
    assert str(jobs.error_of(row)) == "no worker can run jobs of kind 'mystery'"
    assert (job(store, refused).state, job(store, refused).error_code) == ("failed", "file_not_found")


def test_dead_worker_lease_expires_and_another_runner_takes_over(
    store: Store, other_store: Store, clock: FixedClock
) -> None:
    job_id = jobs.enqueue(store, "import", {}, now_utc=clock.instant())
    taken = queue.claim(store, "dead", clock.instant(), 60)
    assert taken is not None and taken.id == job_id
    runs: list[str] = []
    runner = Runner(
        other_store, clock, {"import": lambda ctx: runs.append(ctx.worker_id) or {}}, worker_id="b"
    )
    clock.advance(seconds=59)
    assert runner.run_once() is None  # the lease still holds
    clock.advance(seconds=2)
    assert runner.run_once() == job_id
    row = job(store, job_id)
    assert (row.state, row.attempts, row.lease_owner, runs) == ("succeeded", 2, "b", ["b"])
    assert not queue.succeed(store, job_id, "dead", {"late": True}, clock.instant())  # too late
    assert not queue.heartbeat(store, job_id, "dead", clock.instant(), 60)


def test_dead_worker_on_the_last_attempt_fails_the_job(store: Store, clock: FixedClock) -> None:
    job_id = jobs.enqueue(store, "import", {}, now_utc=clock.instant(), max_attempts=1)
    assert queue.claim(store, "dead", clock.instant(), 60) is not None
    clock.advance(minutes=2)
    assert Runner(store, clock, {"import": lambda ctx: {}}).run_once() is None
    row = job(store, job_id)
    assert (row.state, row.error_code, row.attempts) == ("failed", "job_lease_expired", 1)


def test_heartbeat_keeps_the_lease_while_the_handler_runs(store: Store, clock: FixedClock) -> None:
    def slow(ctx: JobContext) -> dict[str, Any]:
        for _ in range(3):
            clock.advance(seconds=50)  # the lease is 60 s: it would expire without heartbeats
            deadline = time.monotonic() + 2
            while (job(store, ctx.job.id).lease_until or clock.instant()) < clock.instant() + timedelta(
                seconds=60
            ):
                assert time.monotonic() < deadline, "no heartbeat"
                time.sleep(0.02)
            assert queue.claim(store, "thief", clock.instant(), 60) is None
        return {}

    job_id = jobs.enqueue(store, "slow", {}, now_utc=clock.instant())
    runner = Runner(store, clock, {"slow": slow}, lease_seconds=60, heartbeat_seconds=0.02)
    assert runner.run_once() == job_id
    assert job(store, job_id).state == "succeeded"


def test_cancel_queued_and_running_jobs(store: Store, clock: FixedClock) -> None:
    started, cancelled = threading.Event(), threading.Event()
    stopped: list[bool] = []

    def long(ctx: JobContext) -> dict[str, Any]:
        started.set()
        assert cancelled.wait(5)
        try:
            ctx.progress(10, 100)
        except jobs.JobInterrupted:
            stopped.append(True)
            raise
        return {}

    runner = Runner(store, clock, {"long": long}, progress_throttle=0)
    queued = jobs.enqueue(
        store, "long", {}, now_utc=clock.instant(), run_after=clock.instant() + timedelta(hours=1)
    )
    assert jobs.cancel(store, queued, clock.instant())
    assert not jobs.cancel(store, queued, clock.instant())  # already finished
    running = jobs.enqueue(store, "long", {}, now_utc=clock.instant())
    step = threading.Thread(target=runner.run_once)
    step.start()
    assert started.wait(5)
    assert jobs.cancel(store, running, clock.instant())
    cancelled.set()
    step.join(5)
    assert stopped == [True]
    assert [job(store, i).state for i in (queued, running)] == ["cancelled", "cancelled"]
    with pytest.raises(NotFoundError) as err:
        jobs.cancel(store, 999, clock.instant())
    assert err.value.code == "job_unknown"


def test_runner_claims_only_its_kinds(store: Store, clock: FixedClock) -> None:
    a = jobs.enqueue(store, "a", {}, now_utc=clock.instant())
    b = jobs.enqueue(store, "b", {}, now_utc=clock.instant())
    assert Runner(store, clock, {"b": lambda ctx: {}}, kinds={"b"}).run_until_idle() == [b]
    assert job(store, a).state == "queued"


def test_thread_runs_jobs_until_stopped(store: Store, clock: FixedClock) -> None:
    runner = Runner(store, clock, {"echo": lambda ctx: dict(ctx.payload)}, poll_seconds=0.02)
    runner.start()
    try:
        job_id = jobs.enqueue(store, "echo", {"x": 1}, now_utc=clock.instant())
        wait_for(lambda: job(store, job_id).state == "succeeded")
        assert job(store, job_id).result == {"x": 1}
    finally:
        assert runner.stop(5)
    assert not runner.running


def test_jobs_and_schedules_survive_a_restart(db: str, clock: FixedClock) -> None:
    first = Store.open(db)
    first.ready()
    job_id = jobs.enqueue(first, "import", {"path": "deals.csv"}, now_utc=clock.instant())
    jobs.upsert_schedule(first, "h", "import", {}, "hourly", "Asia/Tokyo", now_utc=clock.instant())
    first.dispose()
    second = Store.open(db)
    try:
        second.ready()
        assert job(second, job_id).state == "queued"
        clock.set("2026-11-25T11:00:00")
        runner = Runner(second, clock, {"import": lambda ctx: {"path": ctx.payload.get("path")}})
        ran = runner.run_until_idle()
        assert len(ran) == 2 and ran[0] == job_id
        assert job(second, job_id).result == {"path": "deals.csv"}
    finally:
        second.dispose()


def test_runner_opens_its_store_lazily_and_disposes_it(db: str, store: Store, clock: FixedClock) -> None:
    opened: list[Store] = []

    def factory() -> Store:
        opened.append(Store.open(db))
        return opened[-1]

    runner = Runner(factory, clock, {"echo": lambda ctx: {}}, poll_seconds=0.02)
    assert opened == []
    job_id = jobs.enqueue(store, "echo", {}, now_utc=clock.instant())
    runner.start()
    wait_for(lambda: job(store, job_id).state == "succeeded")
    assert runner.stop(5) and len(opened) == 1
