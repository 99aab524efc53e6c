"""Jobs and schedules as people see them: list, inspect, cancel, and set schedules.

The runner itself (``rashinban.jobs``) sits beside the web app and the CLI; this module only
reads and writes the queue.  A user sees their own jobs; admins (and the CLI) see all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rashinban.app.context import AppContext
from rashinban.errors import NotFoundError, RashinbanError
from rashinban.org.roles import Permission, allowed
from rashinban.store import jobs as queue
from rashinban.store import schedules as sched


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    state: str
    attempts: int
    max_attempts: int
    progress: float | None
    created_by: str | None
    created_at: str
    finished_at: str | None
    error: RashinbanError | None

    def as_dict(self, message: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "attempts": self.attempts,
            "max_attempts": self.max_attempts,
            "progress": self.progress,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "error_code": self.error.code if self.error is not None else None,
            "error": message,
        }


def stored_error(row: queue.JobRow) -> RashinbanError | None:
    """The job's error as a RashinbanError, to render at the edge (None: no error)."""
    if not row.error_code:
        return None
    e = row.error or {}
    params = {k: v for k, v in (e.get("params") or {}).items() if k not in ("file", "line", "node")}
    where = e.get("detail") or {}
    return RashinbanError(
        row.error_code, file=where.get("file"), line=where.get("line"), node=where.get("node"), **params
    )


def view(row: queue.JobRow) -> JobView:
    error = stored_error(row)
    return JobView(
        row.id,
        row.kind,
        row.state,
        row.attempts,
        row.max_attempts,
        row.progress.fraction,
        row.created_by,
        row.created_at.isoformat(timespec="seconds"),
        row.finished_at.isoformat(timespec="seconds") if row.finished_at else None,
        error,
    )


class Jobs:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _everyone(self) -> bool:
        ctx = self.ctx
        return (ctx.user is None and ctx.privileged) or allowed(ctx.user, Permission.VIEW_ALL_JOBS)

    def recent(
        self, states: set[str] | None = None, kinds: set[str] | None = None, limit: int = 100
    ) -> list[JobView]:
        """Jobs, newest first (the user's own unless they may see all)."""
        owner = None if self._everyone() else (self.ctx.user.id if self.ctx.user else -1)
        rows = queue.list_jobs(self.ctx.store, states=states, kinds=kinds, owner_user_id=owner, limit=limit)
        return [view(r) for r in rows]

    def get(self, job_id: int) -> JobView:
        row = queue.get(self.ctx.store, job_id)
        if row is None or not (self._everyone() or (self.ctx.user and row.owner_user_id == self.ctx.user.id)):
            raise NotFoundError("job_unknown", id=job_id)
        return view(row)

    def cancel(self, job_id: int) -> bool:
        self.get(job_id)  # 404 unless the user may see it
        return queue.cancel(self.ctx.store, job_id, self.ctx.clock.instant())

    def enqueue(self, kind: str, payload: dict[str, Any], max_attempts: int = 3) -> int:
        user = self.ctx.user
        return queue.enqueue(
            self.ctx.store,
            kind,
            payload | {"lang": self.ctx.lang},
            now_utc=self.ctx.clock.instant(),
            max_attempts=max_attempts,
            owner_user_id=user.id if user else None,
            created_by=user.username if user else "cli",
        )

    def schedules(self) -> list[sched.ScheduleRow]:
        self.ctx.require(Permission.ADMINISTER)
        return sched.list_schedules(self.ctx.store)

    def set_schedule(
        self,
        name: str,
        kind: str,
        spec: str,
        timezone: str = "Asia/Tokyo",
        payload: dict[str, Any] | None = None,
    ) -> int:
        """Create or change a stored schedule (e.g. ``weekly mon 08:00`` in Asia/Tokyo)."""
        user = self.ctx.require(Permission.ADMINISTER)
        return sched.upsert_schedule(
            self.ctx.store,
            name,
            kind,
            payload or {},
            spec,
            timezone,
            now_utc=self.ctx.clock.instant(),
            created_by=user.username if user else "cli",
        )
