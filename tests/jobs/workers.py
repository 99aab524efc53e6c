"""A worker for the concurrency tests: one Runner on its own Store, stepped in rounds.

Importable by ``multiprocessing`` (spawn) so that the same code runs in threads and in
separate OS processes.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import sqlalchemy as sa

from rashinban.clock import FixedClock, business_zone
from rashinban.jobs import JobContext, Runner
from rashinban.store import Store

RECORD = sa.text("INSERT INTO executions (job_id, worker) VALUES (:job_id, :worker)")


class Barrier(Protocol):
    def wait(self, timeout: float | None = None) -> Any: ...


def record(ctx: JobContext) -> dict[str, Any]:
    """Count the execution in the database (the job's own table, not the queue)."""
    with ctx.store.engine.begin() as conn:
        conn.execute(RECORD, {"job_id": ctx.job.id, "worker": ctx.worker_id})
    time.sleep(0.003)  # long enough for the other worker to claim meanwhile
    return {"worker": ctx.worker_id}


def work(url: str, instants: list[str], barrier: Barrier, worker_id: str) -> None:
    """At each instant (all workers at once): fire due schedules and run jobs until idle."""
    store = Store.open(url)
    try:
        clock = FixedClock(instants[0], business_zone("Asia/Tokyo"))
        runner = Runner(store, clock, {"tick": record, "bulk": record}, worker_id=worker_id)
        for at in instants:
            clock.set(at)
            barrier.wait(60)
            runner.run_until_idle()
        barrier.wait(60)
    finally:
        store.dispose()
