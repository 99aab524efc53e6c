"""The job kinds Rashinban runs, each a few lines over the facade (like a CLI command).

``handlers()`` is what ``serve`` and ``rashinban worker`` give their runner.  A job started
by a user acts as that user (their scope and role apply; a deactivated user's job fails); a
scheduled job acts as the system.
"""

from __future__ import annotations

from typing import Any

from rashinban.app.import_jobs import JobProgress
from rashinban.clock import Clock
from rashinban.jobs.context import JobContext, JobFailed
from rashinban.jobs.registry import Handlers
from rashinban.jobs.runner import Runner
from rashinban.service import Rashinban
from rashinban.store.db import Store


def facade_for(ctx: JobContext) -> Rashinban:
    """The facade a job works through: as its owner, or as the system."""
    lang = str(ctx.payload.get("lang") or "ja")
    owner = ctx.job.owner_user_id
    if owner is None:
        return Rashinban.for_job(ctx.store, lang, ctx.clock)
    user = Rashinban.for_job(ctx.store, lang, ctx.clock).accounts.user(owner)
    if user is None:
        raise JobFailed("job_owner_inactive", user=ctx.job.created_by or str(owner))
    return Rashinban.for_job(ctx.store, lang, ctx.clock, user)


def import_file(ctx: JobContext) -> dict[str, Any]:
    """Check or load an uploaded file (see ``app/import_jobs.py``)."""
    return facade_for(ctx).imports.run_job(ctx.payload, JobProgress(ctx.progress))


def handlers() -> Handlers:
    h = Handlers()
    h.register("import", import_file)
    return h


def start_runner(store: Store | Any, clock: Clock, **options: Any) -> Runner:
    """Start a runner with every job kind on ``store`` (a Store or a factory of one)."""
    runner = Runner(store, clock, handlers(), **options)
    runner.start()
    return runner
