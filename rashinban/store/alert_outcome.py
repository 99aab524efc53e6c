"""An evaluation's outcome in one transaction: alerts opened, kept (their latest values),
resolved, un-latched, un-snoozed and escalated, with their history and the notices of who
is to hear of them.  The unresolved keys are re-read inside the transaction, so two
evaluations racing never open the same key twice (the unique ``open_key`` is the second
guard).

A first evaluation of a large organisation opens thousands of alerts at once: rows go in as
one Arrow relation on DuckDB and as one ``executemany`` on PostgreSQL, and updates by id
go through a staged table — never a statement per alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from rashinban.store.alerts import UNRESOLVED, add_events, bulk_insert, dumps, open_key, state_write
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import alert_notices, alerts

CHUNK = 1000


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
    push: frozenset[int] | None = None  # users with a push channel (None: everyone's notices wait)


def _ids(conn: sa.Connection, cond: sa.ColumnElement[bool], among: Iterable[int]) -> list[int]:
    """The alerts among ``among`` that satisfy ``cond`` now (read inside the transaction)."""
    wanted, found = sorted(set(among)), []
    for i in range(0, len(wanted), CHUNK):
        q = sa.select(alerts.c.id).where(alerts.c.id.in_(wanted[i : i + CHUNK]), cond)
        found += [int(r[0]) for r in conn.execute(q)]
    return found


def _update(conn: sa.Connection, ids: list[int], **values: Any) -> None:
    for i in range(0, len(ids), CHUNK):
        conn.execute(alerts.update().where(alerts.c.id.in_(ids[i : i + CHUNK])).values(**values))


def apply_evaluation(store: Store, out: Outcome, now: datetime) -> dict[str, int]:
    """Write an evaluation's outcome in one transaction; returns counts."""
    a = alerts.c
    with state_write(store) as conn:
        taken = {str(r[0]) for r in conn.execute(sa.select(a.open_key).where(a.open_key.is_not(None)))}
        evts: list[tuple[int, str, str | None, dict[str, Any]]] = []
        notices: list[tuple[int, int, str]] = []
        fresh = [
            n for n in out.opened if open_key(n.rule_id, n.entity_type, n.entity_id, n.period) not in taken
        ]
        first = reserve(conn, "alerts", len(fresh)) if fresh else 0
        rows = []
        for i, n in enumerate(fresh):
            rows.append(
                {"id": first + i, "rule_id": n.rule_id, "kind": n.kind, "entity_type": n.entity_type}
                | {
                    "entity_id": n.entity_id,
                    "period": n.period,
                    "scope_type": n.scope[0],
                    "scope_id": n.scope[1],
                }
                | {"state": "open", "severity": n.severity, "latched": False, "code": n.code}
                | {"open_key": open_key(n.rule_id, n.entity_type, n.entity_id, n.period)}
                | {"params_json": dumps(n.params), "opened_at": now, "escalate_from": now, "updated_at": now}
            )
            evts.append((first + i, "opened", None, {"value": n.params.get("value")}))
            notices += [(first + i, u, "opened") for u in n.notify]
        bulk_insert(conn, alerts, rows)
        why = dict(out.resolved)
        gone = _ids(conn, a.state.in_(UNRESOLVED), why)
        for resolution in sorted({why[i] for i in gone}):
            ids = [i for i in gone if why[i] == resolution]
            _update(
                conn,
                ids,
                state="resolved",
                open_key=None,
                resolved_at=now,
                resolution=resolution,
                updated_at=now,
            )
        evts += [(i, "resolved", None, {"resolution": why[i]}) for i in gone]
        for i in range(0, len(gone), CHUNK):
            conn.execute(
                alert_notices.update()
                .where(alert_notices.c.alert_id.in_(gone[i : i + CHUNK]), alert_notices.c.state == "pending")
                .values(state="dropped")
            )
        _update(conn, sorted(set(out.unlatched)), latched=False)
        woke = dict(out.unsnoozed)
        awake = _ids(conn, a.state == "snoozed", woke)
        _update(conn, awake, state="open", snoozed_until=None, escalate_from=now, updated_at=now)
        evts += [(i, "unsnoozed", None, {}) for i in awake]
        notices += [(i, u, "unsnoozed") for i in awake for u in woke[i]]
        up = {i: (users, names) for i, users, names in out.escalated}
        raised = _ids(conn, sa.and_(a.state == "open", a.escalated_at.is_(None)), up)
        for i in raised:
            conn.execute(
                alerts.update().where(a.id == i).values(escalated_at=now, escalated_to=up[i][1][:400])
            )
        evts += [(i, "escalated", None, {"to": up[i][1]}) for i in raised]
        notices += [(i, u, "escalated") for i in raised for u in up[i][0]]
        _update_latest(conn, out.latest)
        _events(conn, evts, now)
        _notices(conn, notices, now, out.push)
    return {"opened": len(fresh), "resolved": len(gone), "unsnoozed": len(awake), "escalated": len(raised)}


def _update_latest(conn: sa.Connection, latest: dict[int, dict[str, Any]]) -> None:
    """Store the latest values of the alerts whose values changed since they were stored."""
    stored: dict[int, str | None] = {}
    ids = sorted(latest)
    for i in range(0, len(ids), CHUNK):
        q = sa.select(alerts.c.id, alerts.c.latest_json).where(alerts.c.id.in_(ids[i : i + CHUNK]))
        stored.update((int(r[0]), r[1]) for r in conn.execute(q))
    changed = [{"id": i, "latest_json": text} for i in ids if (text := dumps(latest[i])) != stored.get(i)]
    if not changed:
        return
    if conn.dialect.name == "duckdb":
        raw: Any = conn.connection.driver_connection
        data = pa.table(
            {"id": [c["id"] for c in changed], "latest_json": [c["latest_json"] for c in changed]}
        )
        raw.register("rashinban_alert_latest", data)
        try:
            raw.execute(
                "UPDATE alerts SET latest_json = t.latest_json"
                " FROM rashinban_alert_latest t WHERE alerts.id = t.id"
            )
        finally:
            raw.unregister("rashinban_alert_latest")
        return
    stmt = alerts.update().where(alerts.c.id == sa.bindparam("_id")).values(latest_json=sa.bindparam("_json"))
    conn.execute(stmt, [{"_id": c["id"], "_json": c["latest_json"]} for c in changed])


def _events(
    conn: sa.Connection, rows: list[tuple[int, str, str | None, dict[str, Any]]], now: datetime
) -> None:
    add_events(conn, rows, now)


def _notices(
    conn: sa.Connection, rows: list[tuple[int, int, str]], now: datetime, push: frozenset[int] | None
) -> None:
    """(alert id, user id, reason) rows: pending for users with a push channel, done at once
    (``in_app``: the inbox is the message) for the others."""
    if not rows:
        return
    first = reserve(conn, "alert_notices", len(rows))
    bulk_insert(
        conn,
        alert_notices,
        [
            {"id": first + i, "alert_id": a, "user_id": u, "reason": r, "created_at": now}
            | {"state": "pending" if push is None or u in push else "in_app", "batch": None}
            for i, (a, u, r) in enumerate(rows)
        ],
    )


__all__ = ["NewAlert", "Outcome", "apply_evaluation"]
