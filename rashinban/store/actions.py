"""Action items, 1on1s and KPI revision proposals (tables of migration 0011)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import action_items, kpi_revisions, one_on_ones, users

A, OO, R = action_items, one_on_ones, kpi_revisions
OPEN_STATES = ("open", "in_progress")


def _num(v: Any) -> Fraction | None:
    return Fraction(Decimal(v)) if v is not None else None


def _dec(v: Fraction | None) -> Decimal | None:
    if v is None:
        return None
    return (Decimal(v.numerator) / Decimal(v.denominator)).quantize(Decimal("0.000001"))


def _action(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["expected_change"] = _num(m["expected_change"])
    return m


# action items ---------------------------------------------------------------------------
def create_action(store: Store, values: dict[str, Any], now: datetime) -> int:
    with store.write() as conn:
        aid = reserve(conn, "action_items", 1)
        row = dict(values)
        row["expected_change"] = _dec(row.get("expected_change"))
        conn.execute(A.insert().values(id=aid, created_at=now, updated_at=now, **row))
    return aid


def get_action(store: Store, action_id: int) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(A).where(A.c.id == action_id)).first()
    return _action(row) if row is not None else None


def list_actions(
    store: Store,
    *,
    owner: int | None = None,
    meeting: int | None = None,
    one_on_one: int | None = None,
    scopes: Iterable[tuple[str, int]] | None = None,
    states: Iterable[str] | None = None,
    due_before: date | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    q = sa.select(A).order_by(A.c.due_on, A.c.id).limit(limit)
    if owner is not None:
        q = q.where(A.c.owner_user_id == owner)
    if meeting is not None:
        q = q.where(A.c.meeting_id == meeting)
    if one_on_one is not None:
        q = q.where(A.c.one_on_one_id == one_on_one)
    if states is not None:
        q = q.where(A.c.status.in_(list(states)))
    if due_before is not None:
        q = q.where(A.c.due_on < due_before)
    if scopes is not None:
        keys = list(scopes)
        if not keys:
            return []
        q = q.where(sa.tuple_(A.c.scope_type, A.c.scope_id).in_(keys))
    with store.engine.connect() as conn:
        return [_action(r) for r in conn.execute(q)]


def update_action(store: Store, action_id: int, now: datetime, **values: Any) -> None:
    if "expected_change" in values:
        values["expected_change"] = _dec(values["expected_change"])
    with store.write() as conn:
        conn.execute(A.update().where(A.c.id == action_id).values(updated_at=now, **values))


def mark_escalated(store: Store, ids: list[int], to: str, now: datetime) -> None:
    if not ids:
        return
    with store.write() as conn:
        conn.execute(A.update().where(A.c.id.in_(ids)).values(escalated_at=now, escalated_to=to[:400]))


def count_actions(store: Store, since: datetime | None = None) -> int:
    q = sa.select(sa.func.count()).select_from(A)
    if since is not None:
        q = q.where(A.c.created_at >= since)
    with store.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


# 1on1s ----------------------------------------------------------------------------------
def _one(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["snapshot"] = json.loads(m.pop("snapshot_json") or "{}")
    return m


def create_one_on_one(store: Store, values: dict[str, Any], snapshot: dict[str, Any], now: datetime) -> int:
    with store.write() as conn:
        oid = reserve(conn, "one_on_ones", 1)
        conn.execute(
            OO.insert().values(
                id=oid,
                snapshot_json=json.dumps(snapshot, ensure_ascii=False, default=str),
                created_at=now,
                updated_at=now,
                **values,
            )
        )
    return oid


def get_one_on_one(store: Store, one_id: int) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(OO).where(OO.c.id == one_id)).first()
    return _one(row) if row is not None else None


def list_one_on_ones(
    store: Store, member: int | None = None, manager: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    cols = [c for c in OO.c if c.name not in ("snapshot_json", "private_notes")]
    q = sa.select(*cols).order_by(OO.c.held_on.desc(), OO.c.id.desc()).limit(limit)
    if member is not None:
        q = q.where(OO.c.member_id == member)
    if manager is not None:
        q = q.where(OO.c.manager_user_id == manager)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def update_one_on_one(store: Store, one_id: int, now: datetime, **values: Any) -> None:
    with store.write() as conn:
        conn.execute(OO.update().where(OO.c.id == one_id).values(updated_at=now, **values))


# KPI revisions --------------------------------------------------------------------------
def _rev(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["old_value"], m["new_value"] = _num(m["old_value"]), _num(m["new_value"])
    return m


def propose(store: Store, values: dict[str, Any], now: datetime) -> int:
    with store.write() as conn:
        rid = reserve(conn, "kpi_revisions", 1)
        row = dict(values)
        row["old_value"], row["new_value"] = _dec(row.get("old_value")), _dec(row.get("new_value"))
        conn.execute(R.insert().values(id=rid, state="proposed", proposed_at=now, **row))
    return rid


def get_revision(store: Store, rev_id: int) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(R).where(R.c.id == rev_id)).first()
    return _rev(row) if row is not None else None


def list_revisions(
    store: Store, meeting: int | None = None, since: datetime | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    q = sa.select(R).order_by(R.c.proposed_at.desc(), R.c.id.desc()).limit(limit)
    if meeting is not None:
        q = q.where(R.c.meeting_id == meeting)
    if since is not None:
        q = q.where(R.c.proposed_at >= since)
    with store.engine.connect() as conn:
        return [_rev(r) for r in conn.execute(q)]


def decide(store: Store, rev_id: int, state: str, who: str | None, now: datetime, **values: Any) -> bool:
    """Mark a proposal applied or rejected (False: it was decided before)."""
    with store.write() as conn:
        done = conn.execute(
            R.update()
            .where(R.c.id == rev_id, R.c.state == "proposed")
            .values(state=state, decided_by=who, decided_at=now, **values)
        )
        return bool(done.rowcount)


# users ----------------------------------------------------------------------------------
def user_names(store: Store) -> dict[int, str]:
    """Every user's display name (or user name), by id."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.id, users.c.username, users.c.display_name)).all()
    return {int(r.id): str(r.display_name or r.username) for r in rows}


def member_users(store: Store) -> dict[int, list[int]]:
    """Active users by the member they are (member id → user ids)."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(users.c.id, users.c.member_id).where(users.c.active, users.c.member_id.is_not(None))
        ).all()
    out: dict[int, list[int]] = {}
    for r in rows:
        out.setdefault(int(r.member_id), []).append(int(r.id))
    return out


__all__ = [
    "OPEN_STATES",
    "count_actions",
    "create_action",
    "create_one_on_one",
    "decide",
    "get_action",
    "get_one_on_one",
    "get_revision",
    "list_actions",
    "list_one_on_ones",
    "list_revisions",
    "mark_escalated",
    "member_users",
    "propose",
    "update_action",
    "update_one_on_one",
    "user_names",
]
