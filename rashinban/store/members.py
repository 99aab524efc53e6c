"""Members as administrators fix them: rename, move to another team, merge two into one.

A merge re-points every fact of the merged member (deals owned and sourced, leads,
activities, contracts, surveys, contacts), its users and the import mappings to the member
kept, remembers the merged member's (source, external id) so that the next import of that
source finds the member kept, and removes the merged row — in one transaction.  Plans,
forecasts and other scope-keyed history of the merged id are left as they were (they are
records of what was planned then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import members, owner_mappings, teams

# (table, column) of every member reference a merge moves
MEMBER_REFS: tuple[tuple[str, str], ...] = (
    ("deals", "owner_id"),
    ("deals", "source_member_id"),
    ("leads", "owner_id"),
    ("activities", "member_id"),
    ("contracts", "owner_id"),
    ("surveys", "owner_id"),
    ("contacts", "owner_id"),
    ("users", "member_id"),
    ("owner_mappings", "member_id"),
)


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    email: str | None
    team_id: int | None
    team: str | None
    role: str | None
    active: bool
    source: str
    external_id: str
    deals: int
    leads: int
    activities: int


def list_members(store: Store) -> list[MemberRow]:
    """Every member with its team and how many deals, leads and activities it holds."""
    counts: dict[str, dict[int, int]] = {}
    with store.engine.connect() as conn:
        for table, col in (("deals", "owner_id"), ("leads", "owner_id"), ("activities", "member_id")):
            rows = conn.execute(
                sa.text(f"SELECT {col}, COUNT(*) FROM {table} WHERE {col} IS NOT NULL GROUP BY 1")
            )
            counts[table] = {int(r[0]): int(r[1]) for r in rows}
        q = (
            sa.select(
                members.c.id,
                members.c.name,
                members.c.email,
                members.c.team_id,
                teams.c.name.label("team"),
                members.c.role,
                members.c.active,
                members.c.source,
                members.c.external_id,
            )
            .select_from(members.outerjoin(teams, teams.c.id == members.c.team_id))
            .order_by(members.c.id)
        )
        out = []
        for r in conn.execute(q):
            out.append(
                MemberRow(
                    int(r.id),
                    r.name,
                    r.email,
                    r.team_id,
                    r.team,
                    r.role,
                    bool(r.active),
                    r.source,
                    r.external_id,
                    counts["deals"].get(int(r.id), 0),
                    counts["leads"].get(int(r.id), 0),
                    counts["activities"].get(int(r.id), 0),
                )
            )
    return out


def member(store: Store, member_id: int) -> MemberRow | None:
    return next((m for m in list_members(store) if m.id == member_id), None)


def _row(conn: sa.Connection, member_id: int) -> dict[str, Any] | None:
    q = sa.select(members).where(members.c.id == member_id)
    row = conn.execute(q).first()
    return dict(row._mapping) if row is not None else None


def update(store: Store, member_id: int, **values: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Change a member's name, e-mail or team: (before, after) of what changed; None if it is
    not there."""
    with store.write() as conn:
        old = _row(conn, member_id)
        if old is None:
            return None
        conn.execute(members.update().where(members.c.id == member_id).values(**values))
        new = _row(conn, member_id) or {}
    changed = [k for k in values if old.get(k) != new.get(k)]
    return {k: old[k] for k in changed}, {k: new[k] for k in changed}


def merge(store: Store, merged: int, kept: int, actor: str | None, now: datetime) -> dict[str, int]:
    """Move everything of member ``merged`` to member ``kept`` and remove ``merged``; returns
    how many rows moved per ``table.column``."""
    moved: dict[str, int] = {}
    with store.write() as conn:
        gone = _row(conn, merged)
        if gone is None or _row(conn, kept) is None:
            raise LookupError(merged if gone is None else kept)
        for table, col in MEMBER_REFS:
            if table == "owner_mappings":
                continue
            result = conn.execute(
                sa.text(f"UPDATE {table} SET {col} = :kept WHERE {col} = :merged"),
                {"kept": kept, "merged": merged},
            )
            moved[f"{table}.{col}"] = int(result.rowcount or 0)
        om = owner_mappings
        result = conn.execute(om.update().where(om.c.member_id == merged).values(member_id=kept))
        moved["owner_mappings.member_id"] = int(result.rowcount or 0)
        key = (gone["source"], gone["external_id"])
        exists = conn.execute(
            sa.select(om.c.value).where(om.c.source == key[0], om.c.value == key[1])
        ).first()
        if exists is None:  # the next import of that source finds the member kept
            conn.execute(
                om.insert().values(
                    source=key[0],
                    value=key[1],
                    member_id=kept,
                    method="merged",
                    created_by=actor,
                    created_at=now,
                )
            )
        conn.execute(members.delete().where(members.c.id == merged))
    return moved
