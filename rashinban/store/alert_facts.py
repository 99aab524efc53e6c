"""The facts the alert rules read, as of an instant ``now`` (business-local, like the facts):
entry statistics per member, open deals with their stage and last activity, the learned
time-in-stage P90, when each source last sent anything, and one deal's page.

"As of now" means what the store knew then: an activity counts once it occurred *and* was
logged by ``now``; a deal is open when it was created by ``now`` and not closed by then; its
stage is the last one entered by ``now``.  The same SQL runs on DuckDB and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store

LAG_SECONDS = "EXTRACT(EPOCH FROM (a.logged_at - a.occurred_at))"
SEEN_BY_NOW = "a.occurred_at <= :now AND (a.logged_at IS NULL OR a.logged_at <= :now)"


@dataclass(frozen=True)
class EntryRow:
    member_id: int
    activities: int
    logged: int
    within: int
    median_lag_hours: float | None


def entry_stats(
    store: Store, start: datetime, end: datetime, now: datetime, within_hours: int, activity_type: str = "any"
) -> dict[int, EntryRow]:
    """Per member, activities that occurred in [start, end) and were logged by ``now``:
    how many, how many have an entry time, how many were logged within ``within_hours``
    (即時入力: ``logged_at − occurred_at ≤ N hours``) and the median entry lag in hours."""
    type_filter = "" if activity_type == "any" else "AND a.type = :type"
    sql = f"""
        SELECT a.member_id,
               COUNT(*) AS n,
               COUNT(a.logged_at) AS logged,
               SUM(CASE WHEN a.logged_at IS NOT NULL AND {LAG_SECONDS} <= :within THEN 1 ELSE 0 END)
                 AS within,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {LAG_SECONDS}) / 3600.0 AS median_lag
        FROM activities a
        WHERE a.member_id IS NOT NULL AND a.occurred_at >= :start AND a.occurred_at < :end
          AND {SEEN_BY_NOW} {type_filter}
        GROUP BY a.member_id
    """
    params: dict[str, Any] = {"start": start, "end": end, "now": now, "within": within_hours * 3600}
    if activity_type != "any":
        params["type"] = activity_type
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    return {
        int(r[0]): EntryRow(
            int(r[0]), int(r[1]), int(r[2]), int(r[3] or 0), float(r[4]) if r[4] is not None else None
        )
        for r in rows
    }


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    team_id: int | None
    role: str | None
    joined_on: date | None


def active_members(store: Store) -> list[MemberRow]:
    q = "SELECT id, name, team_id, role, joined_on FROM members WHERE active ORDER BY id"
    with store.engine.connect() as conn:
        return [MemberRow(int(r[0]), str(r[1]), r[2], r[3], r[4]) for r in conn.execute(sa.text(q))]


OPEN_DEALS = f"""
WITH open_deals AS MATERIALIZED (
    SELECT id, name, owner_id, amount, stage, created_at, expected_close_on
    FROM deals
    WHERE (created_at IS NULL OR created_at <= :now)
      AND NOT (is_closed AND (closed_at IS NULL OR closed_at <= :now))
),
hist AS (
    SELECT h.deal_id, h.stage, h.entered_at,
           ROW_NUMBER() OVER (PARTITION BY h.deal_id ORDER BY h.entered_at DESC, h.id DESC) AS rn
    FROM deal_stage_history h JOIN open_deals d ON d.id = h.deal_id
    WHERE h.entered_at <= :now
),
acts AS (
    SELECT a.deal_id, MAX(a.occurred_at) AS last_at
    FROM activities a JOIN open_deals d ON d.id = a.deal_id
    WHERE {SEEN_BY_NOW}
    GROUP BY a.deal_id
)
SELECT d.id, d.name, d.owner_id, CAST(d.amount AS DOUBLE PRECISION) AS amount,
       COALESCE(hist.stage, d.stage) AS stage, hist.entered_at AS stage_since, acts.last_at,
       d.created_at, d.expected_close_on
FROM open_deals d
LEFT JOIN hist ON hist.deal_id = d.id AND hist.rn = 1
LEFT JOIN acts ON acts.deal_id = d.id
ORDER BY d.id
"""


@dataclass(frozen=True)
class DealRow:
    id: int
    name: str | None
    owner_id: int | None
    amount: float | None
    stage: str
    stage_since: datetime | None
    last_activity: datetime | None
    created_at: datetime | None
    expected_close: date | None


def open_deals(store: Store, now: datetime) -> list[DealRow]:
    """Deals open at ``now``, with the stage they were in then, since when, and their last
    activity by then."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(OPEN_DEALS), {"now": now}).all()
    return [DealRow(*r) for r in rows]


