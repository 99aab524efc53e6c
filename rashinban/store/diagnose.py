"""What the 運用診断 reads from the store: recent data arrival, sign-ins, lead definitions and
hand-offs in the facts, entry lag, closed deals with stage history, meetings, actions and
revisions — one small query each, returned as plain numbers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import (
    action_items,
    activities,
    deal_stage_history,
    deals,
    import_runs,
    kpi_models,
    kpi_revisions,
    leads,
    review_meetings,
    sessions,
    targets,
    users,
)


def _count(conn: sa.Connection, q: Any) -> int:
    return int(conn.execute(q).scalar() or 0)


def facts(
    store: Store, now: datetime, instant_utc: datetime, fresh_days: int, lag_hours: float | None
) -> dict[str, Any]:
    """Numbers as of ``now`` (business-local) and ``instant_utc`` (naive UTC, for sessions)."""
    since = now - timedelta(days=fresh_days)
    q90 = now - timedelta(days=90)
    out: dict[str, Any] = {}
    with store.engine.connect() as conn:
        out["imports_recent"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(import_runs)
            .where(
                import_runs.c.status == "done",
                import_runs.c.finished_at >= since,
                import_runs.c.finished_at <= now,
            ),
        )
        out["activities_recent"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(activities)
            .where(activities.c.logged_at >= since, activities.c.logged_at <= now),
        )
        out["deals_recent"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(deals)
            .where(deals.c.created_at >= since, deals.c.created_at <= now),
        )
        out["last_activity"] = conn.execute(
            sa.select(sa.func.max(activities.c.logged_at)).where(activities.c.logged_at <= now)
        ).scalar()
        week = instant_utc - timedelta(days=7)
        seen = conn.execute(
            sa.select(users.c.role, sa.func.count(sa.distinct(sessions.c.user_id)))
            .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
            .where(sessions.c.last_seen_at >= week)
            .group_by(users.c.role)
        ).all()
        out["signed_in_week"] = {str(r[0]): int(r[1]) for r in seen}
        out["mql_recent"] = _count(
            conn,
            sa.select(sa.func.count()).select_from(leads).where(leads.c.mql_at >= q90, leads.c.mql_at <= now),
        )
        out["sql_recent"] = _count(
            conn,
            sa.select(sa.func.count()).select_from(leads).where(leads.c.sql_at >= q90, leads.c.sql_at <= now),
        )
        out["sql_converted"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(leads)
            .where(leads.c.sql_at >= q90, leads.c.sql_at <= now, leads.c.converted_deal_id.is_not(None)),
        )
        recent = sa.and_(
            activities.c.occurred_at >= now - timedelta(days=30), activities.c.occurred_at <= now
        )
        out["entries_30d"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(activities)
            .where(recent, activities.c.logged_at.is_not(None)),
        )
        out["entries_on_time"] = None
        if lag_hours is not None:
            rows = conn.execute(
                sa.select(activities.c.occurred_at, activities.c.logged_at).where(
                    recent, activities.c.logged_at.is_not(None)
                )
            ).all()
            limit = timedelta(hours=lag_hours)
            out["entries_on_time"] = sum(1 for o, lg in rows if lg - o <= limit)
        with_history = sa.select(deal_stage_history.c.deal_id).distinct().subquery()
        closed = (
            sa.select(deals.c.is_won, sa.func.count())
            .select_from(deals.join(with_history, with_history.c.deal_id == deals.c.id))
            .where(deals.c.is_closed, deals.c.closed_at <= now)
            .group_by(deals.c.is_won)
        )
        counts = {bool(r[0]): int(r[1]) for r in conn.execute(closed)}
        out["won_with_history"], out["lost_with_history"] = counts.get(True, 0), counts.get(False, 0)
        first = conn.execute(sa.select(sa.func.min(deals.c.created_at))).scalar()
        out["history_months"] = (
            (now.year - first.year) * 12 + now.month - first.month + 1 if isinstance(first, datetime) else 0
        )
        out["meetings"] = [
            (str(r[0]), int(r[1]), r[2], str(r[3]))
            for r in conn.execute(
                sa.select(
                    review_meetings.c.scope_type,
                    review_meetings.c.scope_id,
                    sa.func.coalesce(review_meetings.c.held_at, review_meetings.c.created_at),
                    review_meetings.c.state,
                ).where(review_meetings.c.created_at <= now)
            )
        ]
        out["actions"] = [
            (r[0], r[1], str(r[2]), r[3], r[4])
            for r in conn.execute(
                sa.select(
                    action_items.c.meeting_id,
                    action_items.c.node,
                    action_items.c.scope_type,
                    action_items.c.scope_id,
                    action_items.c.created_at,
                )
            )
        ]
        half = now - timedelta(days=183)
        out["revisions_applied"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(kpi_revisions)
            .where(kpi_revisions.c.state == "applied", kpi_revisions.c.decided_at >= half),
        )
        out["model_versions_recent"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(kpi_models)
            .where(kpi_models.c.created_at >= half, kpi_models.c.version > 1),
        )
        out["target_revisions_recent"] = _count(
            conn,
            sa.select(sa.func.count())
            .select_from(targets)
            .where(targets.c.created_at >= half, targets.c.revision > 1, targets.c.reason.is_not(None)),
        )
    return out


__all__ = ["facts"]
