"""Alert rules in the store: listed, read, saved (inserted or updated), deleted (kept, marked).
Rules are read through a version-keyed cache, so their writes go through ``Store.write``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import alert_rules


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


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
            values = {"name": w.name, "kind": w.kind, "enabled": w.enabled, "spec_json": _dumps(w.spec)}
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


__all__ = ["RuleRow", "RuleWrite", "delete_rule", "get_rule", "list_rules", "save_rules"]
