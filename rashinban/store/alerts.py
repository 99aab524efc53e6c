"""Alert rules, alerts and their history in the store.

Every write is one ``Store.write()`` transaction (the data version moves with it).  An
evaluation's outcome — alerts opened, kept, resolved, un-snoozed, escalated, and who is to
hear of them — is applied in one transaction by :func:`apply_evaluation`, which re-reads the
unresolved keys inside it, so two evaluations racing never open the same key twice (the
unique ``open_key`` is the second guard).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from rashinban.store.alert_rules import RuleRow, RuleWrite, delete_rule, get_rule, list_rules, save_rules
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import alert_events, alert_notices, alerts
from rashinban.store.version import bump_alerts

UNRESOLVED = ("open", "acknowledged", "snoozed")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@contextmanager
def state_write(store: Store, timeout: float = 60.0) -> Iterator[sa.Connection]:
    """A write of the alerts' own state (alerts, their history, notices, deliveries,
    preferences): serialised with every other writer (ids come from ``max(id)``) and
    committed without bumping the data version, so an hourly evaluation does not throw
    away every worker's dashboards and scopes; it bumps the alerts version instead, on which
    the inbox badge's count is cached (the inbox itself is read live).  (Rules are cached:
    they are written with ``Store.write``.)"""
    with store.engine.connect() as conn, store.transaction(conn, timeout) as tx:
        yield conn
        bump_alerts(conn)
        tx.trans.commit()


def open_key(rule_id: int, entity_type: str, entity_id: str, period: str) -> str:
    return f"{rule_id}|{entity_type}|{entity_id}|{period}"[:240]


# alerts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertRow:
    id: int
    rule_id: int
    kind: str
    entity_type: str
    entity_id: str
    period: str
    scope_type: str
    scope_id: int
    state: str
    severity: str
    latched: bool
    code: str
    params: dict[str, Any]
    latest: dict[str, Any] | None
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    snoozed_until: date | None
    snooze_reason: str | None
    escalate_from: datetime | None
    escalated_at: datetime | None
    escalated_to: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    resolve_note: str | None
    updated_at: datetime

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.entity_type, self.entity_id, self.period)

    @property
    def unresolved(self) -> bool:
        return self.state in UNRESOLVED


def _alert(r: sa.Row[Any]) -> AlertRow:
    m = dict(r._mapping)
    m.pop("open_key", None)
    m["params"] = json.loads(m.pop("params_json") or "{}")
    latest = m.pop("latest_json")
    m["latest"] = json.loads(latest) if latest else None
    m["latched"] = bool(m["latched"])
    return AlertRow(**m)


def unresolved_alerts(store: Store) -> list[AlertRow]:
    """Every unresolved alert, plus the resolved ones still latched (resolved by hand while
    their condition held)."""
    q = sa.select(alerts).where(sa.or_(alerts.c.state.in_(UNRESOLVED), alerts.c.latched.is_(True)))
    with store.engine.connect() as conn:
        return [_alert(r) for r in conn.execute(q.order_by(alerts.c.id))]


@dataclass(frozen=True)
class LiveAlert:
    """What an evaluation needs of an unresolved (or latched) alert — no message values."""

    id: int
    rule_id: int
    entity_type: str
    entity_id: str
    period: str
    scope_type: str
    scope_id: int
    state: str
    latched: bool
    opened_at: datetime
    snoozed_until: date | None
    escalate_from: datetime | None
    escalated_at: datetime | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.entity_type, self.entity_id, self.period)

    @property
    def unresolved(self) -> bool:
        return self.state in UNRESOLVED


def live_alerts(store: Store) -> list[LiveAlert]:
    """The unresolved alerts and the latched ones, without their values (one light read)."""
    a = alerts.c
    cols = [a.id, a.rule_id, a.entity_type, a.entity_id, a.period, a.scope_type, a.scope_id, a.state]
    cols += [a.latched, a.opened_at, a.snoozed_until, a.escalate_from, a.escalated_at]
    q = sa.select(*cols).where(sa.or_(a.state.in_(UNRESOLVED), a.latched.is_(True))).order_by(a.id)
    with store.engine.connect() as conn:
        return [LiveAlert(*r) for r in conn.execute(q)]


def get_alert(store: Store, alert_id: int) -> AlertRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    return _alert(row) if row is not None else None


def alerts_by_id(store: Store, ids: Iterable[int]) -> dict[int, AlertRow]:
    wanted = sorted(set(ids))
    out: dict[int, AlertRow] = {}
    with store.engine.connect() as conn:
        for chunk in range(0, len(wanted), 1000):
            q = sa.select(alerts).where(alerts.c.id.in_(wanted[chunk : chunk + 1000]))
            out.update((r.id, _alert(r)) for r in conn.execute(q))
    return out


def _visible(scopes: frozenset[tuple[str, int]] | None) -> sa.ColumnElement[bool]:
    if scopes is None:
        return sa.true()
    parts: list[sa.ColumnElement[bool]] = []
    for stype in ("company", "team", "member"):
        ids = sorted(i for t, i in scopes if t == stype)
        if ids:
            parts.append(sa.and_(alerts.c.scope_type == stype, alerts.c.scope_id.in_(ids)))
    return sa.or_(*parts) if parts else sa.false()


def list_alerts(
    store: Store,
    scopes: frozenset[tuple[str, int]] | None,
    states: Iterable[str] | None = UNRESOLVED,
    *,
    rule_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AlertRow], int]:
    """Alerts of the given scopes (None: all), newest first, and how many match."""
    cond = _visible(scopes)
    if states is not None:
        cond = sa.and_(cond, alerts.c.state.in_(list(states)))
    if rule_id is not None:
        cond = sa.and_(cond, alerts.c.rule_id == rule_id)
    if kind is not None:
        cond = sa.and_(cond, alerts.c.kind == kind)
    q = sa.select(alerts).where(cond).order_by(alerts.c.opened_at.desc(), alerts.c.id.desc())
    with store.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(alerts).where(cond)).scalar_one())
        rows = [_alert(r) for r in conn.execute(q.limit(limit).offset(offset))]
    return rows, total


def count_unacknowledged(store: Store, scopes: frozenset[tuple[str, int]] | None) -> int:
    cond = sa.and_(_visible(scopes), alerts.c.state == "open")
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(alerts).where(cond)).scalar_one())


def rule_alerts(store: Store, rule_id: int) -> list[AlertRow]:
    q = sa.select(alerts).where(alerts.c.rule_id == rule_id).order_by(alerts.c.opened_at, alerts.c.id)
    with store.engine.connect() as conn:
        return [_alert(r) for r in conn.execute(q)]


def snoozed_alert_ids(store: Store, alert_ids: Iterable[int] | None = None) -> set[int]:
    """Alerts that were ever snoozed."""
    q = sa.select(alert_events.c.alert_id).where(alert_events.c.event == "snoozed").distinct()
    with store.engine.connect() as conn:
        found = {int(r[0]) for r in conn.execute(q)}
    return found if alert_ids is None else found & set(alert_ids)


# events ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class EventRow:
    id: int
    alert_id: int
    at: datetime
    event: str
    actor: str | None
    data: dict[str, Any]


def events(store: Store, alert_id: int) -> list[EventRow]:
    q = sa.select(alert_events).where(alert_events.c.alert_id == alert_id)
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(alert_events.c.occurred_at, alert_events.c.id)).all()
    return [
        EventRow(r.id, r.alert_id, r.occurred_at, r.event, r.actor, json.loads(r.data_json or "{}"))
        for r in rows
    ]


def bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the caller's transaction (every column of ``table`` given)."""
    if not rows:
        return
    cols = [c.name for c in table.columns]
    if conn.dialect.name == "duckdb":
        types = {c.name: _arrow_type(c.type) for c in table.columns}
        data = pa.table({c: pa.array([r.get(c) for r in rows], type=types[c]) for c in cols})
        raw: Any = conn.connection.driver_connection
        raw.from_arrow(data).insert_into(table.name)
        return
    conn.execute(table.insert(), [{c: r.get(c) for c in cols} for r in rows])


