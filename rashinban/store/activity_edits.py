"""The activity log's helpers beyond the insert: the rows an activity may name (the picker's
candidates, by the same rule the write path checks) and undoing the last entry."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.activities import SOURCE, LoggedActivity, _row, _select
from rashinban.store.db import Store
from rashinban.store.schema import accounts, activities, deals, leads, members

KINDS = ("deal", "lead", "account")
MAX_CANDIDATES = 20_000  # newest first: a picker never scans a whole CRM


@dataclass(frozen=True)
class Candidate:
    """A deal, lead or account an activity may name: what the picker shows of it."""

    kind: str
    id: int
    name: str  # deal: its name; lead / account: the account's name
    account: str | None
    owner: str | None
    detail: str | None  # deal: stage; lead: status


def candidates(store: Store, kind: str, member_ids: Collection[int] | None) -> list[Candidate]:
    """Every row of ``kind`` the activity log accepts for these members (None: all): deals and
    leads they own, accounts one of them works (owns a deal or lead of) — newest first."""
    if member_ids is not None and not member_ids:
        return []
    ids = None if member_ids is None else sorted(int(m) for m in member_ids)
    if kind == "account":
        q = sa.select(accounts.c.id, accounts.c.name)
        if ids is not None:
            worked = sa.union(
                sa.select(deals.c.account_id).where(deals.c.owner_id.in_(ids)),
                sa.select(leads.c.account_id).where(leads.c.owner_id.in_(ids)),
            ).subquery()
            q = q.where(accounts.c.id.in_(sa.select(worked.c[0])))
        q = q.order_by(accounts.c.name, accounts.c.id).limit(MAX_CANDIDATES)
        with store.engine.connect() as conn:
            return [Candidate("account", int(r.id), str(r.name), None, None, None) for r in conn.execute(q)]
    t = {"deal": deals, "lead": leads}[kind]
    name = t.c.name if kind == "deal" else accounts.c.name
    detail = t.c.stage if kind == "deal" else t.c.status
    rq = (
        sa.select(
            t.c.id,
            name.label("label"),
            accounts.c.name.label("account"),
            members.c.name.label("owner"),
            detail.label("detail"),
        )
        .select_from(
            t.outerjoin(accounts, accounts.c.id == t.c.account_id).outerjoin(
                members, members.c.id == t.c.owner_id
            )
        )
        .order_by(t.c.created_at.desc().nulls_last(), t.c.id.desc())
        .limit(MAX_CANDIDATES)
    )
    if ids is not None:
        rq = rq.where(t.c.owner_id.in_(ids))
    with store.engine.connect() as conn:
        rows = conn.execute(rq).all()
    return [
        Candidate(kind, int(r.id), str(r.label or r.account or f"#{r.id}"), r.account, r.owner, r.detail)
        for r in rows
    ]


def find(store: Store, activity_id: int, external_id: str) -> LoggedActivity | None:
    """The row logged here with this id and identity (None: no such row)."""
    where = sa.and_(
        activities.c.id == activity_id, activities.c.source == SOURCE, activities.c.external_id == external_id
    )
    with store.engine.connect() as conn:
        row = conn.execute(_select().where(where)).first()
    return None if row is None else _row(row)


def undo(
    store: Store,
    row: LoggedActivity,
    since: datetime,
    audit: Callable[[sa.Connection, dict[str, Any]], None],
) -> str | None:
    """Delete ``row`` if it is still its member's last entry logged here and was logged at or
    after ``since``; ``audit(conn, before)`` writes the trail in the same transaction.
    Returns None when deleted, else why not: ``gone``, ``too_late``, ``not_last``."""
    last = (
        sa.select(activities.c.id)
        .where(activities.c.source == SOURCE, activities.c.member_id == row.member_id)
        .order_by(activities.c.logged_at.desc().nulls_last(), activities.c.id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn, store.transaction(conn, activity=True) as tx:
        now_row = conn.execute(
            sa.select(activities.c.id, activities.c.logged_at).where(activities.c.id == row.id)
        ).first()
        if now_row is None:
            return "gone"
        if now_row.logged_at is None or now_row.logged_at < since:
            return "too_late"
        if conn.execute(last).scalar() != row.id:
            return "not_last"
        conn.execute(activities.delete().where(activities.c.id == row.id))
        audit(conn, row.as_dict())
        tx.commit()
    return None
