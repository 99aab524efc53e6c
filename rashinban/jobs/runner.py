"""The runner: fires due schedules, then claims and runs jobs one at a time.

``run_once()`` is one deterministic step (tests drive it with a ``FixedClock``);
``start()`` runs steps on a daemon thread until ``stop()``.  Any number of runners may work
on one store: on PostgreSQL claims use ``SKIP LOCKED`` and schedules fire through a
compare-and-set, so each slot becomes one job and each job runs once (again only if its
worker dies and its lease runs out).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from rashinban.clock import Clock, default_clock
from rashinban.errors import RashinbanError
from rashinban.jobs.context import Heartbeat, JobContext, JobFailed, JobInterrupted
from rashinban.jobs.registry import Handler, Handlers
from rashinban.store.db import Store, StoreBusy
from rashinban.store.jobs import JobRow, claim, fail, succeed
from rashinban.store.schedules import fire_due

log = logging.getLogger("rashinban.jobs")

RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 3600.0


def retry_delay(attempt: int) -> timedelta:
    """Wait before the next attempt after attempt ``attempt`` failed: 30 s × 2^(attempt−1),
    at most an hour (30 s, 1 min, 2 min, 4 min, …)."""
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(0, attempt - 1), RETRY_CAP_SECONDS))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def error_record(error: BaseException) -> dict[str, Any]:
    """The stored form of an error: ``{"code", "params", "detail"}``, rendered at the edge.
    An unexpected exception is ``job_crashed`` with its type and message (no traceback)."""
    if isinstance(error, RashinbanError):
        code, params = error.code, dict(error.params)
        where = {"file": error.file, "line": error.line, "node": error.node}
        detail = {k: v for k, v in where.items() if v is not None} or None
    else:
        code, params, detail = (
            "job_crashed",
            {"type": type(error).__name__, "message": str(error)[:500]},
            None,
        )
    params = json.loads(json.dumps(params, ensure_ascii=False, default=str))
    return {"code": code, "params": params, "detail": detail}


class Runner:
    """Runs the jobs of one store.

    ``store`` is a :class:`Store` or a function that opens one (then it is opened on first
    use and disposed by :meth:`stop`).  ``kinds`` limits the kinds this runner claims (None:
    every kind; a kind without a handler then fails with ``job_unknown_kind``).
    ``holidays`` are company holidays for the ``business`` schedule specs (None: the
    store's company holidays setting, read whenever a schedule is due).
    """

    def __init__(
        self,
        store: Store | Callable[[], Store],
        clock: Clock | None = None,
        handlers: Handlers | Mapping[str, Handler] | None = None,
        *,
        worker_id: str | None = None,
        poll_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        kinds: Iterable[str] | None = None,
        fire_schedules: bool = True,
        holidays: Iterable[date] | None = None,
        progress_throttle: float = 0.5,
        heartbeat_seconds: float | None = None,
    ) -> None:
        self._store = store if isinstance(store, Store) else None
        self._factory = None if isinstance(store, Store) else store
        self.clock = clock or default_clock()
        self.handlers = handlers if isinstance(handlers, Handlers) else Handlers(handlers)
        self.worker_id = (worker_id or default_worker_id())[:120]  # jobs.lease_owner
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.kinds = frozenset(kinds) if kinds is not None else None
        self.fire_schedules = fire_schedules
        self.holidays = frozenset(holidays) if holidays is not None else None
        self.progress_throttle = progress_throttle
        # real seconds between heartbeats: a third of the lease (at most 20 s) unless given
        self.heartbeat_seconds = heartbeat_seconds or max(0.05, min(lease_seconds / 3, 20.0))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            assert self._factory is not None
            self._store = self._factory()
        return self._store

    # --- one step -----------------------------------------------------------------------

    def run_once(self) -> int | None:
        """Fire due schedules, then claim and run at most one job; returns its id (None: idle)."""
        if self.fire_schedules:
            self.fire()
        job = claim(self.store, self.worker_id, self.clock.instant(), self.lease_seconds, self.kinds)
        if job is None:
            return None
        self.run_job(job)
        return job.id

    def run_until_idle(self, limit: int = 1000) -> list[int]:
        """Step until no job is due (at most ``limit`` jobs); returns the ids run."""
        ran: list[int] = []
        while len(ran) < limit and (job_id := self.run_once()) is not None:
            ran.append(job_id)
        return ran

    def fire(self) -> list[int]:
        """Enqueue the jobs of due schedules (see :func:`fire_due`); errors are logged."""
        try:
            return fire_due(self.store, self.clock.instant(), holidays=self.holidays)
        except StoreBusy:
            log.info("schedules not fired: the store is busy; trying again")
        except Exception:
            log.exception("firing schedules failed")
        return []

    def run_job(self, job: JobRow) -> None:
        """Run a job this runner has claimed and record how it ended."""
        ctx = JobContext(job, self.store, self.clock, self.worker_id, throttle=self.progress_throttle)
        # the heartbeat keeps the lease until the outcome is recorded
        with Heartbeat(ctx, self.lease_seconds, self.heartbeat_seconds):
            try:
                handler = self.handlers.get(job.kind)
                if handler is None:
                    raise JobFailed("job_unknown_kind", kind=job.kind)
                result = dict(handler(ctx) or {})
                ctx.flush()
            except JobInterrupted:
                log.info("job %s (%s) stopped: no longer ours", job.id, job.kind)
                return
            except Exception as e:
                self._failed(ctx, e)
                return
            self._record(
                job, lambda: succeed(self.store, job.id, self.worker_id, result, self.clock.instant())
            )
            log.info("job %s (%s) succeeded", job.id, job.kind)

    def _failed(self, ctx: JobContext, error: Exception) -> None:
        job = ctx.job
        if ctx.lost:
            log.info("job %s (%s) stopped: no longer ours", job.id, job.kind)
            return
        record = error_record(error)
        if not isinstance(error, RashinbanError):
            log.error("job %s (%s) crashed", job.id, job.kind, exc_info=error)
        now = self.clock.instant()
        # bad input (an unreadable file, a wrong preset, a refused scope) fails the same way on
        # every attempt: only store trouble and unexpected errors are retried
        final = isinstance(error, JobFailed) or not getattr(error, "retryable", True)
        retry = not final and job.attempts < job.max_attempts
        retry_at = now + retry_delay(job.attempts) if retry else None
        log.warning(
            "job %s (%s) attempt %s/%s failed: %s%s",
            job.id,
            job.kind,
            job.attempts,
            job.max_attempts,
            record["code"],
            f"; retry at {retry_at.isoformat()}" if retry_at else "",
        )
        self._record(
            job, lambda: fail(self.store, job.id, self.worker_id, record["code"], record, now, retry_at)
        )

    def _record(self, job: JobRow, write: Callable[[], bool]) -> None:
        """Write the outcome, waiting out a busy store (the heartbeat keeps the lease meanwhile)."""
        while True:
            try:
                if not write():
                    log.warning("job %s: lease lost before its outcome was recorded", job.id)
                return
            except StoreBusy:
                if self._stop.is_set():
                    log.warning("job %s: outcome not recorded (stopping); it will run again", job.id)
                    return
                log.info("job %s: store busy, recording the outcome again", job.id)

    # --- the thread ---------------------------------------------------------------------

    def start(self) -> None:
        """Run steps on a daemon thread, sleeping ``poll_seconds`` whenever idle."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name=f"rashinban-jobs-{self.worker_id}", daemon=True
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Ask the thread to stop after the current job and wait up to ``timeout`` seconds;
        True if it stopped.  A store this runner opened is disposed once it has."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        stopped = not self.running
        if stopped and self._factory is not None and self._store is not None:
            self._store.dispose()
            self._store = None
        return stopped

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except StoreBusy:
                ran = None
            except Exception:
                log.exception("jobs runner step failed")
                ran = None
            if ran is None:
                self._stop.wait(self.poll_seconds)


__all__ = ["Runner", "default_worker_id", "error_record", "retry_delay"]
