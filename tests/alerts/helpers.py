"""Small helpers of the alerts tests: rules in place of the defaults, a rep under the demo
manager, counting activities, the runner with every job kind."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import sqlalchemy as sa

from rashinban.clock import FixedClock
from rashinban.jobs import Runner
from rashinban.jobs.kinds import handlers
from rashinban.org.users import User
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store import admin as settings_store
from rashinban.store.users import find_user
from tests.alerts import oracle


def only(system: Rashinban, *rules: dict[str, Any]) -> list[int]:
    """Replace the default rules by these (the defaults are never created)."""
    settings_store.set_setting(system.ctx.store, "alerts_defaults", True, "test", system.ctx.now())
    system.ctx.refresh()
    return [system.alerts.create_rule(r).id for r in rules]


def rep_under_manager(store: Store) -> tuple[User, User]:
    """A member user whose team is below the demo manager's department, and the manager."""
    manager = find_user(store, "manager")
    assert manager is not None and manager.team_id is not None
    o = oracle.org(store)
    with store.engine.connect() as conn:
        names = [
            r[0]
            for r in conn.execute(sa.text("SELECT username FROM users WHERE role = 'member' ORDER BY id"))
        ]
    for name in names:
        user = find_user(store, name)
        assert user is not None and user.member_id is not None
        if manager.team_id in o.chain(o.member_team.get(user.member_id)):
            return user, manager
    raise AssertionError("no rep under the demo manager")


def calls_in_window(store: Store, member_id: int, now: datetime, days: int = 5) -> int:
    start = datetime.combine(oracle.window_start(now.date(), days), time())
    end = datetime.combine(now.date(), time())
    acts = oracle.activities(store, now)
    win = acts[(acts.occurred_at >= start) & (acts.occurred_at < end) & (acts.member_id == member_id)]
    return len(win)


def runner(store: Store, clock: FixedClock, worker: str = "w1") -> Runner:
    return Runner(store, clock, handlers(), worker_id=worker, holidays=())


def floor_rule(member: User, enter: int, **extra: Any) -> dict[str, Any]:
    """An activity floor that only ``member`` can fall under (everyone else: 0)."""
    return {
        "name": "活動量の下限",
        "kind": "late_entry",
        "check": "count",
        "enter": 0,
        "window_days": 5,
        "overrides": [{"scope": f"member:{member.member_id}", "enter": enter}],
        **extra,
    }


def notices(store: Store, alert_id: int | None = None) -> set[tuple[int, int, str, str]]:
    """(alert, user, reason, state) of every notice (of one alert)."""
    sql = "SELECT alert_id, user_id, reason, state FROM alert_notices"
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    return {(int(a), int(u), str(r), str(s)) for a, u, r, s in rows if alert_id is None or a == alert_id}
