"""Who may write what (activity log, imports, plans, admin).

The rules are those of the read side's role scopes: ``admin`` everything; ``manager`` own
team and its sub-teams; ``member`` own data; ``partner`` only the agency team; ``viewer``
read-only.  (To be replaced by ``rashinban.auth.access`` once it exists.)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from rashinban.auth.users import User
from rashinban.errors import RashinbanError
from rashinban.store import Store
from rashinban.store.schema import members, teams


class Forbidden(RashinbanError):
    """The signed-in user may not do this."""

    http_status = 403


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


def _is_agency(store: Store, team_id: int | None) -> bool:
    if team_id is None:
        return False
    with store.engine.connect() as conn:
        kind = conn.execute(sa.select(teams.c.kind).where(teams.c.id == team_id)).scalar()
    return kind == "agency"


def writable_members(store: Store, user: User | None) -> list[MemberChoice] | None:
    """Members this user may log activities for (None: every member — admins and the CLI)."""
    if user is None or user.role == "admin":
        return None
    team_ids: set[int] = set()
    own: set[int] = set()
    scoped = user.role == "manager" or (user.role == "partner" and _is_agency(store, user.team_id))
    if scoped and user.team_id is not None:
        team_ids = team_subtree(store, user.team_id)
    if user.role in ("manager", "member") and user.member_id is not None:
        own.add(user.member_id)
    if user.role == "viewer":
        return []
    q = (
        sa.select(members.c.id, members.c.name, teams.c.name.label("team"))
        .select_from(members.outerjoin(teams, teams.c.id == members.c.team_id))
        .where(members.c.active, sa.or_(members.c.team_id.in_(team_ids), members.c.id.in_(own)))
        .order_by(members.c.id)
    )
    if not team_ids and not own:
        return []
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
    key = (id(store), user)
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
