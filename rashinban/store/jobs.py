"""Durable jobs: the queue's repository (SQL only; the runner is :mod:`rashinban.jobs`).

Every ``*_utc`` argument is an instant: aware (any zone) or naive UTC.  The tables hold naive
UTC; rows come back with aware UTC datetimes.

Transactions.  Enqueueing assigns an id, so it goes through the store's write transaction.
The worker's own updates of the job it holds must never wait behind a long import (a
heartbeat that waits loses the lease; progress written from inside an import handler would
wait for the handler's own write lock), so:

* claims and state changes (:func:`claim`, :func:`succeed`, :func:`fail`, :func:`cancel`):
  on PostgreSQL a short plain transaction (claims with ``FOR UPDATE SKIP LOCKED``, the others
  guarded by ``lease_owner``) that bumps the data version (not the organisation one); on
  DuckDB (one process) the store's write transaction, serialised with every other writer;
* :func:`heartbeat` and :func:`report_progress`: a plain one-statement transaction that
  does not bump the data version — pages read jobs live, they are not cached.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rashinban.errors import NotFoundError
from rashinban.store.db import Store, WriteTransaction
from rashinban.store.ids import reserve
from rashinban.store.schema import jobs

STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class Progress:
    done: int | None = None
    total: int | None = None
    label: str | None = None
    unit: str | None = None

    @property
    def fraction(self) -> float | None:
        """done / total in 0–1, or None when either is unknown."""
        if self.done is None or not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    state: str
    payload: dict[str, Any]
    result: dict[str, Any] | None
    error_code: str | None
    error: dict[str, Any] | None  # {"code", "params", "detail"}
    attempts: int
    max_attempts: int
    run_after: datetime
    lease_owner: str | None
    lease_until: datetime | None
    progress: Progress
    owner_user_id: int | None
    created_by: str | None
    schedule_id: int | None
    due_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def _db(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def _job(r: sa.Row[Any]) -> JobRow:
    m = dict(r._mapping)
    progress = Progress(*(m.pop(f"progress_{k}") for k in ("done", "total", "label", "unit")))
    for k in ("run_after", "lease_until", "due_at", "created_at", "started_at", "finished_at", "updated_at"):
        m[k] = _aware(m[k])
    payload, result, error = (_loads(m.pop(f"{k}_json")) for k in ("payload", "result", "error"))
    return JobRow(**m, payload=payload or {}, result=result, error=error, progress=progress)


@contextmanager
def write(store: Store) -> Iterator[WriteTransaction]:
    """The store's write transaction for jobs and schedules: ``commit()`` bumps the data
    version but not the organisation version (no team, user or setting changed)."""
    with store.engine.connect() as conn, store.transaction(conn) as tx:
        tx.org = False
        yield tx


@contextmanager
def _changing(store: Store) -> Iterator[WriteTransaction]:
    """A short state-changing transaction; ``commit()`` bumps the data version, leaving
    without it rolls back (see the module docstring)."""
    if store.is_duckdb:
        with write(store) as tx:
            yield tx
        return
    with store.engine.connect() as conn:
        trans = conn.begin()
        try:
            yield WriteTransaction(conn, trans, org=False)
        finally:
            if trans.is_active:
                trans.rollback()


def enqueue(
    store: Store,
    kind: str,
    payload: dict[str, Any],
    *,
    now_utc: datetime,
    run_after: datetime | None = None,
    max_attempts: int = 3,
    owner_user_id: int | None = None,
    created_by: str | None = None,
    schedule_id: int | None = None,
    due_at: datetime | None = None,
    conn: sa.Connection | None = None,
) -> int:
    """Queue a job; returns its id.  Pass ``conn`` to enqueue inside an open write transaction
    (an import handler queueing a follow-up job, the scheduler)."""
    now = _db(now_utc)
    row = {"kind": kind, "state": "queued", "payload_json": _dumps(payload), "attempts": 0}
    row |= {"max_attempts": max(1, max_attempts), "run_after": _db(run_after) if run_after else now}
    row |= {"owner_user_id": owner_user_id, "created_by": created_by[:100] if created_by else None}
    row |= {"schedule_id": schedule_id, "due_at": _db(due_at) if due_at else None}
    row |= {"created_at": now, "updated_at": now}
    if conn is not None:
        return _insert(conn, row)
    with write(store) as tx:
        job_id = _insert(tx.conn, row)
        tx.commit()
    return job_id


def _insert(conn: sa.Connection, row: dict[str, Any]) -> int:
    job_id = reserve(conn, "jobs", 1)
    conn.execute(jobs.insert().values(id=job_id, **row))
    return job_id


def _kinds(kinds: Iterable[str] | None) -> sa.ColumnElement[bool]:
    return jobs.c.kind.in_(sorted(kinds)) if kinds is not None else sa.true()


def claim(
    store: Store, worker_id: str, now_utc: datetime, lease_seconds: float, kinds: Iterable[str] | None = None
) -> JobRow | None:
    """Take the oldest due job — queued with ``run_after <= now``, or running with an expired
    lease (its worker died) — for ``lease_seconds``; None when there is none.  A job whose
    worker died on its last attempt is failed with ``job_lease_expired`` instead."""
    now, j = _db(now_utc), jobs
    expired = sa.and_(j.c.state == "running", j.c.lease_until < now)
    due = sa.and_(_kinds(kinds), sa.or_(sa.and_(j.c.state == "queued", j.c.run_after <= now), expired))
    with store.engine.connect() as conn:  # the common case, nothing to do, writes nothing
        if conn.execute(sa.select(j.c.id).where(due).limit(1)).first() is None:
            return None
    pg = not store.is_duckdb
    with _changing(store) as tx:
        conn = tx.conn
        dead = sa.select(j.c.id).where(due, expired, j.c.attempts >= j.c.max_attempts)
        dead_ids = list(conn.execute(dead.with_for_update(skip_locked=True) if pg else dead).scalars())
        if dead_ids:
            error = _dumps({"code": "job_lease_expired", "params": {}, "detail": None})
            values = _ended("failed", now) | {"error_code": "job_lease_expired", "error_json": error}
            conn.execute(j.update().where(j.c.id.in_(dead_ids), expired).values(**values))
        pick = sa.select(j.c.id).where(due).order_by(j.c.run_after, j.c.id).limit(1)
        job_id = conn.execute(pick.with_for_update(skip_locked=True) if pg else pick).scalar()
        if job_id is None:
            if dead_ids:
                tx.commit()
            return None
        until = now + timedelta(seconds=lease_seconds)
        values = {"state": "running", "lease_owner": worker_id, "lease_until": until}
        values |= {"attempts": j.c.attempts + 1, "started_at": now, "finished_at": None, "updated_at": now}
        if conn.execute(j.update().where(j.c.id == job_id, due).values(**values)).rowcount != 1:
            return None
        row = conn.execute(sa.select(j).where(j.c.id == job_id)).one()
        tx.commit()
    return _job(row)


def _ended(state: str, now: datetime) -> dict[str, Any]:
    return {"state": state, "lease_until": None, "finished_at": now, "updated_at": now}


def _held(job_id: int, worker_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(jobs.c.id == job_id, jobs.c.lease_owner == worker_id, jobs.c.state == "running")


def heartbeat(store: Store, job_id: int, worker_id: str, now_utc: datetime, lease_seconds: float) -> bool:
    """Extend the lease; False when it was lost (taken over, cancelled, finished)."""
    now = _db(now_utc)
    until = now + timedelta(seconds=lease_seconds)
    with store.engine.begin() as conn:
        q = jobs.update().where(_held(job_id, worker_id)).values(lease_until=until, updated_at=now)
        return bool(conn.execute(q).rowcount == 1)


def report_progress(
    store: Store,
    job_id: int,
    done: int | None,
    total: int | None,
    label: str | None = None,
    unit: str | None = None,
    *,
    worker_id: str | None = None,
) -> bool:
    """Record progress of a running job (one cheap statement; throttle in the caller)."""
    cond = _held(job_id, worker_id) if worker_id else sa.and_(jobs.c.id == job_id, jobs.c.state == "running")
    values: dict[str, Any] = {"progress_done": done, "progress_total": total}
    values |= {
        "progress_label": label[:200] if label else label,
        "progress_unit": unit[:20] if unit else unit,
    }
    with store.engine.begin() as conn:
        return bool(conn.execute(jobs.update().where(cond).values(**values)).rowcount == 1)


def _finish(store: Store, job_id: int, worker_id: str, **values: Any) -> bool:
    with _changing(store) as tx:
        if tx.conn.execute(jobs.update().where(_held(job_id, worker_id)).values(**values)).rowcount != 1:
            return False
        tx.commit()
    return True


def succeed(store: Store, job_id: int, worker_id: str, result: dict[str, Any], now_utc: datetime) -> bool:
    """Mark the job held by ``worker_id`` succeeded with ``result`` (an earlier attempt's
    error is cleared); False if the lease was lost."""
    values = _ended("succeeded", _db(now_utc)) | {"error_code": None, "error_json": None}
    return _finish(store, job_id, worker_id, result_json=_dumps(result), **values)


def fail(
    store: Store,
    job_id: int,
    worker_id: str,
    error_code: str,
    error_json: dict[str, Any] | str,
    now_utc: datetime,
    retry_at: datetime | None,
) -> bool:
    """Record an error: back to queued at ``retry_at`` (the error kept), or failed when None."""
    now = _db(now_utc)
    error = error_json if isinstance(error_json, str) else _dumps(error_json)
    if retry_at is None:
        values = _ended("failed", now)
    else:
        values = {"state": "queued", "run_after": _db(retry_at), "lease_until": None, "updated_at": now}
    return _finish(store, job_id, worker_id, error_code=error_code[:60], error_json=error, **values)


def cancel(store: Store, job_id: int, now_utc: datetime) -> bool:
    """Cancel a queued or running job (a running handler learns it from its next heartbeat
    or progress call); False if it had already finished, ``job_unknown`` if there is none."""
    q = jobs.update().where(jobs.c.id == job_id, jobs.c.state.in_(("queued", "running")))
    with _changing(store) as tx:
        if tx.conn.execute(q.values(**_ended("cancelled", _db(now_utc)))).rowcount == 1:
            tx.commit()
            return True
        if tx.conn.execute(sa.select(jobs.c.id).where(jobs.c.id == job_id)).first() is None:
            raise NotFoundError("job_unknown", id=job_id)
    return False


def get(store: Store, job_id: int) -> JobRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
    return _job(row) if row is not None else None


def list_jobs(
    store: Store,
    *,
    states: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    owner_user_id: int | None = None,
    schedule_id: int | None = None,
    limit: int = 100,
) -> list[JobRow]:
    """Jobs, newest first."""
    q = sa.select(jobs).where(_kinds(kinds)).order_by(jobs.c.created_at.desc(), jobs.c.id.desc())
    if states is not None:
        q = q.where(jobs.c.state.in_(sorted(states)))
    if owner_user_id is not None:
        q = q.where(jobs.c.owner_user_id == owner_user_id)
    if schedule_id is not None:
        q = q.where(jobs.c.schedule_id == schedule_id)
    with store.engine.connect() as conn:
        return [_job(r) for r in conn.execute(q.limit(limit))]
