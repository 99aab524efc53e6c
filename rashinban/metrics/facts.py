"""Row-level facts for the insights (segments, next actions, churn, A/B tests), read once per
data version through Ibis (DuckDB and PostgreSQL alike) as NumPy columns.

Times come back as float days since 1970-01-01 (NaN for none), labels as ``str`` objects
(``""`` for none), so that the analysis modules stay pure NumPy.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from rashinban.metrics.tables import table_expr

DAY_SECONDS = 86400.0


def _days(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    if pa.types.is_date(col.type):
        col = pc.cast(col, pa.timestamp("s"))
    secs = pc.cast(pc.cast(col, pa.timestamp("s")), pa.int64())
    out = np.asarray(secs.to_numpy(zero_copy_only=False), dtype="float64") / DAY_SECONDS
    mask = np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), dtype=bool)
    out[mask] = np.nan
    return out


def _vocab(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A label column as its distinct values (``str`` objects, ``""`` for none; in no
    particular order) and each row's index into them — Arrow's dictionary encoding."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    enc = pc.dictionary_encode(pc.fill_null(arr, ""))
    values = np.array([str(v) for v in enc.dictionary.to_pylist()] or [""], dtype=object)
    return values, np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _labels(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    values, codes = _vocab(col)
    out: np.ndarray = values[codes]
    return out


def _labels_into(out: dict[str, np.ndarray], name: str, col: pa.ChunkedArray, coded: bool) -> None:
    """``out[name]``: the labels, or (``coded``) their codes with ``out[name + "_values"]``."""
    if coded:
        out[f"{name}_values"], out[name] = _vocab(col)
    else:
        out[name] = _labels(col)


def _num(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype="float64")


def _ints(col: pa.ChunkedArray | pa.Array, fill: int = -1) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.cast(col, pa.int64()), fill).to_numpy(zero_copy_only=False))


def day_number(d: date | datetime) -> float:
    dt = d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)
    return (dt - datetime(1970, 1, 1)).total_seconds() / DAY_SECONDS


def closed_deals(
    con: Any, start: datetime, end: datetime, owners: Iterable[int] | None, coded: bool = False
) -> dict[str, np.ndarray]:
    """Deals closed in [start, end) with their segments (owner ``None``: every deal); with
    ``coded`` the label columns come as codes with their values (see :func:`_labels_into`)."""
    d = con.table("deals")
    a = con.table("accounts")
    p = con.table("products")
    m = con.table("members")
    d = d.filter(d.is_closed & d.closed_at.notnull() & (d.closed_at >= start) & (d.closed_at < end))
    if owners is not None:
        d = d.filter(d.owner_id.isin(list(owners)))
    j = (
        d.left_join(a, d.account_id == a.id)
        .left_join(p, d.product_id == p.id)
        .left_join(m, d.owner_id == m.id)
    )
    expr = j.select(
        id=d.id,
        won=d.is_won,
        amount=d.amount.cast("float64"),
        lost_reason=d.lost_reason,
        product=p.name,
        industry=a.industry,
        channel=d.channel,
        rep=m.name,
        owner=d.owner_id,
        closed=d.closed_at,
    )
    t = expr.to_pyarrow()
    out = {
        "id": _ints(t["id"]),
        "won": np.asarray(pc.fill_null(t["won"], False).to_numpy(zero_copy_only=False), dtype=bool),
        "amount": _num(t["amount"]),
        "owner": _ints(t["owner"]),
        "closed": _days(t["closed"]),
    }
    for name in ("lost_reason", "product", "industry", "channel", "rep"):
        _labels_into(out, name, t[name], coded)
    return out


def stage_entries(
    con: Any,
    deal_ids: np.ndarray | None = None,
    owners: Iterable[int] | None = None,
    coded: bool = False,
    closed_between: tuple[datetime, datetime] | None = None,
) -> dict[str, np.ndarray]:
    """Stage history rows (deal, stage, entered) — of the given deals or owners, or of the
    deals closed in [start, end) (``coded``: the stages as codes, see :func:`_labels_into`)."""
    h = table_expr(con, "deal_stage_entries")
    if closed_between is not None:
        d = con.table("deals")
        start, end = closed_between
        d = d.filter(d.is_closed & d.closed_at.notnull() & (d.closed_at >= start) & (d.closed_at < end))
        h = h.semi_join(d, h.deal_id == d.id)
    if owners is not None:
        h = h.filter(h.owner_id.isin(list(owners)))
    if deal_ids is not None:
        ids = ibis.memtable({"deal_id": deal_ids.astype("int64")})
        h = h.semi_join(ids, h.deal_id == ids.deal_id)
    t = h.select("deal_id", "stage", "entered_at").to_pyarrow()
    out = {"deal_id": _ints(t["deal_id"]), "entered": _days(t["entered_at"])}
    _labels_into(out, "stage", t["stage"], coded)
    return out


def deal_actions(con: Any, owners: Iterable[int] | None) -> dict[str, np.ndarray]:
    """Activities tied to deals: (deal, type, subject, occurred) for the owners' deals."""
    act = con.table("activities")
    d = con.table("deals")
    act = act.filter(act.deal_id.notnull())
    if owners is not None:
        mine = d.filter(d.owner_id.isin(list(owners))).select(deal_id=d.id)
        act = act.semi_join(mine, act.deal_id == mine.deal_id)
    t = act.select("deal_id", "type", "subject", "occurred_at").to_pyarrow()
    return {
        "deal_id": _ints(t["deal_id"]),
        "type": _labels(t["type"]),
        "subject": _labels(t["subject"]),
        "occurred": _days(t["occurred_at"]),
    }


