"""Users and API tokens in the store (password checks live in ``app.accounts``)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from rashinban.org.users import User
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import api_tokens, users

AuditHook = Callable[[sa.Connection, int], None]  # writes the audit row in the same transaction


def _user(row: sa.Row[object]) -> User:
    m = row._mapping
    return User(
        m["id"], m["username"], m["display_name"], m["role"], m["member_id"], m["team_id"], m["locale"]
    )


def user_with_hash(store: Store, key: str) -> tuple[User, str | None] | None:
    """The active user whose normalised name is ``key`` (``auth.names.username_key``) and
    their password hash (None: no such active user).  Rows written before the key existed
    match on their lower-cased name."""
    match = sa.or_(
        users.c.username_key == key,
        sa.and_(users.c.username_key.is_(None), sa.func.lower(users.c.username) == key),
    )
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(match, users.c.active).order_by(users.c.id)).first()
    return (_user(row), row._mapping["password_hash"]) if row is not None else None


def password_hash_of(store: Store, user_id: int) -> str | None:
    with store.engine.connect() as conn:
        value = conn.execute(sa.select(users.c.password_hash).where(users.c.id == user_id)).scalar()
    return None if value is None else str(value)


def get_user(store: Store, user_id: int) -> User | None:
    """The active user with this id."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id, users.c.active)).first()
    return _user(row) if row is not None else None


def find_by_key(store: Store, key: str) -> User | None:
    """A user, active or not, by normalised name (``auth.names.username_key``)."""
    match = sa.or_(
        users.c.username_key == key,
        sa.and_(users.c.username_key.is_(None), sa.func.lower(users.c.username) == key),
    )
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(match).order_by(users.c.id)).first()
    return _user(row) if row is not None else None


def find_user(store: Store, username: str) -> User | None:
    """A user by name, active or not."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row is not None else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    store: Store, user: User, name: str | None, now: datetime, audit: AuditHook | None = None
) -> tuple[int, str]:
    """A new API token for ``user`` (its id, the token); only its hash is stored, the token
    is shown once."""
    token = "rsb_" + secrets.token_urlsafe(32)
    with store.write() as conn:
        tid = reserve(conn, "api_tokens", 1)
        conn.execute(
            api_tokens.insert().values(
                id=tid, user_id=user.id, token_hash=token_hash(token), name=name, created_at=now
            )
        )
        if audit is not None:
            audit(conn, tid)
    return tid, token


def revoke_tokens(
    store: Store, user_id: int, now: datetime, token_id: int | None = None, audit: AuditHook | None = None
) -> int:
    """Revoke every live token of a user (or just ``token_id``); how many were revoked."""
    cond = [api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None)]
    if token_id is not None:
        cond.append(api_tokens.c.id == token_id)
    with store.write() as conn:
        result = conn.execute(api_tokens.update().where(*cond).values(revoked_at=now))
        count = int(result.rowcount or 0)
        if audit is not None and count:
            audit(conn, count)
    return count


@dataclass(frozen=True)
class TokenRow:
    id: int
    user_id: int
    username: str
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


def list_tokens(store: Store, user_id: int | None = None) -> list[TokenRow]:
    q = (
        sa.select(
            api_tokens.c.id,
            api_tokens.c.user_id,
            users.c.username,
            api_tokens.c.name,
            api_tokens.c.created_at,
            api_tokens.c.revoked_at,
        )
        .join(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.id)
    )
    if user_id is not None:
        q = q.where(api_tokens.c.user_id == user_id)
    with store.engine.connect() as conn:
        return [TokenRow(*r) for r in conn.execute(q)]


def token_owner(store: Store, token_id: int) -> int | None:
    with store.engine.connect() as conn:
        value = conn.execute(sa.select(api_tokens.c.user_id).where(api_tokens.c.id == token_id)).scalar()
    return None if value is None else int(value)


def set_password(
    store: Store, user_id: int, password_hash: str, now: datetime, audit: AuditHook | None = None
) -> bool:
    """A new password hash; every session of the user ends (the stamp moves on)."""
    from rashinban.store.sessions import bump_stamp

    with store.write() as conn:
        done = conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(password_hash=password_hash, password_changed_at=now)
        ).rowcount
        if done:
            bump_stamp(conn, user_id)
            if audit is not None:
                audit(conn, user_id)
    return bool(done)


def set_locale_if_unset(store: Store, user_id: int, locale: str) -> bool:
    """Store the user's language unless they already have one (their first sign-in takes the
    browser's language as their choice); True when it was stored."""
    with store.write() as conn:
        done = conn.execute(
            users.update().where(users.c.id == user_id, users.c.locale.is_(None)).values(locale=locale)
        ).rowcount
    return bool(done)


def user_for_token(store: Store, token: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == token_hash(token),
                api_tokens.c.revoked_at.is_(None),
                users.c.active,
            )
        ).first()
    return _user(row) if row is not None else None
