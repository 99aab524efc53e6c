"""Review meetings, their agenda items and the teams' templates (tables of migration 0011).

Rows come back as plain dicts with their JSON columns decoded (``snapshot``, ``template``,
``data``, ``sections``).  Every write goes through ``Store.write``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import review_items, review_meetings, review_templates

M, IT, T = review_meetings, review_items, review_templates


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _meeting(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["snapshot"] = json.loads(m.pop("snapshot_json") or "{}")
    m["template_sections"] = json.loads(m.pop("template_json") or "[]")
    return m


def _item(row: Any) -> dict[str, Any]:
    m = dict(row._mapping)
    m["data"] = json.loads(m.pop("data_json") or "null")
    return m


# meetings -------------------------------------------------------------------------------
def create_meeting(
    store: Store, meeting: dict[str, Any], items: Sequence[dict[str, Any]], now: datetime
) -> int:
    """A new meeting with its agenda (items in the given order)."""
    with store.write() as conn:
        mid = reserve(conn, "review_meetings", 1)
        row = {k: v for k, v in meeting.items() if k not in ("snapshot", "template_sections")}
        conn.execute(
            M.insert().values(
                id=mid,
                snapshot_json=_dump(meeting["snapshot"]),
                template_json=_dump(meeting["template_sections"]),
                created_at=now,
                updated_at=now,
                **row,
            )
        )
        _insert_items(conn, mid, items, 0, now, meeting.get("created_by"))
    return mid


def _insert_items(
    conn: sa.Connection, mid: int, items: Sequence[dict[str, Any]], first_pos: int, now: datetime, who: Any
) -> list[int]:
    if not items:
        return []
    first = reserve(conn, "review_items", len(items))
    rows = [
        {
            "id": first + i,
            "meeting_id": mid,
            "position": first_pos + i,
            "section": it["section"],
            "kind": it["kind"],
            "title": it["title"][:300],
            "data_json": _dump(it.get("data")) if it.get("data") is not None else None,
            "notes": it.get("notes"),
            "decision": it.get("decision"),
            "updated_by": who,
            "updated_at": now,
        }
        for i, it in enumerate(items)
    ]
    conn.execute(IT.insert(), rows)
    return [r["id"] for r in rows]


def get_meeting(store: Store, meeting_id: int) -> dict[str, Any] | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(M).where(M.c.id == meeting_id)).first()
    return _meeting(row) if row is not None else None


def list_meetings(
    store: Store, scopes: Iterable[tuple[str, int]] | None, limit: int = 200
) -> list[dict[str, Any]]:
    """Meetings of these scopes (None: all), newest first, without their snapshots."""
    cols = [c for c in M.c if c.name not in ("snapshot_json", "template_json")]
    q = sa.select(*cols).order_by(M.c.created_at.desc(), M.c.id.desc()).limit(limit)
    if scopes is not None:
        keys = list(scopes)
        if not keys:
            return []
        q = q.where(sa.tuple_(M.c.scope_type, M.c.scope_id).in_(keys))
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def latest_meeting(
    store: Store, scope: tuple[str, int], before_id: int | None = None
) -> dict[str, Any] | None:
    """The newest meeting of a scope (before ``before_id``)."""
    q = sa.select(M).where(M.c.scope_type == scope[0], M.c.scope_id == scope[1])
    if before_id is not None:
        q = q.where(M.c.id < before_id)
    with store.engine.connect() as conn:
        row = conn.execute(q.order_by(M.c.id.desc()).limit(1)).first()
    return _meeting(row) if row is not None else None


def update_meeting(store: Store, meeting_id: int, now: datetime, **values: Any) -> None:
    if "snapshot" in values:
        values["snapshot_json"] = _dump(values.pop("snapshot"))
    with store.write() as conn:
        conn.execute(M.update().where(M.c.id == meeting_id).values(updated_at=now, **values))


def replace_generated(
    store: Store, meeting_id: int, items: Sequence[dict[str, Any]], snapshot: dict[str, Any], now: datetime
) -> None:
    """A draft's numbers again.  A generated item still on the agenda (same kind and subject)
    keeps its id, place, notes and decision and takes its new title; a new one goes after the
    last item of its section; one no longer on it goes, unless it has notes or a decision."""
    with store.write() as conn:
        old = [
            _item(r)
            for r in conn.execute(
                sa.select(IT).where(IT.c.meeting_id == meeting_id).order_by(IT.c.position, IT.c.id)
            )
        ]

        def key(it: dict[str, Any]) -> tuple[str, Any]:
            data = it.get("data")
            return it["kind"], data.get("ref") if isinstance(data, dict) else None

        by_key = {key(o): o for o in old if o["kind"] != "free"}
        order: list[Any] = [o["id"] for o in old]
        seen: set[int] = set()
        for it in items:
            found = by_key.get(key(it))
            if found is not None:
                seen.add(found["id"])
                conn.execute(
                    IT.update()
                    .where(IT.c.id == found["id"])
                    .values(title=it["title"][:300], data_json=_dump(it.get("data")), updated_at=now)
                )
                continue
            new_id = _insert_items(conn, meeting_id, [it], 10_000, now, None)[0]
            same = [o["id"] for o in old if o["section"] == it["section"]]
            at = order.index(same[-1]) + 1 if same else len(order)
            order.insert(at, new_id)
            old.append({**it, "id": new_id})
        gone = [
            o["id"]
            for o in by_key.values()
            if o["id"] not in seen and not (o.get("notes") or o.get("decision"))
        ]
        if gone:
            conn.execute(IT.delete().where(IT.c.id.in_(gone)))
        for pos, iid in enumerate(i for i in order if i not in gone):
            conn.execute(IT.update().where(IT.c.id == iid).values(position=pos))
        conn.execute(
            M.update().where(M.c.id == meeting_id).values(snapshot_json=_dump(snapshot), updated_at=now)
        )


# items ----------------------------------------------------------------------------------
def items_of(store: Store, meeting_id: int) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(IT).where(IT.c.meeting_id == meeting_id).order_by(IT.c.position, IT.c.id)
        )
        return [_item(r) for r in rows]


def add_item(store: Store, meeting_id: int, item: dict[str, Any], who: str | None, now: datetime) -> int:
    with store.write() as conn:
        last = conn.execute(
            sa.select(sa.func.max(IT.c.position)).where(IT.c.meeting_id == meeting_id)
        ).scalar()
        ids = _insert_items(conn, meeting_id, [item], (last if last is not None else -1) + 1, now, who)
        conn.execute(M.update().where(M.c.id == meeting_id).values(updated_at=now))
    return ids[0]


def update_item(store: Store, item_id: int, who: str | None, now: datetime, **values: Any) -> None:
    with store.write() as conn:
        conn.execute(IT.update().where(IT.c.id == item_id).values(updated_by=who, updated_at=now, **values))


def reorder(store: Store, meeting_id: int, order: Sequence[int], now: datetime) -> None:
    """Items in ``order`` first (by id), the rest after them as they were."""
    with store.write() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                sa.select(IT.c.id).where(IT.c.meeting_id == meeting_id).order_by(IT.c.position, IT.c.id)
            )
        ]
        wanted = [i for i in dict.fromkeys(order) if i in ids]
        final = wanted + [i for i in ids if i not in wanted]
        for pos, iid in enumerate(final):
            conn.execute(IT.update().where(IT.c.id == iid).values(position=pos))
        conn.execute(M.update().where(M.c.id == meeting_id).values(updated_at=now))


def delete_item(store: Store, item_id: int) -> None:
    with store.write() as conn:
        conn.execute(IT.delete().where(IT.c.id == item_id))


# templates ------------------------------------------------------------------------------
def templates(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(T).where(T.c.deleted == sa.false()).order_by(T.c.id))
        return [{**dict(r._mapping), "sections": json.loads(r.sections_json)} for r in rows]


def save_template(
    store: Store, team_id: int | None, name: str, sections: list[Any], who: str | None, now: datetime
) -> int:
    """Insert, or replace the sections of the team's template of that name."""
    with store.write() as conn:
        team_match = T.c.team_id.is_(None) if team_id is None else T.c.team_id == team_id
        found = conn.execute(
            sa.select(T.c.id).where(team_match, T.c.name == name, T.c.deleted == sa.false())
        ).scalar()
        if found is not None:
            conn.execute(T.update().where(T.c.id == found).values(sections_json=_dump(sections)))
            return int(found)
        tid = reserve(conn, "review_templates", 1)
        conn.execute(
            T.insert().values(
                id=tid,
                team_id=team_id,
                name=name,
                sections_json=_dump(sections),
                created_by=who,
                created_at=now,
            )
        )
    return tid


def delete_template(store: Store, template_id: int) -> None:
    with store.write() as conn:
        conn.execute(T.update().where(T.c.id == template_id).values(deleted=True))


__all__ = [
    "add_item",
    "create_meeting",
    "delete_item",
    "delete_template",
    "get_meeting",
    "items_of",
    "latest_meeting",
    "list_meetings",
    "reorder",
    "replace_generated",
    "save_template",
    "templates",
    "update_item",
    "update_meeting",
]
