"""Rows an activity may point at: whether a deal, lead or account exists and who owns it."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import deals, leads


def owner_of(store: Store, table: str, row_id: int) -> tuple[bool, int | None]:
    """(exists, owner member id) of a deal or lead."""
    t = {"deals": deals, "leads": leads}[table]
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(t.c.owner_id).where(t.c.id == row_id)).first()
    return (False, None) if row is None else (True, row[0])


def account_in_scope(store: Store, account_id: int, members: Collection[int] | None) -> bool:
    """Whether the account exists and (``members`` given) one of them owns a deal or lead of
    it — the accounts a rep or manager works."""
    with store.engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM accounts WHERE id = :i"), {"i": account_id}).first()
        if exists is None:
            return False
        if members is None:
            return True
        if not members:
            return False
        ids = sorted(int(m) for m in members)
        for t in (deals, leads):
            q = sa.select(t.c.id).where(t.c.account_id == account_id, t.c.owner_id.in_(ids)).limit(1)
            if conn.execute(q).first() is not None:
                return True
    return False