def _arrow_type(t: sa.types.TypeEngine[Any]) -> pa.DataType:
    if isinstance(t, sa.BigInteger | sa.Integer):
        return pa.int64()
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.DateTime):
        return pa.timestamp("us")
    if isinstance(t, sa.Date):
        return pa.date32()
    return pa.string()


def add_events(
    conn: sa.Connection, rows: list[tuple[int, str, str | None, dict[str, Any]]], now: datetime
) -> None:
    """(alert id, event, actor, data) rows, inside the caller's write transaction."""
    if not rows:
        return
    first = reserve(conn, "alert_events", len(rows))
    values = [
        {"id": first + i, "alert_id": a, "occurred_at": now, "event": e, "actor": actor}
        | {"data_json": dumps(d) if d else None}
        for i, (a, e, actor, d) in enumerate(rows)
    ]
    bulk_insert(conn, alert_events, values)


# actions by people --------------------------------------------------------------------------
def act(
    store: Store,
    alert_id: int,
    action: str,
    actor: str,
    now: datetime,
    *,
    until: date | None = None,
    note: str | None = None,
) -> AlertRow | None:
    """acknowledge | snooze (until, note = reason) | resolve (note); None when the alert is
    already resolved.  Recorded in the alert's history."""
    a = alerts.c
    with state_write(store) as conn:
        row = conn.execute(sa.select(alerts).where(a.id == alert_id)).first()
        if row is None or row.state not in UNRESOLVED:
            return None
        values: dict[str, Any] = {"updated_at": now}
        data: dict[str, Any] = {}
        if action == "acknowledge":
            values |= {"state": "acknowledged", "acknowledged_at": now, "acknowledged_by": actor}
        elif action == "snooze":
            values |= {"state": "snoozed", "snoozed_until": until, "snooze_reason": note}
            data = {"until": until.isoformat() if until else None, "reason": note}
        else:
            values |= {"state": "resolved", "open_key": None, "latched": True, "resolved_at": now}
            values |= {"resolved_by": actor, "resolution": "manual", "resolve_note": note}
            data = {"note": note, "resolution": "manual"}
        conn.execute(alerts.update().where(a.id == alert_id).values(**values))
        add_events(conn, [(alert_id, _past(action), actor, data)], now)
        # whoever acted knows: nobody needs a message about it any more
        conn.execute(
            alert_notices.update()
            .where(alert_notices.c.alert_id == alert_id, alert_notices.c.state == "pending")
            .values(state="dropped")
        )
        fresh = conn.execute(sa.select(alerts).where(a.id == alert_id)).first()
    return _alert(fresh) if fresh is not None else None


def _past(action: str) -> str:
    return {"acknowledge": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}[action]


__all__ = [
    "UNRESOLVED",
    "AlertRow",
    "EventRow",
    "LiveAlert",
    "RuleRow",
    "RuleWrite",
    "act",
    "add_events",
    "alerts_by_id",
    "bulk_insert",
    "count_unacknowledged",
    "delete_rule",
    "events",
    "get_alert",
    "get_rule",
    "list_alerts",
    "list_rules",
    "live_alerts",
    "open_key",
    "rule_alerts",
    "save_rules",
    "snoozed_alert_ids",
    "state_write",
    "unresolved_alerts",
]
