"""Alert rules, alerts and their history in the store.

Every write is one ``Store.write()`` transaction (the data version moves with it).  An
evaluation's outcome — alerts opened, kept, resolved, un-snoozed, escalated, and who is to
hear of them — is applied in one transaction by :func:`apply_evaluation`, which re-reads the
unresolved keys inside it, so two evaluations racing never open the same key twice (the
unique ``open_key`` is the second guard).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import alert_events, alert_notices, alert_rules, alerts

UNRESOLVED = ("open", "acknowledged", "snoozed")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def open_key(rule_id: int, entity_type: str, entity_id: str, period: str) -> str:
    return f"{rule_id}|{entity_type}|{entity_id}|{period}"[:240]


# rules ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleRow:
    id: int
    name: str
    kind: str
    enabled: bool
    spec: dict[str, Any]
    origin: str
    deleted: bool
    created_by: str | None
    created_at: datetime
    updated_by: str | None
    updated_at: datetime


def _rule(r: sa.Row[Any]) -> RuleRow:
    m = dict(r._mapping)
    m["spec"] = json.loads(m.pop("spec_json"))
    m["enabled"], m["deleted"] = bool(m["enabled"]), bool(m["deleted"])
    return RuleRow(**m)


def list_rules(store: Store, include_deleted: bool = False) -> list[RuleRow]:
    q = sa.select(alert_rules).order_by(alert_rules.c.id)
    if not include_deleted:
        q = q.where(alert_rules.c.deleted.is_(False))
    with store.engine.connect() as conn:
        return [_rule(r) for r in conn.execute(q)]


def get_rule(store: Store, rule_id: int) -> RuleRow | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(alert_rules).where(alert_rules.c.id == rule_id)).first()
    return _rule(row) if row is not None else None


@dataclass(frozen=True)
class RuleWrite:
    name: str
    kind: str
    enabled: bool
    spec: dict[str, Any]
    origin: str = "store"


def save_rules(
    store: Store, writes: Iterable[tuple[int | None, RuleWrite]], actor: str | None, now: datetime
) -> list[int]:
    """Insert (id None) or update rules in one transaction; returns their ids."""
    ids: list[int] = []
    with store.write() as conn:
        for given, w in writes:
            rule_id = given
            values = {"name": w.name, "kind": w.kind, "enabled": w.enabled, "spec_json": dumps(w.spec)}
            values |= {"origin": w.origin, "updated_by": actor, "updated_at": now, "deleted": False}
            if rule_id is None:
                rule_id = reserve(conn, "alert_rules", 1)
                conn.execute(
                    alert_rules.insert().values(id=rule_id, created_by=actor, created_at=now, **values)
                )
            else:
                conn.execute(alert_rules.update().where(alert_rules.c.id == rule_id).values(**values))
            ids.append(rule_id)
    return ids


def delete_rule(store: Store, rule_id: int, actor: str | None, now: datetime) -> bool:
    """Mark the rule deleted (its alerts and their history stay; the next evaluation resolves
    what is unresolved)."""
    with store.write() as conn:
        done = conn.execute(
            alert_rules.update()
            .where(alert_rules.c.id == rule_id, alert_rules.c.deleted.is_(False))
            .values(deleted=True, enabled=False, updated_by=actor, updated_at=now)
        ).rowcount
    return bool(done)


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
    return [EventRow(r.id, r.alert_id, r.occurred_at, r.event, r.actor, json.loads(r.data_json or "{}")) for r in rows]


def add_events(
    conn: sa.Connection, rows: list[tuple[int, str, str | None, dict[str, Any]]], now: datetime
) -> None:
    """(alert id, event, actor, data) rows, inside the caller's write transaction."""
    if not rows:
        return
    first = reserve(conn, "alert_events", len(rows))
    values = [
        {
            "id": first + i,
            "alert_id": a,
            "occurred_at": now,
            "event": e,
            "actor": actor,
            "data_json": dumps(d) if d else None,
        }
        for i, (a, e, actor, d) in enumerate(rows)
    ]
    conn.execute(alert_events.insert().values(values))


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
    with store.write() as conn:
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
    "RuleRow",
    "RuleWrite",
    "act",
    "add_events",
    "alerts_by_id",
    "count_unacknowledged",
    "delete_rule",
    "events",
    "get_alert",
    "get_rule",
    "list_alerts",
    "list_rules",
    "open_key",
    "rule_alerts",
    "save_rules",
    "snoozed_alert_ids",
    "unresolved_alerts",
]
