"""The job kinds Rashinban runs, each a few lines over the facade (like a CLI command).

``handlers()`` is what ``serve`` and ``rashinban worker`` give their runner.  A job started
by a user acts as that user (their scope and role apply; a deactivated user's job fails); a
scheduled job acts as the system.
"""

from __future__ import annotations

import logging
from typing import Any

from rashinban.app.import_jobs import JobProgress
from rashinban.clock import Clock
from rashinban.errors import RashinbanError
from rashinban.jobs.context import JobContext, JobFailed
from rashinban.jobs.registry import Handlers
from rashinban.jobs.runner import Runner
from rashinban.service import Rashinban
from rashinban.store.db import Store

log = logging.getLogger("rashinban.jobs")


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


def evaluate_alerts(ctx: JobContext) -> dict[str, Any]:
    """Evaluate every alert rule over every scope and queue the messages (``alerts``)."""
    svc = facade_for(ctx)
    result = svc.alerts.run(ctx.payload.get("as_of"), progress=JobProgress(ctx.progress))
    return result.model_dump(mode="json")


def deliver_alert(ctx: JobContext) -> dict[str, Any]:
    """Send one queued message; a failure is retried with backoff (``alert_delivery``)."""
    delivery = int(ctx.payload["delivery"])
    return facade_for(ctx).alerts.deliver(delivery, ctx.job.attempts, ctx.job.max_attempts)


def alert_digest(ctx: JobContext) -> dict[str, Any]:
    """The daily alert digest: users in digest mode get their pending alerts (``alert_digest``)."""
    return {"deliveries": facade_for(ctx).alerts.dispatch(digest_run=True)}


def weekly_digest(ctx: JobContext) -> dict[str, Any]:
    """The weekly progress digest for every manager and member (``digest``)."""
    run = facade_for(ctx).alerts.send_digests(dry_run=bool(ctx.payload.get("dry_run")))
    return {"week": run.week, "users": len(run.users), "deliveries": run.deliveries}


def forecast(ctx: JobContext) -> dict[str, Any]:
    """Retrain and rescore: every open deal and lead, every scope's forecast (``forecast``)."""
    r = facade_for(ctx).forecasts.run(ctx.payload.get("model"), JobProgress(ctx.progress))
    return r.model_dump(mode="json", include={"deals", "leads", "scopes", "period", "seconds"})


def forecast_backtest(ctx: JobContext) -> dict[str, Any]:
    """The rolling-origin backtest (``forecast_backtest``); its figures are stored."""
    p = ctx.payload
    r = facade_for(ctx).forecasts.backtest(
        p.get("model"), p.get("from"), p.get("to"), tuple(p.get("days", (5, 10, 15)))
    )
    return {"months": len(r.months), "levels": len(r.levels)}


def handlers() -> Handlers:
    h = Handlers()
    h.register("import", import_file)
    h.register("alerts", evaluate_alerts)
    h.register("alert_delivery", deliver_alert)
    h.register("alert_digest", alert_digest)
    h.register("digest", weekly_digest)
    h.register("forecast", forecast)
    h.register("forecast_backtest", forecast_backtest)
    return h


def start_runner(store: Store | Any, clock: Clock, **options: Any) -> Runner:
    """Start a runner with every job kind on ``store`` (a Store or a factory of one)."""
    runner = Runner(store, clock, handlers(), **options)
    if isinstance(store, Store):
        try:  # the alerts' schedules (evaluation, digests), once per store
            Rashinban.for_job(store, clock=clock).alerts.ensure_schedules()
            Rashinban.for_job(store, clock=clock).forecasts.ensure_schedule()
        except RashinbanError as e:
            log.warning("alert schedules not created: %s", e)
    runner.start()
    return runner
