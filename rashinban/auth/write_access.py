"""Who may write what (activity log, imports, plans, admin).

The rules are those of the read side's role scopes: ``admin`` everything; ``manager`` own
team and its sub-teams; ``member`` own data; ``partner`` only the agency team; ``viewer``
read-only — the scopes of :mod:`rashinban.auth.access`, writable unless read-only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from rashinban.auth.users import User
from rashinban.errors import ForbiddenError
from rashinban.store import Store
from rashinban.store.schema import members, teams


class Forbidden(ForbiddenError):
    """The signed-in user may not do this (write)."""


@dataclass(frozen=True)
class MemberChoice:
    id: int
    name: str
    team: str | None


def require(user: User | None, *roles: str) -> User:
    """The user, when signed in with one of ``roles``; else :class:`Forbidden`."""
    if user is None or user.role not in roles:
        raise Forbidden("forbidden_role", role=user.role if user else "-")
    return user


def team_subtree(store: Store, team_id: int) -> set[int]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(teams.c.id, teams.c.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for tid, parent in rows:
        children.setdefault(parent, []).append(tid)
    out: set[int] = set()
    stack = [team_id]
    while stack:
        tid = stack.pop()
        if tid in out:
            continue
        out.add(tid)
        stack.extend(children.get(tid, []))
    return out


def writable_members(store: Store, user: User | None) -> list[MemberChoice] | None:
    """Members this user may log activities for (None: every member — admins and the CLI).

    The member scopes that :func:`rashinban.auth.access.access_for` lets the user see,
    unless the role is read-only (viewer)."""
    from rashinban.auth.access import access_for
    from rashinban.metrics.backends import load_scope_index
    from rashinban.metrics.scopes import MEMBER

    if user is None or user.role == "admin":
        return None
    access = access_for(user, load_scope_index(store))
    if access.read_only or user.role not in ("manager", "member", "partner"):
        return []
    ids = [sid for (kind, sid) in (access.visible or frozenset()) if kind == MEMBER]
    if not ids:
        return []
    q = (
        sa.select(members.c.id, members.c.name, teams.c.name.label("team"))
        .select_from(members.outerjoin(teams, teams.c.id == members.c.team_id))
        .where(members.c.active, members.c.id.in_(ids))
        .order_by(members.c.id)
    )
    with store.engine.connect() as conn:
        return [MemberChoice(r.id, r.name, r.team) for r in conn.execute(q)]


def all_members(store: Store) -> list[MemberChoice]:
    q = (
        sa.select(members.c.id, members.c.name, teams.c.name.label("team"))
        .select_from(members.outerjoin(teams, teams.c.id == members.c.team_id))
        .where(members.c.active)
        .order_by(members.c.id)
    )
    with store.engine.connect() as conn:
        return [MemberChoice(r.id, r.name, r.team) for r in conn.execute(q)]


_CACHE: dict[tuple[object, ...], tuple[float, frozenset[int] | None]] = {}
_CACHE_LOCK = threading.Lock()
CACHE_SECONDS = 30.0


def invalidate() -> None:
    """Forget cached scopes (after an admin changes users, teams or members)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def can_log_for(store: Store, user: User | None, member_id: int) -> bool:
    """May ``user`` log for this (existing, active) member?  Cached briefly per user: the
    activity log is the hot write path."""
    key = (id(store), store.url, user)
    now = time.monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is None or now - hit[0] > CACHE_SECONDS:
        allowed = writable_members(store, user)
        if allowed is None:
            allowed = all_members(store)
        hit = (now, frozenset(m.id for m in allowed))
        with _CACHE_LOCK:
            _CACHE[key] = hit
    ids = hit[1]
    return ids is not None and member_id in ids
