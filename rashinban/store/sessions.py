"""Server-side sessions: one row per signed-in browser (see ``schema_security.sessions``).

Times are naive UTC instants.  Reads join the user, so one query says whether the session
is alive *and* who it belongs to; writes are side writes (``Store.side_write``): they never
wait for an import; a sign-out bumps the sessions version (``store/version.py``), on which
the web's session cache is keyed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa

from rashinban.org.users import User
from rashinban.store.db import Store
from rashinban.store.schema import sessions, users
from rashinban.store.version import bump_sessions

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is refreshed at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LiveSession:
    id: str
    user: User
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def create(
    store: Store,
    token: str,
    user_id: int,
    now: datetime,
    lifetime: timedelta,
    user_agent: str | None,
    address: str | None,
) -> None:
    """A new session for ``user_id`` carrying the user's current stamp."""
    with store.side_write() as conn:
        stamp = conn.execute(
            sa.select(sa.func.coalesce(users.c.security_stamp, 0)).where(users.c.id == user_id)
        ).scalar_one()
        conn.execute(
            sessions.insert().values(
                id=token_hash(token),
                user_id=user_id,
                stamp=int(stamp),
                created_at=now,
                last_seen_at=now,
                expires_at=now + lifetime,
                user_agent=(user_agent or "")[:200] or None,
                address=(address or "")[:64] or None,
            )
        )


def _alive_query(sid: str) -> sa.Select[tuple[object, ...]]:
    return (
        sa.select(sessions, users)
        .join(users, users.c.id == sessions.c.user_id)
        .where(
            sessions.c.id == sid,
            sessions.c.revoked_at.is_(None),
            users.c.active,
            sa.func.coalesce(users.c.security_stamp, 0) == sessions.c.stamp,
        )
    )


def find(store: Store, sid: str) -> LiveSession | None:
    """The session ``sid`` unless it was revoked or its user changed since it began; the
    caller checks its expiry and idle time (:func:`alive`).  What it returns can change
    only with the organisation version (users) or the sessions version (a sign-out)."""
    with store.engine.connect() as conn:
        row = conn.execute(_alive_query(sid)).first()
    if row is None:
        return None
    m = row._mapping
    user = User(
        m[users.c.id],
        m[users.c.username],
        m[users.c.display_name],
        m[users.c.role],
        m[users.c.member_id],
        m[users.c.team_id],
        m[users.c.locale],
    )
    return LiveSession(
        sid, user, m[sessions.c.created_at], m[sessions.c.last_seen_at], m[sessions.c.expires_at]
    )


def alive(found: LiveSession, now: datetime, idle: timedelta) -> bool:
    return found.expires_at > now and found.last_seen_at > now - idle


def touch(store: Store, sid: str, now: datetime) -> bool:
    """Refresh last_seen_at (best effort: a busy store must not fail the request)."""
    try:
        with store.side_write() as conn:
            conn.execute(sessions.update().where(sessions.c.id == sid).values(last_seen_at=now))
    except sa.exc.DBAPIError:
        return False
    return True


def live(store: Store, token: str, now: datetime, idle: timedelta) -> LiveSession | None:
    """The session of ``token`` when it is alive (not revoked, not expired, not idle, the
    user active and unchanged since it began), touching it at most once a minute."""
    found = find(store, token_hash(token))
    if found is None or not alive(found, now, idle):
        return None
    if now - found.last_seen_at >= TOUCH_EVERY and touch(store, found.id, now):
        found = replace(found, last_seen_at=now)
    return found


def revoke(store: Store, token: str, now: datetime) -> int | None:
    """End one session; the user id it belonged to (None: no such live session)."""
    sid = token_hash(token)
    with store.side_write() as conn:
        uid = conn.execute(
            sa.select(sessions.c.user_id).where(sessions.c.id == sid, sessions.c.revoked_at.is_(None))
        ).scalar()
        conn.execute(
            sessions.update()
            .where(sessions.c.id == sid, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        if uid is not None:
            bump_sessions(conn)  # every worker's session cache forgets it
    return None if uid is None else int(uid)


def bump_stamp(conn: sa.Connection, user_id: int) -> None:
    """End every session of a user (inside the caller's writing transaction)."""
    conn.execute(
        users.update()
        .where(users.c.id == user_id)
        .values(security_stamp=sa.func.coalesce(users.c.security_stamp, 0) + 1)
    )


def count_live(store: Store, user_id: int, now: datetime, idle: timedelta) -> int:
    q = (
        sa.select(sa.func.count())
        .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
        .where(
            sessions.c.user_id == user_id,
            sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now,
            sessions.c.last_seen_at > now - idle,
            sa.func.coalesce(users.c.security_stamp, 0) == sessions.c.stamp,
        )
    )
    with store.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def purge(store: Store, now: datetime) -> int:
    """Forget sessions that ended more than a day ago."""
    cutoff = now - timedelta(days=1)
    with store.side_write() as conn:
        result = conn.execute(
            sessions.delete().where(sa.or_(sessions.c.expires_at < cutoff, sessions.c.revoked_at < cutoff))
        )
    return int(result.rowcount or 0)
