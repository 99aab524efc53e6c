"""Durable jobs and schedules.

Jobs live in the store (table ``jobs``), so they survive restarts and any process may run
them.  A :class:`Runner` fires due schedules and runs queued jobs with the handler
registered for their kind; one runner per process, any number per store (on DuckDB, only
the process that has the file open).

Wiring::

    from rashinban import jobs

    handlers = jobs.Handlers()
    handlers.register("import", run_import)          # handler(ctx: JobContext) -> dict

    # `serve`: one runner on the app's store, started and stopped with the app
    runner = jobs.Runner(store, clock, handlers)
    runner.start()
    ...
    runner.stop(timeout=10)

    # `rashinban worker`: the same in the foreground (Ctrl-C stops after the current job)
    runner = jobs.Runner(lambda: Store.open(db), clock, handlers, kinds=kinds or None)
    runner.start()
    try:
        while runner.running:
            time.sleep(1)       # or threading.Event().wait()
    finally:
        runner.stop(timeout=60)

    # the edges
    job_id = jobs.enqueue(store, "import", {"path": p}, now_utc=clock.instant(), created_by=user)
    row = jobs.get(store, job_id)                    # row.state, row.progress.fraction, row.result
    text = render_error(jobs.error_of(row), lang)    # when row.error_code
    jobs.upsert_schedule(store, "weekly digest", "digest", {}, "weekly mon 08:00", "Asia/Tokyo",
                         now_utc=clock.instant())

A handler reports progress with ``ctx.progress(done, total, label, unit)`` and returns a
JSON-able dict (the job's result).  Raising a ``RashinbanError`` or any exception fails the
attempt: the job is queued again after :func:`retry_delay` (30 s × 2^(attempt−1), at most
an hour) until ``max_attempts``, then failed; :class:`JobFailed` fails it at once.  The
stored error (``job.error``: ``code``, ``params``, ``detail``) is rendered at the edge via
:func:`error_of`; an unexpected exception is ``job_crashed`` (type and message; the
traceback goes to the log only).  Labels: ``jobs.state.<state>``, ``jobs.kind.<kind>`` in
the catalogue.

Modules: ``schedule`` (specs and slots, pure), ``scheduler`` (the schedules table and
:func:`fire_due`), ``registry``, ``context`` (what a handler sees), ``runner``; the queue's
SQL is ``rashinban.store.jobs``.  All times passed in (``now_utc``) are instants; rows hold
aware UTC datetimes.
"""

from rashinban.errors import RashinbanError
from rashinban.jobs.context import JobContext, JobFailed, JobInterrupted
from rashinban.jobs.registry import Handler, Handlers
from rashinban.jobs.runner import Runner, retry_delay
from rashinban.schedule import parse as parse_spec
from rashinban.store.jobs import STATES, JobRow, Progress, cancel, enqueue, get, list_jobs
from rashinban.store.schedules import (
    ScheduleRow,
    fire_due,
    get_schedule,
    list_schedules,
    remove_schedule,
    upsert_schedule,
)


def error_of(job: JobRow) -> RashinbanError | None:
    """The job's stored error as a ``RashinbanError`` to render at the edge (None: no error)."""
    if not job.error_code:
        return None
    error = job.error or {}
    detail = error.get("detail") or {}
    params = {k: v for k, v in (error.get("params") or {}).items() if k not in ("file", "line", "node")}
    return RashinbanError(
        job.error_code, file=detail.get("file"), line=detail.get("line"), node=detail.get("node"), **params
    )


__all__ = [
    "STATES",
    "Handler",
    "Handlers",
    "JobContext",
    "JobFailed",
    "JobInterrupted",
    "JobRow",
    "Progress",
    "Runner",
    "ScheduleRow",
    "cancel",
    "enqueue",
    "error_of",
    "fire_due",
    "get",
    "get_schedule",
    "list_jobs",
    "list_schedules",
    "parse_spec",
    "remove_schedule",
    "retry_delay",
    "upsert_schedule",
]
