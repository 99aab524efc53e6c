"""What the metrics engine knows about the canonical tables: who a row belongs to, and the
attributes of related records a measure may filter or break down on.

**Attribution.** A row is credited to a member (and through the member's team to every team
above it and to the company) or, for tables without a member (channel spend), to a team.
Which member depends on whose number it is — the attribution (``by:``) of the measure:

=============  ==========================================================================
``owner``      the deal (or contract, survey) owner: who closes — ``deals.owner_id``
``source``     who sourced the lead or set the appointment and handed it off: the lead
               owner for leads, ``deals.source_member_id`` for deals (送客・アポ獲得)
``lead_owner`` the owner of the deal's lead (a join), for data without sourcing fields
``actor``      who did the activity: ``activities.member_id``
``team``       the team a row belongs to: ``spend.team_id``
=============  ==========================================================================

A rate must be computed from one side: a ratio of a sourcing-side count (``source``,
``lead_owner``) and a closing-side count (``owner``) is refused (``measure_mixed_attribution``):
a team's own deals over another team's leads is how 商談化率 258 % happens.

**Related records.** Filters, measure columns and breakdowns may name attributes of related
records as ``account.industry``, ``account.region``, ``account.size`` (small < 100 employees
≤ medium < 1,000 ≤ large), ``lead.channel``, ``lead.created_at``, ``product.name`` …, and the
derived ``customer_type`` of a deal (``new``: the account had no earlier win or contract;
``existing``) and ``entry_lag_hours`` of an activity (logged_at − occurred_at).
``deal_stage_entries`` is a virtual table: stage history rows with the deal's columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis


@dataclass(frozen=True)
class TableInfo:
    name: str
    scope_column: str  # the column that attributes a row to a scope
    scope_kind: str  # member | team
    time_column: str  # default column that places a row in a period
    attribution: str = "owner"  # the default ``by:``


TABLES: dict[str, TableInfo] = {
    t.name: t
    for t in (
        TableInfo("leads", "owner_id", "member", "created_at", "source"),
        TableInfo("activities", "member_id", "member", "occurred_at", "actor"),
        TableInfo("deals", "owner_id", "member", "created_at", "owner"),
        TableInfo("deal_stage_entries", "owner_id", "member", "entered_at", "owner"),
        TableInfo("contracts", "owner_id", "member", "start_on", "owner"),
        TableInfo("surveys", "owner_id", "member", "answered_at", "owner"),
        TableInfo("spend", "team_id", "team", "period_start", "team"),
    )
}

# by: → the column carrying it, per table
ATTRIBUTION_COLUMNS: dict[str, dict[str, str]] = {
    "leads": {"source": "owner_id", "lead_owner": "owner_id"},
    "activities": {"actor": "member_id"},
    "deals": {"owner": "owner_id", "source": "source_member_id", "lead_owner": "lead__owner_id"},
    "deal_stage_entries": {"owner": "owner_id", "source": "source_member_id", "lead_owner": "lead__owner_id"},
    "contracts": {"owner": "owner_id"},
    "surveys": {"owner": "owner_id"},
    "spend": {"team": "team_id"},
}
ATTRIBUTIONS = ("owner", "source", "lead_owner", "actor", "team")
SOURCING_SIDE = frozenset({"source", "lead_owner"})
CLOSING_SIDE = frozenset({"owner"})

# relation name → (table, foreign key on the measured table, columns that may be named)
RELATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "account": ("accounts", "account_id", ("name", "industry", "region", "employees", "size", "created_at")),
    "lead": (
        "leads",
        "lead_id",
        ("channel", "status", "owner_id", "created_at", "mql_at", "sql_at", "valid"),
    ),
    "product": ("products", "product_id", ("name", "series")),
}
TABLE_RELATIONS: dict[str, tuple[str, ...]] = {
    "deals": ("account", "lead", "product"),
    "deal_stage_entries": ("account", "lead", "product"),
    "leads": ("account",),
    "activities": ("account", "lead"),
    "contracts": ("account",),
    "surveys": ("account",),
    "spend": (),
}
DERIVED: dict[str, tuple[str, ...]] = {
    "deals": ("customer_type",),
    "deal_stage_entries": ("customer_type",),
    "activities": ("entry_lag_hours",),
}
SIZE_BANDS = ((100, "small"), (1000, "medium"))  # employees below the bound; else "large"


def column_name(text: str) -> str:
    """``account.industry`` → ``account__industry`` (the name inside the engine's queries)."""
    return text.strip().replace(".", "__")


def shown_name(column: str) -> str:
    return column.replace("__", ".")


def allowed_related(table: str) -> list[str]:
    """The related and derived columns a measure over ``table`` may name (engine names)."""
    out = [f"{rel}__{c}" for rel in TABLE_RELATIONS.get(table, ()) for c in RELATIONS[rel][2]]
    return out + list(DERIVED.get(table, ()))


def _base(con: Any, name: str) -> Any:
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
            source_member_id=d.source_member_id,
            account_id=d.account_id,
            lead_id=d.lead_id,
            channel=d.channel,
            product_id=d.product_id,
            is_won=d.is_won,
            created_at=d.created_at,
        )
    return con.table(name)


