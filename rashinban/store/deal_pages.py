"""Reads for the deal and customer (account) pages: one deal with its names, its stage history
and activities; one account with its deals, leads, contracts and activities.

``members`` limits the related rows to those a reader may see: ``None`` reads every row; a
collection keeps the rows whose member (a deal: its owner, its sourcing member or its lead's
owner) is one of them.  Deciding who may see what is the app layer's; this only filters.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import (
    accounts,
    activities,
    contracts,
    deal_stage_history,
    deals,
    leads,
    members,
    products,
)

Row = dict[str, Any]
ACCOUNT_ACTIVITIES = 200  # the most recent activities an account page lists


def _deal_seen(members_: Collection[int] | None) -> Any:
    """A condition on ``deals`` (outer-joined to its lead as ``dl``): visible to ``members_``."""
    if members_ is None:
        return sa.true()
    ids = sorted(int(m) for m in members_)
    if not ids:
        return sa.false()
    lead = leads.alias("dl")
    return sa.or_(
        deals.c.owner_id.in_(ids),
        deals.c.source_member_id.in_(ids),
        deals.c.lead_id.in_(sa.select(lead.c.id).where(lead.c.owner_id.in_(ids))),
    )


def _member_seen(column: Any, members_: Collection[int] | None) -> Any:
    if members_ is None:
        return sa.true()
    ids = sorted(int(m) for m in members_)
    return column.in_(ids) if ids else sa.false()


def deal_people(store: Store, deal_id: int) -> tuple[int | None, int | None, int | None] | None:
    """(owner, sourcing member, lead owner) of a deal; None when there is no such deal."""
    lead = leads.alias("dl")
    q = (
        sa.select(deals.c.owner_id, deals.c.source_member_id, lead.c.owner_id.label("lead_owner"))
        .select_from(deals.outerjoin(lead, lead.c.id == deals.c.lead_id))
        .where(deals.c.id == deal_id)
    )
    with store.engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else (row[0], row[1], row[2])


def deal(store: Store, deal_id: int) -> Row | None:
    """The deal with its account, owner, sourcing member and product names."""
    owner, source = members.alias("o"), members.alias("s")
    q = (
        sa.select(
            deals,
            accounts.c.name.label("account_name"),
            owner.c.name.label("owner_name"),
            source.c.name.label("source_name"),
            products.c.name.label("product_name"),
        )
        .select_from(
            deals.outerjoin(accounts, accounts.c.id == deals.c.account_id)
            .outerjoin(owner, owner.c.id == deals.c.owner_id)
            .outerjoin(source, source.c.id == deals.c.source_member_id)
            .outerjoin(products, products.c.id == deals.c.product_id)
        )
        .where(deals.c.id == deal_id)
    )
    with store.engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return None if row is None else dict(row)


def stage_history(store: Store, deal_id: int) -> list[Row]:
    """The deal's stage entries, oldest first (amount and close date as held at each entry)."""
    h = deal_stage_history
    q = (
        sa.select(h.c.id, h.c.stage, h.c.entered_at, h.c.amount, h.c.expected_close_on)
        .where(h.c.deal_id == deal_id)
        .order_by(h.c.entered_at, h.c.id)
    )
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def _activities(where: Any, limit: int | None) -> Any:
    a = activities
    q = (
        sa.select(
            a.c.id,
            a.c.type,
            a.c.outcome,
            a.c.subject,
            a.c.occurred_at,
            a.c.duration_minutes,
            a.c.deal_id,
            a.c.lead_id,
            a.c.member_id,
            members.c.name.label("member_name"),
        )
        .select_from(a.outerjoin(members, members.c.id == a.c.member_id))
        .where(where)
        .order_by(a.c.occurred_at.desc(), a.c.id.desc())
    )
    return q.limit(limit) if limit is not None else q


def deal_activities(store: Store, deal_id: int) -> list[Row]:
    """Every activity logged on the deal, newest first."""
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(_activities(activities.c.deal_id == deal_id, None)).mappings()]


def account(store: Store, account_id: int) -> Row | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).mappings().first()
    return None if row is None else dict(row)


def account_rows(store: Store, account_id: int, members_: Collection[int] | None) -> dict[str, Any]:
    """The account's deals, leads, contracts and (most recent) activities ``members_`` may see,
    with the number of those activities."""
    owner = members.alias("o")
    d = (
        sa.select(
            deals.c.id,
            deals.c.name,
            deals.c.stage,
            deals.c.amount,
            deals.c.created_at,
            deals.c.expected_close_on,
            deals.c.closed_at,
            deals.c.is_won,
            deals.c.is_closed,
            owner.c.name.label("owner_name"),
        )
        .select_from(deals.outerjoin(owner, owner.c.id == deals.c.owner_id))
        .where(deals.c.account_id == account_id, _deal_seen(members_))
        .order_by(deals.c.created_at.desc().nulls_last(), deals.c.id.desc())
    )
    lo = members.alias("lo")
    ld = (
        sa.select(
            leads.c.id,
            leads.c.channel,
            leads.c.status,
            leads.c.created_at,
            leads.c.sql_at,
            leads.c.converted_deal_id,
            lo.c.name.label("owner_name"),
        )
        .select_from(leads.outerjoin(lo, lo.c.id == leads.c.owner_id))
        .where(leads.c.account_id == account_id, _member_seen(leads.c.owner_id, members_))
        .order_by(leads.c.created_at.desc(), leads.c.id.desc())
    )
    co = members.alias("co")
    ct = (
        sa.select(
            contracts.c.id,
            contracts.c.deal_id,
            contracts.c.start_on,
            contracts.c.end_on,
            contracts.c.mrr,
            contracts.c.status,
            co.c.name.label("owner_name"),
        )
        .select_from(contracts.outerjoin(co, co.c.id == contracts.c.owner_id))
        .where(contracts.c.account_id == account_id, _member_seen(contracts.c.owner_id, members_))
        .order_by(contracts.c.start_on.desc(), contracts.c.id.desc())
    )
    act_where = sa.and_(activities.c.account_id == account_id, _member_seen(activities.c.member_id, members_))
    n_act = sa.select(sa.func.count()).select_from(activities).where(act_where)
    with store.engine.connect() as conn:
        return {
            "deals": [dict(r) for r in conn.execute(d).mappings()],
            "leads": [dict(r) for r in conn.execute(ld).mappings()],
            "contracts": [dict(r) for r in conn.execute(ct).mappings()],
            "activities": [
                dict(r) for r in conn.execute(_activities(act_where, ACCOUNT_ACTIVITIES)).mappings()
            ],
            "activity_count": int(conn.execute(n_act).scalar() or 0),
        }