def deal_row(con: Any, deal_id: int) -> dict[str, Any] | None:
    d = con.table("deals")
    rows = (
        d.filter(d.id == deal_id)
        .select("id", "name", "stage", "owner_id", "is_closed")
        .to_pyarrow()
        .to_pylist()
    )
    return rows[0] if rows else None


def customers(
    con: Any, owners: Iterable[int] | None, touches: tuple[datetime, datetime] | None = None
) -> dict[str, np.ndarray]:
    """Contract terms, survey answers and customer-success touches of the owners' customers
    (the touches only of [start, end] when ``touches`` says so)."""
    c = con.table("contracts")
    if owners is not None:
        c = c.filter(c.owner_id.isin(list(owners)))
    c = c.filter(c.account_id.notnull())
    ct = c.select("account_id", "start_on", "end_on", "churned_on", "mrr").to_pyarrow()
    accounts = ibis.memtable({"account_id": np.unique(_ints(ct["account_id"]))})
    s = con.table("surveys")
    s = s.semi_join(accounts, s.account_id == accounts.account_id)
    st = s.select("account_id", "answered_at", "kind", "score", "complaint").to_pyarrow()
    a = con.table("activities")
    a = a.filter(a.account_id.notnull() & a.deal_id.isnull())
    if touches is not None:
        a = a.filter((a.occurred_at >= touches[0]) & (a.occurred_at <= touches[1]))
    a = a.semi_join(accounts, a.account_id == accounts.account_id)
    at = a.select("account_id", "occurred_at").order_by("occurred_at").to_pyarrow()
    kind = _labels(st["kind"])
    score = _num(st["score"])
    return {
        "account": _ints(ct["account_id"]),
        "start": _days(ct["start_on"]),
        "end": _days(ct["end_on"]),
        "churned": _days(ct["churned_on"]),
        "mrr": _num(ct["mrr"]),
        "s_account": _ints(st["account_id"]),
        "s_day": _days(st["answered_at"]),
        "s_nps": np.where(kind == "nps", score, np.nan),
        "s_csat": np.where(kind == "csat", score, np.nan),
        "s_complaint": np.asarray(
            pc.fill_null(st["complaint"], False).to_numpy(zero_copy_only=False), dtype=bool
        ),
        "t_account": _ints(at["account_id"]),
        "t_day": _days(at["occurred_at"]),
    }


def account_columns(con: Any, ids: np.ndarray) -> dict[str, np.ndarray]:
    """id, name, industry (``""`` for none) and employees (NaN for none) of the given
    accounts, sorted by id."""
    a = con.table("accounts")
    sel = ibis.memtable({"aid": ids.astype("int64")})
    a = a.semi_join(sel, a.id == sel.aid).order_by("id")
    t = a.select("id", "name", "industry", employees=a.employees.cast("float64")).to_pyarrow()
    return {
        "id": _ints(t["id"]),
        "name": _labels(t["name"]),
        "industry": _labels(t["industry"]),
        "employees": _num(t["employees"]),
    }


