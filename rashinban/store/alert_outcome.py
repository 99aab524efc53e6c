"""An evaluation's outcome in one transaction: alerts opened, kept (their latest values),
resolved, un-latched, un-snoozed and escalated, with their history and the notices of who
is to hear of them.  The unresolved keys are re-read inside the transaction, so two
evaluations racing never open the same key twice (the unique ``open_key`` is the second
guard)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.alerts import UNRESOLVED, add_events, dumps, open_key
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import alert_notices, alerts


@dataclass(frozen=True)
class NewAlert:
    rule_id: int
    kind: str
    entity_type: str
    entity_id: str
    period: str
    scope: tuple[str, int]
    severity: str
    code: str
    params: dict[str, Any]
    notify: tuple[int, ...] = ()  # user ids to tell


@dataclass
class Outcome:
    opened: list[NewAlert] = field(default_factory=list)
    latest: dict[int, dict[str, Any]] = field(default_factory=dict)  # alert id → latest values
    resolved: list[tuple[int, str]] = field(default_factory=list)  # (alert id, resolution)
    unlatched: list[int] = field(default_factory=list)
    unsnoozed: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)  # (alert, users)
    escalated: list[tuple[int, tuple[int, ...], str]] = field(default_factory=list)  # (alert, users, names)


def apply_evaluation(store: Store, out: Outcome, now: datetime) -> dict[str, int]:
    """Write an evaluation's outcome in one transaction; returns counts."""
    a = alerts.c
    counts = {"opened": 0, "resolved": 0, "unsnoozed": 0, "escalated": 0}
    with store.write(timeout=60) as conn:
        taken = {str(r[0]) for r in conn.execute(sa.select(a.open_key).where(a.open_key.is_not(None)))}
        evts: list[tuple[int, str, str | None, dict[str, Any]]] = []
        notices: list[tuple[int, int, str]] = []
        fresh = [
            n for n in out.opened if open_key(n.rule_id, n.entity_type, n.entity_id, n.period) not in taken
        ]
        if fresh:
            first = reserve(conn, "alerts", len(fresh))
            rows = []
            for i, n in enumerate(fresh):
                key = open_key(n.rule_id, n.entity_type, n.entity_id, n.period)
                rows.append(
                    {"id": first + i, "rule_id": n.rule_id, "kind": n.kind, "entity_type": n.entity_type}
                    | {"entity_id": n.entity_id, "period": n.period, "scope_type": n.scope[0]}
                    | {"scope_id": n.scope[1], "state": "open", "severity": n.severity, "open_key": key}
                    | {"latched": False, "code": n.code, "params_json": dumps(n.params)}
                    | {"latest_json": None, "opened_at": now, "escalate_from": now, "updated_at": now}
                )
                evts.append((first + i, "opened", None, {"value": n.params.get("value")}))
                notices += [(first + i, u, "opened") for u in n.notify]
            for chunk in range(0, len(rows), 500):
                conn.execute(alerts.insert().values(rows[chunk : chunk + 500]))
        for alert_id, resolution in out.resolved:
            done = conn.execute(
                alerts.update()
                .where(a.id == alert_id, a.state.in_(UNRESOLVED))
                .values(
                    state="resolved", open_key=None, resolved_at=now, resolution=resolution, updated_at=now
                )
            ).rowcount
            if done:
                evts.append((alert_id, "resolved", None, {"resolution": resolution}))
        if out.resolved:
            ids = [i for i, _ in out.resolved]
            for chunk in range(0, len(ids), 500):
                conn.execute(
                    alert_notices.update()
                    .where(
                        alert_notices.c.alert_id.in_(ids[chunk : chunk + 500]),
                        alert_notices.c.state == "pending",
                    )
                    .values(state="dropped")
                )
        if out.unlatched:
            conn.execute(alerts.update().where(a.id.in_(out.unlatched)).values(latched=False))
        for alert_id, users in out.unsnoozed:
            done = conn.execute(
                alerts.update()
                .where(a.id == alert_id, a.state == "snoozed")
                .values(state="open", snoozed_until=None, escalate_from=now, updated_at=now)
            ).rowcount
            if done:
                evts.append((alert_id, "unsnoozed", None, {}))
                notices += [(alert_id, u, "unsnoozed") for u in users]
        for alert_id, users, names in out.escalated:
            done = conn.execute(
                alerts.update()
                .where(a.id == alert_id, a.state == "open", a.escalated_at.is_(None))
                .values(escalated_at=now, escalated_to=names[:400], updated_at=now)
            ).rowcount
            if done:
                evts.append((alert_id, "escalated", None, {"to": names}))
                notices += [(alert_id, u, "escalated") for u in users]
        _update_latest(conn, out.latest)
        add_events(conn, evts, now)
        add_notices(conn, notices, now)
        counts.update(opened=len(fresh), resolved=len(out.resolved), unsnoozed=len(out.unsnoozed))
        counts["escalated"] = len(out.escalated)
    return counts


def _update_latest(conn: sa.Connection, latest: dict[int, dict[str, Any]]) -> None:
    items = list(latest.items())
    for chunk in range(0, len(items), 400):
        part = items[chunk : chunk + 400]
        case = sa.case({i: dumps(v) for i, v in part}, value=alerts.c.id)
        conn.execute(alerts.update().where(alerts.c.id.in_([i for i, _ in part])).values(latest_json=case))


def add_notices(conn: sa.Connection, rows: list[tuple[int, int, str]], now: datetime) -> None:
    """(alert id, user id, reason) rows, pending."""
    if not rows:
        return
    first = reserve(conn, "alert_notices", len(rows))
    values = [
        {"id": first + i, "alert_id": a, "user_id": u, "reason": r, "state": "pending", "created_at": now}
        for i, (a, u, r) in enumerate(rows)
    ]
    for chunk in range(0, len(values), 500):
        conn.execute(alert_notices.insert().values(values[chunk : chunk + 500]))


__all__ = ["NewAlert", "Outcome", "add_notices", "apply_evaluation"]
