"""Breakdowns: a measure's value per channel, product, industry, region, company size or new
vs existing customer — the same measures, grouped by one more attribute of the row or of a
related record (``tables.py``).  Ratios are evaluated per value of the breakdown, so
conversion, CPA or revenue by channel are each computed from that channel's own rows.

=============  ==================================================================================
``channel``    a lead's channel; a deal's channel, else its lead's (Olist: the lead's ``origin``);
               an activity's lead's channel; spend's channel
``origin``     the lead's channel first (where the deal came from), else the deal's
``product``    a deal's product (stage history: the deal's)
``industry``   the account's industry (deals, leads, activities, contracts, surveys)
``region``     the account's region
``size``       the account's size band (small < 100 employees ≤ medium < 1,000 ≤ large)
``customer``   a deal's customer type: ``new`` or ``existing``
=============  ==================================================================================

A table without the attribute puts its rows under ``""`` (shown as "—").
"""

from __future__ import annotations

from typing import Any

import ibis

from rashinban.errors import UsageError

_ACCOUNT_TABLES = ("deals", "deal_stage_entries", "leads", "activities", "contracts", "surveys")
DIMENSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "channel": {
        "leads": ("channel",),
        "deals": ("channel", "lead__channel"),
        "deal_stage_entries": ("channel", "lead__channel"),
        "activities": ("lead__channel",),
        "spend": ("channel",),
    },
    "origin": {
        "leads": ("channel",),
        "deals": ("lead__channel", "channel"),
        "deal_stage_entries": ("lead__channel", "channel"),
        "activities": ("lead__channel",),
        "spend": ("channel",),
    },
    "product": {"deals": ("product__name",), "deal_stage_entries": ("product__name",)},
    "industry": {t: ("account__industry",) for t in _ACCOUNT_TABLES},
    "region": {t: ("account__region",) for t in _ACCOUNT_TABLES},
    "size": {t: ("account__size",) for t in _ACCOUNT_TABLES},
    "customer": {"deals": ("customer_type",), "deal_stage_entries": ("customer_type",)},
}


def check_dimension(dim: str) -> str:
    if dim not in DIMENSIONS:
        raise UsageError("option_bad_choice", option="--by", value=dim, allowed=", ".join(DIMENSIONS))
    return dim


def dim_columns(dim: str, table: str) -> tuple[str, ...]:
    return DIMENSIONS[dim].get(table, ())


def dim_expr(t: Any, dim: str, table: str) -> Any:
    """The breakdown's value of each row of ``t`` (text; ``""`` when the row has none)."""
    cols = [c for c in dim_columns(dim, table) if c in t.columns]
    if not cols:
        return ibis.literal("")
    value = t[cols[0]].cast("string")
    for c in cols[1:]:
        value = value.fill_null(t[c].cast("string"))
    return value.fill_null("")


def split_rows(df: Any) -> dict[str, list[dict[str, Any]]]:
    """Result rows by their breakdown value (``_d``)."""
    records = df if isinstance(df, list) else df.to_dict("records")
    out: dict[str, list[dict[str, Any]]] = {}
    for row in records:
        out.setdefault(str(row.get("_d") or ""), []).append(row)
    return out
