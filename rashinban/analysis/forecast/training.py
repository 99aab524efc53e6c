"""Labelled snapshots for training, all taken before an origin and labelled only with what
was known at the origin (a deal still open at the origin is left out: its outcome is not
known yet)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rashinban.analysis.forecast.data import DAY_TD, DealFacts, deals_at, owner_rates, product_medians
from rashinban.analysis.forecast.features import numeric

WEEK = pd.Timedelta(days=7)


@dataclass(frozen=True)
class Context:
    """What the features need besides the deal, as known at one instant."""

    owner_rate: dict[int, float]
    base: float
    medians: dict[str, float]
    t: pd.Timestamp
    period_kind: str = "month"

    @classmethod
    def at(cls, f: DealFacts, t: pd.Timestamp) -> Context:
        rates, base = owner_rates(f, t)
        t = pd.Timestamp(t)
        return cls(rates, base, product_medians(f, t), t, period_kind(t, f.fiscal_year_start))


def snapshot_times(
    origin: pd.Timestamp, first: pd.Timestamp, count: int, step: pd.Timedelta = WEEK
) -> list[pd.Timestamp]:
    """Up to ``count`` instants, ``step`` apart, from two weeks before ``origin`` back to ``first``."""
    out: list[pd.Timestamp] = []
    t = origin - 2 * WEEK
    while t > first and len(out) < count:
        out.append(t)
        t -= step
    return out


def labelled(
    f: DealFacts,
    origin: pd.Timestamp,
    times: list[pd.Timestamp],
    max_rows: int = 150_000,
    seed: int = 0,
) -> pd.DataFrame:
    """Open deals at each instant with their features as of that instant and ``won`` —
    for deals closed by ``origin`` only."""
    d = f.deals.set_index("id")
    outcome_known = d["closed_at"].notna() & (d["closed_at"] <= origin)
    won = d["is_won"] & outcome_known
    parts = []
    for t in times:
        snap = deals_at(f, t)
        if snap.empty:
            continue
        keep = snap["id"].map(outcome_known).fillna(False).to_numpy(bool)
        snap = snap.loc[keep].reset_index(drop=True)
        if snap.empty:
            continue
        snap = featurise(f, snap, t)
        snap["won"] = snap["id"].map(won).astype(int)
        closed = pd.to_datetime(snap["id"].map(d["closed_at"]))
        snap["days_to_close"] = np.where(snap["won"] > 0, (closed - t) / DAY_TD, np.nan)
        snap["t"] = t
        parts.append(snap)
    if not parts:
        return pd.DataFrame()
    rows = pd.concat(parts, ignore_index=True)
    if len(rows) > max_rows:
        rows = rows.sample(max_rows, random_state=seed).reset_index(drop=True)
    rows["team"] = rows["owner_id"].map(lambda o: f.member_team.get(int(o)) if o is not None else None)
    rows["team"] = rows["team"].fillna(-1).astype(int)
    return rows


def featurise(f: DealFacts, snap: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """The snapshot with its numeric features (``x_…`` columns) as of ``t``."""
    ctx = Context.at(f, t)
    num = numeric(snap, ctx.owner_rate, ctx.base, ctx.medians, t)
    snap = snap.assign(period_kind=period_kind(t, f.fiscal_year_start))
    return pd.concat([snap, num.add_prefix("x_")], axis=1)


def period_kind(t: pd.Timestamp, fiscal_year_start: int = 4) -> str:
    """What the month of ``t`` ends: ``fiscal_year`` (年度末), ``quarter`` or just the ``month``."""
    last = (fiscal_year_start - 2) % 12 + 1
    if t.month == last:
        return "fiscal_year"
    return "quarter" if (t.month - last) % 3 == 0 else "month"


def month_same_day(origin: pd.Timestamp, months: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(instant, end of its month) at the same day and time of each of the ``months`` months
    before ``origin``'s month."""
    out = []
    for k in range(1, months + 1):
        start = (origin.to_period("M") - k).to_timestamp()
        offset = origin - origin.to_period("M").to_timestamp()
        t = start + offset
        end = (origin.to_period("M") - k + 1).to_timestamp()
        if t >= end:
            t = end - pd.Timedelta(seconds=1)
        out.append((t, end))
    return out


def in_period_rows(f: DealFacts, origin: pd.Timestamp, months: int = 12) -> pd.DataFrame:
    """Open deals at the same day of past months and whether each was won before its month
    ended (all those months ended before ``origin``)."""
    d = f.deals.set_index("id")
    parts = []
    for t, end in month_same_day(origin, months):
        if end > origin:
            continue
        snap = deals_at(f, t)
        if snap.empty:
            continue
        closed = pd.to_datetime(snap["id"].map(d["closed_at"]))
        won = snap["id"].map(d["is_won"]).astype(bool)
        snap["won_in_period"] = (won & closed.notna() & (closed < end)).astype(int)
        snap["t"] = t
        parts.append(featurise(f, snap, t))
    if not parts:
        return pd.DataFrame()
    rows = pd.concat(parts, ignore_index=True)
    rows["won"] = rows["won_in_period"]
    rows["team"] = rows["owner_id"].map(lambda o: f.member_team.get(int(o))).fillna(-1).astype(int)
    return rows
