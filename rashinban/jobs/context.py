"""What a running handler sees: its job, the store, the clock, and a progress reporter."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import sqlalchemy as sa

from rashinban.clock import Clock
from rashinban.errors import RashinbanError
from rashinban.store.db import Store
from rashinban.store.jobs import JobRow, heartbeat, report_progress

log = logging.getLogger("rashinban.jobs")


class JobFailed(RashinbanError):
    """Raised by a handler: fail the job now, without retrying (a bad payload, a missing file)."""


class JobInterrupted(RashinbanError):
    """The worker no longer holds the job (it was cancelled, or its lease was taken over);
    :meth:`JobContext.progress` raises it so that a handler stops early."""


class JobContext:
    """Handed to every handler.  ``progress`` writes at most every ``throttle`` seconds
    (always the final ``done == total``); it raises :class:`JobInterrupted` once the job is
    no longer this worker's, so long handlers stop when cancelled."""

    def __init__(
        self, job: JobRow, store: Store, clock: Clock, worker_id: str, *, throttle: float = 0.5
    ) -> None:
        self.job = job
        self.store = store
        self.clock = clock
        self.worker_id = worker_id
        self.throttle = throttle
        self._lost = threading.Event()
        # DuckDB: the heartbeat thread and the handler's progress update the same row
        self._row_lock = threading.Lock()
        self._last_write = float("-inf")
        self._pending: tuple[int | None, int | None, str | None, str | None] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def lost(self) -> bool:
        """True once the job is no longer this worker's (cancelled or taken over)."""
        return self._lost.is_set()

    def check(self) -> None:
        """Raise :class:`JobInterrupted` if the job was cancelled or taken over."""
        if self.lost:
            raise JobInterrupted("job_interrupted", id=self.job.id)

    def progress(
        self, done: int | None, total: int | None = None, label: str | None = None, unit: str | None = None
    ) -> None:
        """Report ``done`` of ``total`` (in ``unit``, e.g. rows) with an optional label."""
        self.check()
        self._pending = (done, total, label, unit)
        final = total is not None and done is not None and done >= total
        if final or time.monotonic() - self._last_write >= self.throttle:
            self.flush()

    def flush(self) -> None:
        """Write the last reported progress if it has not been written yet."""
        if self._pending is None:
            return
        done, total, label, unit = self._pending
        with self._row_lock:
            try:
                held = report_progress(
                    self.store, self.job.id, done, total, label, unit, worker_id=self.worker_id
                )
            except sa.exc.DBAPIError as e:  # progress is best effort
                log.warning("job %s: progress not recorded: %s", self.job.id, e)
                return
            self._pending = None
            self._last_write = time.monotonic()
        if not held:
            self._lost.set()
            self.check()

    def beat(self, lease_seconds: float) -> None:
        """Extend the lease (the runner's heartbeat thread calls this)."""
        with self._row_lock:
            try:
                held = heartbeat(self.store, self.job.id, self.worker_id, self.clock.instant(), lease_seconds)
            except sa.exc.DBAPIError as e:  # try again at the next beat
                log.warning("job %s: heartbeat failed: %s", self.job.id, e)
                return
        if not held:
            log.warning("job %s: lease lost (cancelled or taken over)", self.job.id)
            self._lost.set()


class Heartbeat:
    """A daemon thread that extends the lease every ``interval`` seconds until stopped."""

    def __init__(self, ctx: JobContext, lease_seconds: float, interval: float) -> None:
        self.ctx = ctx
        self.lease_seconds = lease_seconds
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{ctx.job.id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval) and not self.ctx.lost:
            self.ctx.beat(self.lease_seconds)


__all__ = ["Heartbeat", "JobContext", "JobFailed", "JobInterrupted"]
