"""Values of manual KPIs, with revisions: every change is a new row with who, when and why.

The current value of (model, node, scope, period) is the row with the highest revision; a
revision whose value is NULL clears it.  Saving the value that is already current writes
nothing.
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
from rashinban.store.schema import manual_values

Key = tuple[str, str, int | None, str]  # node, scope_type, scope_id, period


@dataclass(frozen=True)
class ManualEntry:
    node: str
    scope_type: str
    scope_id: int | None
    period: str
    value: Fraction | None
    revision: int
    author: str | None
    note: str | None
    created_at: datetime
    previous: Fraction | None = None


def _dec(v: Fraction) -> Decimal:
    return (Decimal(v.numerator) / Decimal(v.denominator)).quantize(Decimal("0.000001"))


def _frac(v: object) -> Fraction | None:
    return None if v is None else Fraction(Decimal(str(v)))


def _entries(rows: Iterable[sa.Row[tuple[object, ...]]]) -> list[ManualEntry]:
    out: list[ManualEntry] = []
    prev: dict[Key, Fraction | None] = {}
    for r in rows:
        key = (r.node, r.scope_type, r.scope_id, r.period)
        value = _frac(r.value)
        out.append(
            ManualEntry(
                r.node,
                r.scope_type,
                r.scope_id,
                r.period,
                value,
                r.revision,
                r.author,
                r.note,
                r.created_at,
                prev.get(key),
            )
        )
        prev[key] = value
    return out


def history(store: Store, model: str, node: str | None = None) -> list[ManualEntry]:
    """Every revision, oldest first, each with the value it replaced."""
    t = manual_values
    q = (
        sa.select(t)
        .where(t.c.model == model)
        .order_by(t.c.node, t.c.scope_type, t.c.scope_id, t.c.period, t.c.revision)
    )
    if node is not None:
        q = q.where(t.c.node == node)
    with store.engine.connect() as conn:
        return _entries(conn.execute(q))


def current(store: Store, model: str, periods: Iterable[str] | None = None) -> dict[Key, ManualEntry]:
    """The latest revision of every (node, scope, period) that has a value."""
    wanted = set(periods) if periods is not None else None
    out: dict[Key, ManualEntry] = {}
    for e in history(store, model):
        if wanted is not None and e.period not in wanted:
            continue
        out[(e.node, e.scope_type, e.scope_id, e.period)] = e
    return {k: e for k, e in out.items() if e.value is not None}


def save(
    store: Store,
    model: str,
    key: Key,
    value: Fraction | None,
    author: str | None,
    note: str | None,
    now: datetime,
) -> ManualEntry | None:
    """Write a new revision (None: the value was already this); ``value`` None clears it."""
    node, stype, sid, period = key
    t = manual_values
    with store.write() as conn:
        last = conn.execute(
            sa.select(t.c.revision, t.c.value)
            .where(
                t.c.model == model,
                t.c.node == node,
                t.c.scope_type == stype,
                t.c.scope_id.is_(None) if sid is None else t.c.scope_id == sid,
                t.c.period == period,
            )
            .order_by(t.c.revision.desc())
            .limit(1)
        ).first()
        rev = int(last.revision) if last is not None else 0
        old = _frac(last.value) if last is not None else None
        same = (old is None and value is None) or (
            old is not None and value is not None and _dec(old) == _dec(value)
        )
        if same and (last is not None or value is None):
            return None
        row_id = reserve(conn, "manual_values", 1)
        conn.execute(
            t.insert().values(
                id=row_id,
                model=model,
                node=node,
                scope_type=stype,
                scope_id=sid,
                period=period,
                value=_dec(value) if value is not None else None,
                revision=rev + 1,
                author=author,
                note=note,
                created_at=now,
            )
        )
    return ManualEntry(node, stype, sid, period, value, rev + 1, author, note, now, old)