def leads_by_channel(con: Any, start: datetime, end: datetime) -> list[tuple[str, date, int]]:
    """(channel, month start, leads) of every lead created in [start, end)."""
    t = con.table("leads")
    t = t.filter((t.created_at >= start) & (t.created_at < end))
    t = t.mutate(month=t.created_at.truncate("M").cast("date"), ch=t.channel.fill_null(""))
    rows = t.group_by(["ch", "month"]).aggregate(n=t.count()).to_pyarrow().to_pylist()
    return [(str(r["ch"]), r["month"], int(r["n"])) for r in rows]


def spend_and_new_customers(con: Any, start: date, end: date) -> tuple[float, int]:
    """Channel spend in [start, end) and the customers whose first contract started then."""
    s = con.table("spend")
    s = s.filter((s.period_start >= start) & (s.period_start < end))
    spent = s.aggregate(v=s.amount.sum().cast("float64")).to_pyarrow().to_pylist()[0]["v"]
    c = con.table("contracts")
    c = c.filter(c.account_id.notnull())
    first = c.group_by("account_id").aggregate(first=c.start_on.min())
    first = first.filter((first["first"] >= start) & (first["first"] < end))
    n = first.aggregate(n=first.count()).to_pyarrow().to_pylist()[0]["n"]
    return float(spent or 0.0), int(n or 0)


def experiment_units(con: Any, name: str) -> dict[str, np.ndarray]:
    e = con.table("experiments")
    t = e.filter(e.experiment == name).select("variant", "unit_type", "unit_id", "assigned_at").to_pyarrow()
    return {
        "variant": _labels(t["variant"]),
        "unit_type": _labels(t["unit_type"]),
        "unit_id": _ints(t["unit_id"]),
        "assigned": _days(t["assigned_at"]),
    }


def experiment_counts(con: Any) -> list[tuple[str, str, str, int]]:
    """(experiment, unit type, variant, units) of every assignment in the store."""
    e = con.table("experiments")
    rows = e.group_by(["experiment", "unit_type", "variant"]).aggregate(n=e.count()).to_pyarrow().to_pylist()
    return [(str(r["experiment"]), str(r["unit_type"]), str(r["variant"]), int(r["n"])) for r in rows]


def unit_activities(
    con: Any, unit_col: str, ids: np.ndarray, types: Iterable[str] | None = None
) -> dict[str, np.ndarray]:
    """Activities (of the given ``types``) of the given leads or deals (``unit_col``:
    lead_id | deal_id)."""
    a = con.table("activities")
    if types is not None:
        a = a.filter(a.type.isin(list(types)))
    sel = ibis.memtable({"uid": ids.astype("int64")})
    a = a.semi_join(sel, a[unit_col] == sel.uid)
    t = a.select(unit=a[unit_col], type=a.type, outcome=a.outcome, occurred=a.occurred_at).to_pyarrow()
    return {
        "unit": _ints(t["unit"]),
        "type": _labels(t["type"]),
        "outcome": _labels(t["outcome"]),
        "occurred": _days(t["occurred"]),
    }


def unit_deals(con: Any, unit_col: str, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Deals of the given leads (``lead_id``) or the deals themselves (``id``)."""
    d = con.table("deals")
    sel = ibis.memtable({"uid": ids.astype("int64")})
    d = d.semi_join(sel, d[unit_col] == sel.uid)
    t = d.select(
        unit=d[unit_col], won=d.is_won, closed=d.is_closed, amount=d.amount.cast("float64")
    ).to_pyarrow()
    return {
        "unit": _ints(t["unit"]),
        "won": np.asarray(pc.fill_null(t["won"], False).to_numpy(zero_copy_only=False), dtype=bool),
        "closed": np.asarray(pc.fill_null(t["closed"], False).to_numpy(zero_copy_only=False), dtype=bool),
        "amount": _num(t["amount"]),
    }
