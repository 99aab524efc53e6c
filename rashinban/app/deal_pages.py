"""The deal page and the customer (account) page behind a drill-down, within the reader's access.

A deal is visible when a member it counts for — its owner, the member who sourced it, or
its lead's owner (the attributions ``owner``, ``source``, ``lead_owner``) — counts in a scope
the reader may see: the member's own scope or a team above the member.  That is the rule
``/records`` lists rows by, so every deal row a reader can list opens.  An account is visible
when any of its deals, leads, contracts or activities is; its page lists only those.  Anything
else — absent or out of reach — is the same 404 with no data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.results.records import (
    ActivityItem,
    Change,
    CustomerContract,
    CustomerDeal,
    CustomerLead,
    CustomerPage,
    DealPage,
    PersonRef,
    StageEntry,
)
from rashinban.errors import NotFoundError
from rashinban.i18n.stages import stage_label
from rashinban.org.roles import Permission
from rashinban.org.scopes import MEMBER, TEAM
from rashinban.store import deal_pages as store

SMALL, LARGE = 100, 1000  # employees: small < 100 ≤ medium < 1,000 ≤ large (metrics/tables.py)


def visible_members(ctx: AppContext) -> frozenset[int] | None:
    """The members whose rows the reader may see (None: every row, unassigned ones too)."""
    acc = org.access(ctx)
    if acc.everything:
        return None

    def compute() -> frozenset[int]:
        scopes = org.scope_index(ctx)
        out = set()
        for mid, team in scopes.member_team.items():
            if acc.can_see((MEMBER, mid)) or any(acc.can_see((TEAM, t)) for t in scopes.team_chain(team)):
                out.add(mid)
        return frozenset(out)

    return ctx.org_cached(("visible_members", ctx.user), compute)


def deal_page(ctx: AppContext, deal_id: int) -> DealPage:
    ctx.require(Permission.READ)
    seen = visible_members(ctx)
    people = store.deal_people(ctx.store, deal_id)
    if people is None or (seen is not None and not any(p in seen for p in people if p is not None)):
        raise NotFoundError("deal_not_found")  # absent or out of reach: the same answer
    row = store.deal(ctx.store, deal_id)
    if row is None:
        raise NotFoundError("deal_not_found")
    lang = ctx.lang
    history, changes = _history(store.stage_history(ctx.store, deal_id), lang)
    return DealPage(
        id=int(row["id"]),
        name=row["name"],
        account=_ref(row["account_id"], row["account_name"]),
        owner=_ref(row["owner_id"], row["owner_name"]),
        source=_ref(row["source_member_id"], row["source_name"]),
        product=row["product_name"],
        channel=row["channel"],
        stage=row["stage"],
        stage_label=stage_label(row["stage"], lang),
        amount=_num(row["amount"]),
        currency=row["currency"],
        probability=_num(row["probability"]),
        created_at=_text(row["created_at"]),
        expected_close_on=_text(row["expected_close_on"]),
        closed_at=_text(row["closed_at"]),
        is_closed=bool(row["is_closed"]),
        is_won=bool(row["is_won"]),
        lost_reason=row["lost_reason"],
        lead_id=row["lead_id"],
        history=history,
        changes=changes,
        activities=[_activity(a) for a in store.deal_activities(ctx.store, deal_id)],
    )


def customer_page(ctx: AppContext, account_id: int) -> CustomerPage:
    ctx.require(Permission.READ)
    seen = visible_members(ctx)
    row = store.account(ctx.store, account_id)
    if row is None:
        raise NotFoundError("customer_not_found")
    rows = store.account_rows(ctx.store, account_id, seen)
    if seen is not None and not (
        rows["deals"] or rows["leads"] or rows["contracts"] or rows["activity_count"]
    ):
        raise NotFoundError("customer_not_found")  # nothing of it is in reach: as if absent
    lang = ctx.lang
    deals = [
        CustomerDeal(
            id=int(d["id"]),
            name=d["name"],
            stage=d["stage"],
            stage_label=stage_label(d["stage"], lang),
            amount=_num(d["amount"]),
            created_at=_text(d["created_at"]),
            expected_close_on=_text(d["expected_close_on"]),
            closed_at=_text(d["closed_at"]),
            is_won=bool(d["is_won"]),
            is_closed=bool(d["is_closed"]),
            owner=d["owner_name"],
        )
        for d in rows["deals"]
    ]
    employees = row["employees"]
    return CustomerPage(
        id=int(row["id"]),
        name=row["name"],
        industry=row["industry"],
        employees=employees,
        size=None
        if employees is None
        else "small"
        if employees < SMALL
        else "medium"
        if employees < LARGE
        else "large",
        revenue=_num(row["revenue"]),
        region=row["region"],
        created_at=_text(row["created_at"]),
        deals=deals,
        leads=[
            CustomerLead(
                id=int(r["id"]),
                channel=r["channel"],
                status=r["status"],
                created_at=_text(r["created_at"]),
                sql_at=_text(r["sql_at"]),
                converted_deal_id=r["converted_deal_id"],
                owner=r["owner_name"],
            )
            for r in rows["leads"]
        ],
        contracts=[
            CustomerContract(
                id=int(r["id"]),
                deal_id=r["deal_id"],
                start_on=_text(r["start_on"]),
                end_on=_text(r["end_on"]),
                mrr=_num(r["mrr"]),
                status=r["status"],
                owner=r["owner_name"],
            )
            for r in rows["contracts"]
        ],
        activities=[_activity(a) for a in rows["activities"]],
        activity_count=rows["activity_count"],
        won_amount=_num(sum((d.amount or 0) for d in deals if d.is_won)) or 0,
        open_amount=_num(sum((d.amount or 0) for d in deals if not d.is_closed)) or 0,
    )


# pieces ----------------------------------------------------------------------------------
def _history(rows: list[dict[str, Any]], lang: str) -> tuple[list[StageEntry], list[Change]]:
    """Stage entries with days in each stage, and the amount / close-date changes between them
    (a missing amount — not yet quoted — is no change)."""
    entries: list[StageEntry] = []
    changes: list[Change] = []
    amount: Any = None
    close: date | None = None
    for i, r in enumerate(rows):
        at: datetime = r["entered_at"]
        nxt = rows[i + 1]["entered_at"] if i + 1 < len(rows) else None
        days = round((nxt - at).total_seconds() / 86400, 1) if nxt is not None else None
        a, c = r["amount"], r["expected_close_on"]
        amount_changed = a is not None and amount is not None and a != amount
        moved = (c - close).days if c is not None and close is not None and c != close else None
        if amount_changed:
            changes.append(
                Change(
                    field="amount",
                    at=_text(at) or "",
                    stage=r["stage"],
                    before=_num(amount) or 0,
                    after=_num(a) or 0,
                )
            )
        if moved is not None and close is not None and c is not None:
            changes.append(
                Change(
                    field="expected_close_on",
                    at=_text(at) or "",
                    stage=r["stage"],
                    before=close.isoformat(),
                    after=c.isoformat(),
                )
            )
        entries.append(
            StageEntry(
                stage=r["stage"],
                stage_label=stage_label(r["stage"], lang),
                entered_at=_text(at) or "",
                amount=_num(a),
                expected_close_on=_text(c),
                days_in_stage=days,
                amount_changed=amount_changed,
                close_moved_days=moved,
            )
        )
        amount = a if a is not None else amount
        close = c if c is not None else close
    return entries, changes


def _activity(a: dict[str, Any]) -> ActivityItem:
    return ActivityItem(
        id=int(a["id"]),
        type=a["type"],
        outcome=a["outcome"],
        subject=a["subject"],
        occurred_at=_text(a["occurred_at"]) or "",
        duration_minutes=a["duration_minutes"],
        deal_id=a["deal_id"],
        lead_id=a["lead_id"],
        member=_ref(a["member_id"], a["member_name"]),
    )


def _ref(ident: int | None, name: str | None) -> PersonRef | None:
    return None if ident is None else PersonRef(id=int(ident), name=name or str(ident))


def _num(v: Any) -> int | float | None:
    if v is None:
        return None
    if isinstance(v, Decimal | float):
        return int(v) if v == int(v) else float(v)
    return int(v)


def _text(v: date | datetime | None) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="minutes")
    return v.isoformat()
