"""The audit log: security and configuration events beside the import's row changes.

An event is one ``audit_log`` row: when, who (name and user id), from where (the client
address), what (``action``: ``login``, ``user_updated``, …; ``category``: security | config
| data), on which row (``table_name``, ``row_key``), what changed (``before_json`` →
``after_json``) and anything else (``detail_json``).  Ids come from ``audit_log_seq``, so
an event can be written inside a change's own transaction (:func:`record`) or on its own
without waiting for the writers' lock (:func:`record_now`: sign-ins, refusals).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import audit_log

SECURITY, CONFIG, DATA = "security", "config", "data"


@dataclass(frozen=True)
class Event:
    action: str
    category: str
    actor: str | None = None
    actor_id: int | None = None
    address: str | None = None
    table: str | None = None
    key: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    import_run_id: int | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Fraction | Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def record(conn: sa.Connection, event: Event, at: datetime) -> None:
    """Write ``event`` inside the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            id=sa.literal_column("nextval('audit_log_seq')"),
            occurred_at=at,
            actor=(event.actor or None) and event.actor[:100],
            actor_id=event.actor_id,
            action=event.action[:40],
            category=event.category,
            address=(event.address or None) and event.address[:64],
            table_name=event.table,
            row_key=(event.key or None) and str(event.key)[:200],
            before_json=_json(event.before),
            after_json=_json(event.after),
            detail_json=_json(event.detail) if event.detail else None,
            import_run_id=event.import_run_id,
        )
    )


def record_now(store: Store, event: Event, at: datetime) -> None:
    """Write ``event`` in a transaction of its own (no wait for the writers' lock)."""
    with store.side_write() as conn:
        record(conn, event, at)


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor: str | None
    actor_id: int | None
    action: str
    category: str | None
    address: str | None
    table_name: str | None
    row_key: str | None
    before: Any
    after: Any
    detail: Any
    import_run_id: int | None


def _load(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def query(
    store: Store,
    *,
    actions: list[str] | None = None,
    category: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditRow]:
    """Events newest first, filtered; ``before_id`` pages back."""
    a = audit_log
    q = sa.select(a).order_by(a.c.id.desc()).limit(limit)
    if actions:
        q = q.where(a.c.action.in_(actions))
    if category:
        q = (
            q.where(a.c.category == category)
            if category != DATA
            else q.where(sa.or_(a.c.category == DATA, a.c.category.is_(None)))
        )
    if actor:
        q = q.where(sa.func.lower(a.c.actor) == actor.casefold())
    if since is not None:
        q = q.where(a.c.occurred_at >= since)
    if until is not None:
        q = q.where(a.c.occurred_at < until)
    if before_id is not None:
        q = q.where(a.c.id < before_id)
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(
            sa.or_(
                a.c.row_key.ilike(like, escape="\\"),
                a.c.before_json.ilike(like, escape="\\"),
                a.c.after_json.ilike(like, escape="\\"),
                a.c.detail_json.ilike(like, escape="\\"),
                a.c.address.ilike(like, escape="\\"),
            )
        )
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        AuditRow(
            int(r.id),
            r.occurred_at,
            r.actor,
            r.actor_id,
            r.action,
            r.category,
            r.address,
            r.table_name,
            r.row_key,
            _load(r.before_json),
            _load(r.after_json),
            _load(r.detail_json),
            r.import_run_id,
        )
        for r in rows
    ]


def count(store: Store, action: str | None = None) -> int:
    q = sa.select(sa.func.count()).select_from(audit_log)
    if action:
        q = q.where(audit_log.c.action == action)
    with store.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())
