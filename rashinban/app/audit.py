"""The audit trail: who did what, when, from where, and what changed (old → new).

Other app modules build events with :func:`event` (the actor and address come from the
context) and write them inside their own transaction (``store.audit.record``) or on their
own (:func:`record`).  Refusals are recorded at most ``FORBIDDEN_PER_MINUTE`` times a
minute per user or address and worker (the log must not become the attacker's disk).
Admins read the trail (:class:`Audit`): the page, ``/api/audit`` and ``rashinban audit``.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from datetime import datetime, timedelta
from typing import Any

from rashinban.app.context import AppContext
from rashinban.app.results.audit import AuditEntry, AuditPage
from rashinban.errors import UsageError
from rashinban.kpi.calendar import parse_period
from rashinban.org.roles import Permission
from rashinban.store import audit as store_audit
from rashinban.store.audit import CONFIG, DATA, SECURITY, Event

ACTIONS: dict[str, tuple[str, ...]] = {
    SECURITY: (
        "login",
        "login_failed",
        "login_throttled",
        "logout",
        "forbidden",
        "password_changed",
        "password_reset",
        "sessions_revoked",
        "token_created",
        "token_revoked",
    ),
    CONFIG: (
        "user_created",
        "user_updated",
        "team_created",
        "team_updated",
        "setting_changed",
        "targets_saved",
        "member_renamed",
        "member_moved",
        "member_merged",
    ),
    DATA: ("import", "update", "activity_undone"),
}
FORBIDDEN_PER_MINUTE = 10
_RECENT: dict[str, deque[float]] = defaultdict(deque)
_RECENT_LOCK = threading.Lock()


def event(ctx: AppContext, action: str, category: str, **fields: Any) -> Event:
    """An event by the context's user (or the CLI's OS user) from the context's address."""
    user = ctx.user
    fields.setdefault("actor", ctx.actor)
    fields.setdefault("actor_id", user.id if user is not None else None)
    fields.setdefault("address", ctx.address)
    return Event(action, category, **fields)


def record(ctx: AppContext, ev: Event) -> None:
    store_audit.record_now(ctx.store, ev, ctx.now())


def record_forbidden(ctx: AppContext, path: str, method: str, status: int, code: str) -> bool:
    """A refusal, unless this user (or address) had ``FORBIDDEN_PER_MINUTE`` recorded in the
    last minute; True when it was recorded."""
    who = f"u{ctx.user.id}" if ctx.user is not None else f"a{ctx.address}"
    now = ctx.clock.instant().timestamp()
    with _RECENT_LOCK:
        q = _RECENT[who]
        while q and now - q[0] > 60:
            q.popleft()
        if len(q) >= FORBIDDEN_PER_MINUTE:
            return False
        q.append(now)
    detail = {"path": path[:200], "method": method, "status": status, "code": code}
    record(ctx, event(ctx, "forbidden", SECURITY, detail=detail))
    return True


def _bound(text: str | None, end: bool) -> datetime | None:
    if not text:
        return None
    try:
        span = parse_period(text)
    except Exception:
        raise UsageError("option_not_date", option="since/until", value=text[:40]) from None
    day = span.end + timedelta(days=1) if end else span.start
    return datetime(day.year, day.month, day.day)


class Audit:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def actions(self) -> dict[str, tuple[str, ...]]:
        return ACTIONS

    def forbidden(self, path: str, method: str, status: int, code: str = "") -> bool:
        """Record a refusal (rate-limited per user or address)."""
        return record_forbidden(self.ctx, path, method, status, code)

    def entries(
        self,
        *,
        action: str | None = None,
        category: str | None = None,
        actor: str | None = None,
        since: str | None = None,
        until: str | None = None,
        text: str | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> AuditPage:
        """Events, newest first (admins only); ``since``/``until`` are days or periods
        (``2026-11-20``, ``2026-11``), ``before_id`` pages back."""
        self.ctx.require(Permission.AUDIT)
        if category is not None and category not in ACTIONS:
            raise UsageError("audit_bad_category", value=category[:40], choices=", ".join(ACTIONS))
        limit = max(1, min(limit, 1000))
        rows = store_audit.query(
            self.ctx.store,
            actions=[a.strip() for a in action.split(",") if a.strip()] if action else None,
            category=category,
            actor=actor.strip() if actor else None,
            since=_bound(since, end=False),
            until=_bound(until, end=True),
            text=text.strip()[:100] if text and text.strip() else None,
            before_id=before_id,
            limit=limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return AuditPage(
            entries=[AuditEntry.of(r) for r in rows],
            next_before_id=rows[-1].id if more and rows else None,
        )


def audit_hook(ctx: AppContext, action: str, table: str, key: object, category: str = CONFIG) -> Any:
    """A hook the admin store calls inside a change's transaction: ``(conn, old, new)``
    writes ``action`` with what changed."""
    now = ctx.now()

    def hook(conn: Any, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        ev = event(ctx, action, category, table=table, key=str(key), before=before, after=after)
        store_audit.record(conn, ev, now)

    return hook
