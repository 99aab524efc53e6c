"""Planted causes of a miss on a copy of the demo store (written through ``Store.write``):

* design — the team's stored 売上 target is set to three times its history while the KPI
  targets below stay as planned (the tree no longer adds up, the target is unrealistic);
* execution — one team's month: most activities gone, those left entered three days late,
  most of its won deals lost instead (its win rate falls against its history and its peers);
* market — the whole company's month: 45 % of the leads and of the won deals gone (every
  team and channel down together, the lead inflow down).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.store.db import Store

MONTH_START, MONTH_END = datetime(2026, 10, 1), datetime(2026, 11, 1)


def _members(conn: sa.Connection, team: int) -> list[int]:
    teams = {team}
    rows = conn.execute(sa.text("SELECT id, parent_id FROM teams")).all()
    changed = True
    while changed:
        changed = False
        for tid, parent in rows:
            if parent in teams and tid not in teams:
                teams.add(tid)
                changed = True
    ids = conn.execute(
        sa.text(f"SELECT id FROM members WHERE team_id IN ({','.join(map(str, teams))})")
    ).all()
    return [int(r[0]) for r in ids]


def field_team(store: Store) -> tuple[int, str]:
    """A field-sales unit (課) with its peers: the team with the most won deals."""
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT t.id, t.name FROM teams t JOIN members m ON m.team_id = t.id"
                " JOIN deals d ON d.owner_id = m.id"
                " WHERE d.is_won GROUP BY t.id, t.name ORDER BY COUNT(*) DESC LIMIT 1"
            )
        ).one()
    return int(row[0]), str(row[1])


def plant_design(store: Store, team: int, model: str, history_mean: float) -> None:
    with store.write() as conn:
        nxt = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM targets")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO targets (id, model, node, scope_type, scope_id, period, tier, value, revision,"
                " author, reason, created_at) VALUES (:id, :model, 'revenue', 'team', :team, '2026-10',"
                " 'target', :v, 1, 'test', 'planted', :at)"
            ),
            {"id": nxt, "model": model, "team": team, "v": round(history_mean * 3), "at": MONTH_START},
        )


def plant_execution(store: Store, team: int) -> None:
    with store.write() as conn:
        ms = ",".join(map(str, _members(conn, team)))
        window: dict[str, Any] = {"a": MONTH_START, "b": MONTH_END}
        conn.execute(
            sa.text(
                f"DELETE FROM activities WHERE member_id IN ({ms}) AND occurred_at >= :a AND occurred_at < :b"
                " AND id % 10 < 6"
            ),
            window,
        )
        conn.execute(
            sa.text(
                "UPDATE activities SET logged_at = occurred_at + INTERVAL '72 hours'"
                f" WHERE member_id IN ({ms}) AND occurred_at >= :a AND occurred_at < :b"
            ),
            window,
        )
        conn.execute(
            sa.text(
                f"UPDATE deals SET is_won = FALSE, lost_reason = '競合' WHERE owner_id IN ({ms}) AND is_won"
                " AND closed_at >= :a AND closed_at < :b AND id % 10 < 7"
            ),
            window,
        )


def plant_market(store: Store) -> None:
    with store.write() as conn:
        window: dict[str, Any] = {"a": MONTH_START, "b": MONTH_END}
        conn.execute(
            sa.text(
                "UPDATE deals SET lead_id = NULL WHERE lead_id IN"
                " (SELECT id FROM leads WHERE created_at >= :a AND created_at < :b AND id % 20 < 9)"
            ),
            window,
        )
        conn.execute(
            sa.text("DELETE FROM leads WHERE created_at >= :a AND created_at < :b AND id % 20 < 9"), window
        )
        conn.execute(
            sa.text(
                "UPDATE deals SET is_won = FALSE, lost_reason = '予算なし' WHERE is_won AND closed_at >= :a"
                " AND closed_at < :b AND id % 20 < 9"
            ),
            window,
        )
