"""Schedules in the store, and firing them exactly once per slot.

A schedule (table ``schedules``) names a job kind, its payload, a spec (see
:mod:`rashinban.schedule`) and a time zone; ``next_run_at`` (naive UTC) is its pending
slot.  :func:`fire_due` turns due slots into jobs.  Rows come back with aware UTC datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from rashinban import schedule as spec_of
from rashinban.errors import RashinbanError
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.jobs import enqueue, write
from rashinban.store.schema import jobs, schedules


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    name: str
    kind: str
    payload: dict[str, Any]
    spec: str
    timezone: str
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None  # the slot it fired last
    created_by: str | None
    created_at: datetime
    updated_at: datetime


def _db(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _row(r: sa.Row[Any]) -> ScheduleRow:
    m = dict(r._mapping)
    m["payload"] = json.loads(m.pop("payload_json") or "{}")
    m["enabled"] = bool(m["enabled"])
    for k in ("next_run_at", "last_run_at", "created_at", "updated_at"):
        m[k] = _aware(m[k])
    return ScheduleRow(**m)


def _holidays(store: Store, given: Iterable[date] | None) -> frozenset[date]:
    if given is not None:
        return frozenset(given)
    from rashinban.store.admin import company_holidays

    return frozenset(company_holidays(store))


def get_schedule(store: Store, name: str) -> ScheduleRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(schedules).where(schedules.c.name == name)).first()
    return _row(row) if row is not None else None


def list_schedules(store: Store) -> list[ScheduleRow]:
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(sa.select(schedules).order_by(schedules.c.name))]


def due_schedules(store: Store, now_utc: datetime) -> list[ScheduleRow]:
    """Enabled schedules whose pending slot is at or before now, the most overdue first."""
    s = schedules.c
    q = sa.select(schedules).where(s.enabled.is_(True), s.next_run_at <= _db(now_utc))
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(q.order_by(s.next_run_at, s.id))]


def upsert_schedule(
    store: Store,
    name: str,
    kind: str,
    payload: dict[str, Any],
    spec: str,
    timezone: str,
    enabled: bool = True,
    *,
    now_utc: datetime,
    created_by: str | None = None,
    holidays: Iterable[date] | None = None,
) -> int:
    """Create or change the schedule ``name``; returns its id.  A bad spec or zone is a
    ``UsageError`` (``schedule_bad_spec``, ``schedule_bad_timezone``).  The pending slot is
    kept unless the spec, zone or enabled flag changed; a disabled schedule has none.
    ``holidays``: company holidays for ``business`` specs (None: the store's setting)."""
    now = _db(now_utc)
    days = _holidays(store, holidays)
    first = spec_of.next_after(spec, now, spec_of.zone_of(timezone), days)  # validates
    with write(store) as tx:
        conn = tx.conn
        old = conn.execute(sa.select(schedules).where(schedules.c.name == name)).first()
        current = _row(old) if old is not None else None
        nxt: datetime | None = first if enabled else None
        unchanged = current and (current.spec, current.timezone, current.enabled) == (spec, timezone, enabled)
        if unchanged and current and current.next_run_at is not None and enabled:
            nxt = current.next_run_at
        values: dict[str, Any] = {
            "kind": kind,
            "payload_json": json.dumps(payload, ensure_ascii=False, sort_keys=True),
        }
        values |= {"spec": spec, "timezone": timezone, "enabled": enabled, "updated_at": now}
        values |= {"next_run_at": _db(nxt) if nxt else None}
        if current is not None:
            sid = current.id
            conn.execute(schedules.update().where(schedules.c.id == sid).values(**values))
        else:
            sid = reserve(conn, "schedules", 1)
            new = schedules.insert().values(id=sid, name=name, created_by=created_by, created_at=now)
            conn.execute(new.values(**values))
        tx.commit()
    return sid


def remove_schedule(store: Store, name: str) -> bool:
    """Delete the schedule ``name`` (its jobs stay); False if there was none."""
    with write(store) as tx:
        removed = bool(tx.conn.execute(schedules.delete().where(schedules.c.name == name)).rowcount)
        tx.commit()
    return removed


def fire_due(
    store: Store, now_utc: datetime, *, holidays: Iterable[date] | None = None, max_attempts: int = 3
) -> list[int]:
    """Enqueue one job for every due schedule, exactly once per slot however many runners
    call this at the same moment; returns the new job ids.

    Per schedule, in one write transaction: compare-and-set ``next_run_at`` from the value
    read to the first slot after now; only the runner whose update changed the row inserts
    the job, with ``due_at`` = the slot, and the unique (schedule_id, due_at) is the second
    guard (a violation means someone else fired it).  Slots missed while no runner ran fire
    once, for the latest missed slot: a 09:00 digest after a weekend outage runs once, with
    Monday's slot, not once per missed day.  A schedule whose spec no longer reads gets no
    next slot (it stays, never due, until it is saved again).  ``holidays``: company
    holidays for ``business`` specs (None: the store's setting, read only when one is due).

    Nothing due is the common case and only reads; the write lock is taken per due schedule.
    """
    now = _db(now_utc)
    fired: list[int] = []
    due = due_schedules(store, now)
    days = _holidays(store, holidays) if due else frozenset()
    for row in due:
        assert row.next_run_at is not None
        try:
            zone = spec_of.zone_of(row.timezone)
            nxt: datetime | None = spec_of.next_after(row.spec, now, zone, days)
            latest = spec_of.latest_at_or_before(row.spec, now, zone, days)
            slot: datetime | None = max(latest, row.next_run_at) if latest else row.next_run_at
        except RashinbanError:
            nxt = slot = None
        try:
            job_id = _fire(store, row, nxt, slot, now, max_attempts)
        except sa.exc.IntegrityError:  # DuckDB has no savepoints: the slot's job exists already
            continue
        if job_id is not None:
            fired.append(job_id)
    return fired


def _fire(
    store: Store,
    row: ScheduleRow,
    nxt: datetime | None,
    slot: datetime | None,
    now: datetime,
    max_attempts: int,
) -> int | None:
    assert row.next_run_at is not None
    s = schedules.c
    cas = schedules.update().where(s.id == row.id, s.next_run_at == _db(row.next_run_at))
    values = {"next_run_at": _db(nxt) if nxt else None, "updated_at": now}
    if slot is not None:
        values["last_run_at"] = _db(slot)
    with write(store) as tx:
        conn = tx.conn
        if conn.execute(cas.values(**values)).rowcount != 1:
            return None  # another runner fired it first
        job_id = None
        taken = sa.select(jobs.c.id).where(jobs.c.schedule_id == row.id, jobs.c.due_at == _db(slot or now))
        if slot is not None and conn.execute(taken).first() is None:
            job_id = _insert(store, conn, row, slot, now, max_attempts)
        tx.commit()
    return job_id


def _insert(
    store: Store, conn: sa.Connection, row: ScheduleRow, slot: datetime, now: datetime, max_attempts: int
) -> int | None:
    def insert() -> int:
        return enqueue(
            store,
            row.kind,
            row.payload,
            now_utc=now,
            max_attempts=max_attempts,
            created_by=f"schedule:{row.name}"[:100],
            schedule_id=row.id,
            due_at=slot,
            conn=conn,
        )

    if store.is_duckdb:
        return insert()
    try:
        with conn.begin_nested():
            return insert()
    except sa.exc.IntegrityError:
        return None  # someone else fired it: the schedule still moves on


__all__ = [
    "ScheduleRow",
    "due_schedules",
    "fire_due",
    "get_schedule",
    "list_schedules",
    "remove_schedule",
    "upsert_schedule",
]
