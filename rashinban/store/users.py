"""Users and API tokens in the store (password checks live in ``app.accounts``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa

from rashinban.org.users import User
from rashinban.store.db import Store
from rashinban.store.ids import reserve
from rashinban.store.schema import api_tokens, users


def _user(row: sa.Row[object]) -> User:
    m = row._mapping
    return User(
        m["id"], m["username"], m["display_name"], m["role"], m["member_id"], m["team_id"], m["locale"]
    )


def user_with_hash(store: Store, username: str) -> tuple[User, str | None] | None:
    """The active user with this name and their password hash (None: no such active user)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username, users.c.active)).first()
    return (_user(row), row._mapping["password_hash"]) if row is not None else None


def get_user(store: Store, user_id: int) -> User | None:
    """The active user with this id."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id, users.c.active)).first()
    return _user(row) if row is not None else None


def find_user(store: Store, username: str) -> User | None:
    """A user by name, active or not."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row is not None else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, user: User, name: str | None, now: datetime) -> str:
    """A new API token for ``user``; only its hash is stored, the token is shown once."""
    token = "rsb_" + secrets.token_urlsafe(32)
    with store.write() as conn:
        tid = reserve(conn, "api_tokens", 1)
        conn.execute(
            api_tokens.insert().values(
                id=tid, user_id=user.id, token_hash=token_hash(token), name=name, created_at=now
            )
        )
    return token


def revoke_tokens(store: Store, user: User, now: datetime) -> int:
    with store.write() as conn:
        result = conn.execute(
            api_tokens.update()
            .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return int(result.rowcount or 0)


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
