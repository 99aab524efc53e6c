"""What the metrics engine knows about the canonical tables: who a row belongs to.

A row is attributed to a member (and through the member's team to every team above it and
to the company) or, for tables without a member (channel spend), to a team directly.
``deal_stage_entries`` is a virtual table: stage history rows with the deal's owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TableInfo:
    name: str
    scope_column: str  # the column that attributes a row to a scope
    scope_kind: str  # member | team
    time_column: str  # default column that places a row in a period


TABLES: dict[str, TableInfo] = {
    t.name: t
    for t in (
        TableInfo("leads", "owner_id", "member", "created_at"),
        TableInfo("activities", "member_id", "member", "occurred_at"),
        TableInfo("deals", "owner_id", "member", "created_at"),
        TableInfo("deal_stage_entries", "owner_id", "member", "entered_at"),
        TableInfo("contracts", "owner_id", "member", "start_on"),
        TableInfo("surveys", "owner_id", "member", "answered_at"),
        TableInfo("spend", "team_id", "team", "period_start"),
    )
}


def table_expr(con: Any, name: str) -> Any:
    """The Ibis table for ``name`` on connection ``con`` (virtual tables are joined here)."""
    if name == "deal_stage_entries":
        h = con.table("deal_stage_history")
        d = con.table("deals")
        joined = h.join(d, h.deal_id == d.id)
        return joined.select(
            id=h.id,
            deal_id=h.deal_id,
            stage=h.stage,
            entered_at=h.entered_at,
            amount=h.amount,
            owner_id=d.owner_id,
            channel=d.channel,
            product_id=d.product_id,
            is_won=d.is_won,
        )
    return con.table(name)
