"""Targets with revisions: every change is a new row with its author, reason and time.

The current target of (model, node, scope, period, tier) is the row with the highest
revision.  Saving a value equal to the current one writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from rashinban.store import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import targets

Key = tuple[str, str, int | None, str]  # node, scope_type, scope_id, period


@dataclass(frozen=True)
class TargetRow:
    node: str
    scope_type: str
    scope_id: int | None
    period: str
    value: Fraction
    tier: str = "target"


@dataclass(frozen=True)
class Revision:
    node: str
    scope_type: str
    scope_id: int | None
    period: str
    tier: str
    revision: int
    value: Fraction
    previous: Fraction | None
    author: str | None
    reason: str | None
    created_at: datetime


def _dec(v: Fraction) -> Decimal:
    return (Decimal(v.numerator) / Decimal(v.denominator)).quantize(Decimal("0.000001"))


def current_targets(
    store: Store, model: str, periods: Iterable[str] | None = None, tier: str = "target"
) -> dict[Key, Fraction]:
    t = targets
    latest = (
        sa.select(t.c.node, t.c.scope_type, t.c.scope_id, t.c.period, sa.func.max(t.c.revision).label("rev"))
        .where(t.c.model == model, t.c.tier == tier)
        .group_by(t.c.node, t.c.scope_type, t.c.scope_id, t.c.period)
    )
    if periods is not None:
        latest = latest.where(t.c.period.in_(list(periods)))
    sub = latest.subquery()
    q = (
        sa.select(t.c.node, t.c.scope_type, t.c.scope_id, t.c.period, t.c.value)
        .join(
            sub,
            sa.and_(
                t.c.node == sub.c.node,
                t.c.scope_type == sub.c.scope_type,
                sa.func.coalesce(t.c.scope_id, -1) == sa.func.coalesce(sub.c.scope_id, -1),
                t.c.period == sub.c.period,
                t.c.revision == sub.c.rev,
            ),
        )
        .where(t.c.model == model, t.c.tier == tier)
    )
    with store.engine.connect() as conn:
        return {
            (r.node, r.scope_type, r.scope_id, r.period): Fraction(Decimal(r.value)) for r in conn.execute(q)
        }


def save_targets(
    store: Store,
    model: str,
    rows: list[TargetRow],
    author: str | None,
    reason: str | None,
    now: datetime,
    model_version: int | None = None,
) -> int:
    """Write a new revision of every target whose value changed; returns how many rows.
    ``model_version``: the stored model version the plan was made with."""
    with store.write() as conn:
        t = targets
        existing: dict[tuple[str, str, int | None, str, str], tuple[int, Fraction]] = {}
        for r in conn.execute(
            sa.select(
                t.c.node, t.c.scope_type, t.c.scope_id, t.c.period, t.c.tier, t.c.revision, t.c.value
            ).where(t.c.model == model)
        ):
            key = (r.node, r.scope_type, r.scope_id, r.period, r.tier)
            if key not in existing or r.revision > existing[key][0]:
                existing[key] = (r.revision, Fraction(Decimal(r.value)))
        new = []
        for row in rows:
            key = (row.node, row.scope_type, row.scope_id, row.period, row.tier)
            rev, old = existing.get(key, (0, None))
            if old is not None and _dec(old) == _dec(row.value):
                continue
            new.append((row, rev + 1))
        if not new:
            return 0
        first = reserve(conn, "targets", len(new))
        conn.execute(
            t.insert(),
            [
                {
                    "id": first + i,
                    "model": model,
                    "node": row.node,
                    "scope_type": row.scope_type,
                    "scope_id": row.scope_id,
                    "period": row.period,
                    "tier": row.tier,
                    "value": _dec(row.value),
                    "revision": rev,
                    "author": author,
                    "reason": reason,
                    "created_at": now,
                    "model_version": model_version,
                }
                for i, (row, rev) in enumerate(new)
            ],
        )
    return len(new)


def history(store: Store, model: str, node: str | None = None) -> list[Revision]:
    """Every revision (newest first) with the value it replaced."""
    t = targets
    q = (
        sa.select(t)
        .where(t.c.model == model)
        .order_by(t.c.node, t.c.scope_type, t.c.scope_id, t.c.period, t.c.tier, t.c.revision)
    )
    if node is not None:
        q = q.where(t.c.node == node)
    out: list[Revision] = []
    prev: dict[tuple[str, str, int | None, str, str], Fraction] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(q):
            key = (r.node, r.scope_type, r.scope_id, r.period, r.tier)
            value = Fraction(Decimal(r.value))
            out.append(
                Revision(
                    r.node,
                    r.scope_type,
                    r.scope_id,
                    r.period,
                    r.tier,
                    r.revision,
                    value,
                    prev.get(key),
                    r.author,
                    r.reason,
                    r.created_at,
                )
            )
            prev[key] = value
    return sorted(out, key=lambda x: (x.created_at, x.revision), reverse=True)