def table_expr(con: Any, name: str, wanted: Iterable[str] = ()) -> Any:
    """The Ibis table for ``name`` on ``con``, with the related/derived columns ``wanted``
    (engine names such as ``account__industry``) joined in; virtual tables are built here."""
    t = _base(con, name)
    need = set(wanted) - set(t.columns)
    if not need:
        return t
    for rel in TABLE_RELATIONS.get(name, ()):
        cols = sorted(c for c in need if c.startswith(rel + "__"))
        if not cols:
            continue
        table, fk, _ = RELATIONS[rel]
        r = con.table(table)
        fields: dict[str, Any] = {}
        for c in cols:
            attr = c.removeprefix(rel + "__")
            if attr == "size":
                emp = r.employees
                fields[c] = ibis.cases(
                    (emp.isnull(), ibis.null("string")),
                    (emp < SIZE_BANDS[0][0], SIZE_BANDS[0][1]),
                    (emp < SIZE_BANDS[1][0], SIZE_BANDS[1][1]),
                    else_="large",
                )
            elif attr in r.columns:
                fields[c] = r[attr]
        if fields:
            sub = r.select(_rid=r.id, **fields)
            t = t.left_join(sub, t[fk] == sub._rid).drop("_rid")
    if "customer_type" in need and "account_id" in t.columns:
        t = _with_customer_type(con, t)
    if "entry_lag_hours" in need and "logged_at" in t.columns:
        lag = (t.logged_at.epoch_seconds() - t.occurred_at.epoch_seconds()).cast("float64") / 3600.0
        t = t.mutate(entry_lag_hours=lag)
    return t


def _with_customer_type(con: Any, t: Any) -> Any:
    """``new`` when the account had no win and no contract before the deal was created."""
    d = con.table("deals")
    wins = d.filter(d.is_won & d.closed_at.notnull() & d.account_id.notnull())
    first_win = wins.group_by(_aid=wins.account_id).aggregate(_first=wins.closed_at.min().cast("timestamp"))
    c = con.table("contracts")
    c = c.filter(c.account_id.notnull())
    first_contract = c.group_by(_aid=c.account_id).aggregate(_first=c.start_on.min().cast("timestamp"))
    first = first_win.union(first_contract).group_by("_aid").aggregate(_since=ibis._["_first"].min())
    t = t.left_join(first, t.account_id == first._aid).drop("_aid")
    when = t.created_at.cast("timestamp")
    kind = ibis.ifelse(
        t.account_id.isnull(),
        ibis.null("string"),
        ibis.ifelse(t._since.notnull() & (t._since < when), "existing", "new"),
    )
    return t.mutate(customer_type=kind).drop("_since")
