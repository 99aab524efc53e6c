"""Independent computations (pandas, jpholiday) of what each alert rule should find in the
demo store — the facts are read with plain SQL, every judgement is made here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import jpholiday
import pandas as pd
import sqlalchemy as sa

from rashinban.store import Store


def frame(store: Store, sql: str, **params: Any) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def business_day(d: date) -> bool:
    return d.weekday() < 5 and not jpholiday.is_holiday(d)


def window_start(today: date, days: int) -> date:
    d, found = today, 0
    while found < days:
        d -= timedelta(days=1)
        found += business_day(d)
    return d


def elapsed_share(month_start: date, month_end: date, today: date) -> float:
    days = [month_start + timedelta(n) for n in range((month_end - month_start).days + 1)]
    total = sum(business_day(d) for d in days)
    return sum(business_day(d) for d in days if d <= today) / total


@dataclass
class Org:
    parent: dict[int, int | None]
    member_team: dict[int, int | None]

    def chain(self, team: int | None) -> list[int]:
        out = []
        while team is not None and team not in out:
            out.append(team)
            team = self.parent.get(team)
        return out

    def scopes_of(self, member: int | None) -> list[tuple[str, int]]:
        if member is None or member not in self.member_team:
            return [("company", 0)]
        return (
            [("member", member)]
            + [("team", t) for t in self.chain(self.member_team[member])]
            + [("company", 0)]
        )


def org(store: Store) -> Org:
    teams = frame(store, "SELECT id, parent_id FROM teams")
    members = frame(store, "SELECT id, team_id FROM members")
    return Org(
        {int(r.id): (int(r.parent_id) if pd.notna(r.parent_id) else None) for r in teams.itertuples()},
        {int(r.id): (int(r.team_id) if pd.notna(r.team_id) else None) for r in members.itertuples()},
    )


def counts_by_scope(o: Org, owners: pd.Series) -> dict[tuple[str, int], int]:
    """Rows per owner rolled up to every scope they count for."""
    out: dict[tuple[str, int], int] = {}
    for owner, n in owners.value_counts(dropna=False).items():
        m = None if pd.isna(owner) else int(owner)
        for key in o.scopes_of(m):
            out[key] = out.get(key, 0) + int(n)
    return out


def activities(store: Store, now: datetime) -> pd.DataFrame:
    df = frame(store, "SELECT member_id, type, occurred_at, logged_at, deal_id, source FROM activities")
    seen = (df.occurred_at <= now) & (df.logged_at.isna() | (df.logged_at <= now))
    return df[seen]


def members(store: Store) -> pd.DataFrame:
    return frame(store, "SELECT id, name, team_id, role, joined_on FROM members WHERE active")


def entry(store: Store, now: datetime, days: int, within_hours: int, min_activities: int) -> pd.DataFrame:
    """Per member over the rule's window: activities logged, within N hours, median lag (h)."""
    start = datetime.combine(window_start(now.date(), days), time())
    end = min(datetime.combine(now.date(), time()), now - timedelta(hours=within_hours))
    acts = activities(store, now)
    win = acts[(acts.occurred_at >= start) & (acts.occurred_at < end) & acts.member_id.notna()]
    logged = win[win.logged_at.notna()].copy()
    logged["lag"] = (logged.logged_at - logged.occurred_at).dt.total_seconds()
    g = logged.groupby("member_id")
    out = pd.DataFrame(
        {"logged": g.size(), "within": g.lag.apply(lambda s: int((s <= within_hours * 3600).sum()))}
    )
    out["median_h"] = g.lag.median() / 3600
    out["rate"] = out.within / out.logged
    m = members(store)
    m = m[pd.to_datetime(m.joined_on).dt.date <= start.date()]
    out = out.reindex(m.id.astype(float)).fillna({"logged": 0, "within": 0})
    return out[out.logged >= min_activities]


def activity_counts(store: Store, now: datetime, days: int, kind: str, roles: list[str]) -> dict[int, int]:
    start = datetime.combine(window_start(now.date(), days), time())
    end = datetime.combine(now.date(), time())
    acts = activities(store, now)
    win = acts[(acts.occurred_at >= start) & (acts.occurred_at < end) & (acts.type == kind)]
    m = members(store)
    m = m[m.role.isin(roles) & (pd.to_datetime(m.joined_on).dt.date <= start.date())]
    counts = win.member_id.value_counts()
    return {int(i): int(counts.get(float(i), counts.get(i, 0))) for i in m.id}


def open_deals(store: Store, now: datetime) -> pd.DataFrame:
    d = frame(
        store, "SELECT id, owner_id, stage, created_at, closed_at, is_closed, expected_close_on FROM deals"
    )
    closed = d.is_closed.astype(bool) & (d.closed_at.isna() | (d.closed_at <= now))
    return d[(d.created_at.isna() | (d.created_at <= now)) & ~closed].set_index("id")


def idle_days(store: Store, now: datetime) -> pd.Series:
    deals = open_deals(store, now)
    acts = activities(store, now)
    last = acts[acts.deal_id.notna()].groupby("deal_id").occurred_at.max()
    since = last.reindex(deals.index.astype(float)).set_axis(deals.index).fillna(deals.created_at)
    return (now - since).dt.total_seconds() / 86400


def stage_stays(store: Store, now: datetime, history_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(P90 and count of the stays per stage that ended in the last ``history_days`` days up
    to today's midnight — learned once a day —, each open deal's stage and since when)."""
    everything = frame(store, "SELECT id, deal_id, stage, entered_at FROM deal_stage_history")
    until = datetime.combine(now.date(), time())
    since = datetime.combine(now.date() - timedelta(days=history_days), time())
    h = everything[everything.entered_at <= until].sort_values(["deal_id", "entered_at", "id"])
    h["left_at"] = h.groupby("deal_id").entered_at.shift(-1)
    done = h[h.left_at.notna() & (h.left_at >= since) & (h.left_at <= until)]
    days = (done.left_at - done.entered_at).dt.total_seconds() / 86400
    stats = days.groupby(done.stage).agg(p90=lambda s: s.quantile(0.9), n="size")
    seen = everything[everything.entered_at <= now].sort_values(["deal_id", "entered_at", "id"])
    current = seen.groupby("deal_id").tail(1).set_index("deal_id")
    deals = open_deals(store, now)
    current = current[current.index.isin(deals.index)]
    return stats, current
