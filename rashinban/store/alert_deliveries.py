"""Who hears of alerts and how: users' delivery preferences, pending notices, deliveries.

A notice says "tell user U about alert A (opened / escalated / unsnoozed)".  A dispatch
groups a user's pending notices into one *batch* — one delivery per channel, holding the
rendered message — and the jobs runner sends each delivery (retrying with backoff).  A
delivery is sent at most once: the job checks its state before sending and records it
right after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.org.users import User
from rashinban.store.alerts import add_events, state_write
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import alert_deliveries, alert_notices, alert_preferences, users


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def active_users(store: Store) -> list[User]:
    q = sa.select(users).where(users.c.active.is_(True)).order_by(users.c.id)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [User(r.id, r.username, r.display_name, r.role, r.member_id, r.team_id, r.locale) for r in rows]


def member_emails(store: Store) -> dict[int, str]:
    q = "SELECT id, email FROM members WHERE email IS NOT NULL"
    with store.engine.connect() as conn:
        return {int(r[0]): str(r[1]) for r in conn.execute(sa.text(q))}


# preferences ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prefs:
    user_id: int
    channels: tuple[str, ...] = ()
    email: str | None = None
    slack_url: str | None = None
    teams_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None
    mode: str = "immediate"
    weekly_digest: bool = True
    stored: bool = False  # False: the defaults (nothing saved yet)

    def target(self, channel: str) -> str | None:
        return {
            "email": self.email,
            "slack": self.slack_url,
            "teams": self.teams_url,
            "webhook": self.webhook_url,
        }.get(channel)


def _prefs(r: sa.Row[Any]) -> Prefs:
    m = dict(r._mapping)
    channels = tuple(json.loads(m.pop("channels_json") or "[]"))
    m.pop("updated_at", None)
    m["weekly_digest"] = bool(m["weekly_digest"])
    return Prefs(channels=channels, stored=True, **m)


def all_prefs(store: Store) -> dict[int, Prefs]:
    with store.engine.connect() as conn:
        return {int(r.user_id): _prefs(r) for r in conn.execute(sa.select(alert_preferences))}


def save_prefs(store: Store, p: Prefs, now: datetime) -> None:
    values = {
        "channels_json": _dumps(list(p.channels)),
        "email": p.email,
        "slack_url": p.slack_url,
        "teams_url": p.teams_url,
        "webhook_url": p.webhook_url,
        "webhook_secret": p.webhook_secret,
        "quiet_start": p.quiet_start,
        "quiet_end": p.quiet_end,
        "mode": p.mode,
        "weekly_digest": p.weekly_digest,
        "updated_at": now,
    }
    with state_write(store) as conn:
        conn.execute(sa.delete(alert_preferences).where(alert_preferences.c.user_id == p.user_id))
        conn.execute(alert_preferences.insert().values(user_id=p.user_id, **values))


# notices ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Notice:
    id: int
    alert_id: int
    user_id: int
    reason: str
    created_at: datetime


def pending_notices(store: Store) -> list[Notice]:
    q = sa.select(alert_notices).where(alert_notices.c.state == "pending").order_by(alert_notices.c.id)
    with store.engine.connect() as conn:
        return [Notice(r.id, r.alert_id, r.user_id, r.reason, r.created_at) for r in conn.execute(q)]


def close_notices(store: Store, ids: list[int], state: str) -> None:
    """Mark notices done without a delivery (``in_app``: the user has no push channel;
    ``dropped``: nothing left to tell)."""
    with state_write(store) as conn:
        for chunk in range(0, len(ids), 2000):
            conn.execute(
                alert_notices.update()
                .where(alert_notices.c.id.in_(ids[chunk : chunk + 2000]), alert_notices.c.state == "pending")
                .values(state=state)
            )


# deliveries -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewDelivery:
    user_id: int
    channel: str
    kind: str  # alerts | digest | weekly | test
    target: str
    message: dict[str, Any]  # Message.to_json()
    alert_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    batch: int
    user_id: int
    channel: str
    kind: str
    state: str
    target: str
    message: dict[str, Any]
    alert_ids: tuple[int, ...]
    attempts: int
    error: dict[str, Any] | None
    job_id: int | None
    created_at: datetime
    sent_at: datetime | None


def _delivery(r: sa.Row[Any]) -> DeliveryRow:
    m = dict(r._mapping)
    m.pop("updated_at", None)
    m["message"] = json.loads(m.pop("message_json"))
    m["alert_ids"] = tuple(json.loads(m.pop("alert_ids_json") or "[]"))
    err = m.pop("error_json")
    m["error"] = json.loads(err) if err else None
    return DeliveryRow(**m)


def create_batch(
    store: Store,
    deliveries: list[NewDelivery],
    notice_ids: list[int],
    now: datetime,
    enqueue: Any,
) -> list[int]:
    """Store one batch of deliveries, mark its notices sent, and queue a job per delivery
    (``enqueue(conn, delivery_id) -> job id``, inside the same transaction): a crash leaves
    either all of it or none."""
    if not deliveries and not notice_ids:
        return []
    with state_write(store) as conn:
        batch = _next_batch(conn)
        ids: list[int] = []
        if deliveries:
            first = reserve(conn, "alert_deliveries", len(deliveries))
            for i, d in enumerate(deliveries):
                did = first + i
                conn.execute(
                    alert_deliveries.insert().values(
                        id=did,
                        batch=batch,
                        user_id=d.user_id,
                        channel=d.channel,
                        kind=d.kind,
                        state="queued",
                        target=d.target,
                        message_json=_dumps(d.message),
                        alert_ids_json=_dumps(list(d.alert_ids)),
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                job_id = enqueue(conn, did)
                conn.execute(
                    alert_deliveries.update().where(alert_deliveries.c.id == did).values(job_id=job_id)
                )
                ids.append(did)
        for chunk in range(0, len(notice_ids), 500):
            conn.execute(
                alert_notices.update()
                .where(alert_notices.c.id.in_(notice_ids[chunk : chunk + 500]))
                .values(state="sent" if deliveries else "in_app", batch=batch)
            )
    return ids


def _next_batch(conn: sa.Connection) -> int:
    q = sa.select(sa.func.coalesce(sa.func.max(alert_deliveries.c.batch), 0) + 1)
    return int(conn.execute(q).scalar_one())


def get_delivery(store: Store, delivery_id: int) -> DeliveryRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(alert_deliveries).where(alert_deliveries.c.id == delivery_id)).first()
    return _delivery(row) if row is not None else None


def list_deliveries(store: Store, user_id: int | None = None, limit: int = 50) -> list[DeliveryRow]:
    q = sa.select(alert_deliveries).order_by(alert_deliveries.c.id.desc()).limit(limit)
    if user_id is not None:
        q = q.where(alert_deliveries.c.user_id == user_id)
    with store.engine.connect() as conn:
        return [_delivery(r) for r in conn.execute(q)]


def weekly_sent_since(store: Store, since: datetime) -> set[int]:
    """Users with a weekly digest queued (or sent) since ``since``."""
    d = alert_deliveries.c
    q = sa.select(d.user_id).where(d.kind == "weekly", d.created_at >= since).distinct()
    with store.engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(q)}


def record_attempt(
    store: Store, delivery_id: int, now: datetime, *, error: dict[str, Any] | None, final: bool
) -> None:
    """One attempt's outcome: sent (``error`` None), or failed (kept queued for the retry,
    or ``failed`` when it was the last).  A sent delivery puts a ``delivered`` event on each
    of its alerts."""
    d = alert_deliveries.c
    with state_write(store) as conn:
        row = conn.execute(sa.select(alert_deliveries).where(d.id == delivery_id)).first()
        if row is None or row.state == "sent":
            return
        values: dict[str, Any] = {"attempts": row.attempts + 1, "updated_at": now}
        if error is None:
            values |= {"state": "sent", "sent_at": now, "error_json": None}
        else:
            values |= {"state": "failed" if final else "queued", "error_json": _dumps(error)}
        conn.execute(alert_deliveries.update().where(d.id == delivery_id).values(**values))
        if error is None:
            data = {"channel": row.channel, "delivery": delivery_id, "user_id": row.user_id}
            add_events(conn, [(int(a), "delivered", None, data) for a in json.loads(row.alert_ids_json)], now)


__all__ = [
    "DeliveryRow",
    "NewDelivery",
    "Notice",
    "Prefs",
    "active_users",
    "all_prefs",
    "close_notices",
    "create_batch",
    "get_delivery",
    "list_deliveries",
    "member_emails",
    "pending_notices",
    "record_attempt",
    "save_prefs",
    "weekly_sent_since",
]