STAGE_P90 = """
WITH recent AS MATERIALIZED (
    SELECT DISTINCT deal_id FROM deal_stage_history WHERE entered_at >= :since AND entered_at <= :now
),
h AS (
    SELECT h.stage, h.entered_at,
           LEAD(h.entered_at) OVER (PARTITION BY h.deal_id ORDER BY h.entered_at, h.id) AS left_at
    FROM deal_stage_history h JOIN recent r ON r.deal_id = h.deal_id
    WHERE h.entered_at <= :now
)
SELECT stage,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (left_at - entered_at)) / 86400.0),
       COUNT(*)
FROM h
WHERE left_at IS NOT NULL AND left_at >= :since AND left_at <= :now
GROUP BY stage
"""


def stage_p90(store: Store, since: datetime, now: datetime) -> dict[str, tuple[float, int]]:
    """Stage → (P90 of the days deals stayed in it, number of stays), over the stays that
    ended (the deal entered its next stage, or 失注) between ``since`` and ``now``; linear
    interpolation between order statistics (``numpy.percentile``'s default)."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(STAGE_P90), {"since": since, "now": now}).all()
    return {str(r[0]): (float(r[1]), int(r[2])) for r in rows if r[1] is not None}


def history_stamp(store: Store) -> tuple[int, int | None]:
    """How many stage-history rows there are and the newest id: a key that changes whenever
    the history does (the learned P90s are kept until it does)."""
    with store.engine.connect() as conn:
        n, top = conn.execute(sa.text("SELECT COUNT(*), MAX(id) FROM deal_stage_history")).one()
    return int(n), (int(top) if top is not None else None)


def source_activity(store: Store, now: datetime) -> dict[str, datetime]:
    """Per source, the newest activity known at ``now`` (its entry time, else when it occurred)."""
    sql = """
        SELECT a.source, MAX(COALESCE(a.logged_at, a.occurred_at))
        FROM activities a WHERE COALESCE(a.logged_at, a.occurred_at) <= :now
        GROUP BY a.source
    """
    with store.engine.connect() as conn:
        return {str(r[0]): r[1] for r in conn.execute(sa.text(sql), {"now": now}) if r[1] is not None}


def last_imports(store: Store, now: datetime) -> dict[str, datetime]:
    """Per preset, when its last successful import finished (by ``now``)."""
    sql = """
        SELECT preset, MAX(finished_at) FROM import_runs
        WHERE status = 'done' AND finished_at IS NOT NULL AND finished_at <= :now
        GROUP BY preset
    """
    with store.engine.connect() as conn:
        return {str(r[0]): r[1] for r in conn.execute(sa.text(sql), {"now": now}) if r[1] is not None}


# one deal, for the stalled-deal link -------------------------------------------------------
def deal(store: Store, deal_id: int) -> dict[str, Any] | None:
    sql = """
        SELECT d.id, d.name, d.owner_id, m.name AS owner, d.stage, d.amount, d.currency, d.probability,
               d.created_at, d.expected_close_on, d.closed_at, d.is_closed, d.is_won, d.lost_reason,
               d.source, d.external_id, acc.name AS account
        FROM deals d LEFT JOIN members m ON m.id = d.owner_id LEFT JOIN accounts acc ON acc.id = d.account_id
        WHERE d.id = :id
    """
    with store.engine.connect() as conn:
        row = conn.execute(sa.text(sql), {"id": deal_id}).first()
    return dict(row._mapping) if row is not None else None


def deal_history(store: Store, deal_id: int) -> list[dict[str, Any]]:
    sql = (
        "SELECT stage, entered_at, amount FROM deal_stage_history WHERE deal_id = :id ORDER BY entered_at, id"
    )
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), {"id": deal_id})]


def deal_activities(store: Store, deal_id: int, limit: int = 20) -> list[dict[str, Any]]:
    sql = """
        SELECT a.id, a.type, a.outcome, a.subject, a.occurred_at, a.logged_at, a.member_id, m.name AS member
        FROM activities a LEFT JOIN members m ON m.id = a.member_id
        WHERE a.deal_id = :id ORDER BY a.occurred_at DESC, a.id DESC LIMIT :limit
    """
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(sql), {"id": deal_id, "limit": limit})]


__all__ = [
    "DealRow",
    "EntryRow",
    "MemberRow",
    "active_members",
    "deal",
    "deal_activities",
    "deal_history",
    "entry_stats",
    "history_stamp",
    "last_imports",
    "open_deals",
    "source_activity",
    "stage_p90",
]
