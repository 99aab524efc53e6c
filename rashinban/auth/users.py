"""Users, logins and API tokens in the store."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from rashinban.auth.passwords import verify_password
from rashinban.store import Store
from rashinban.store.ids import lock_for_write, reserve
from rashinban.store.schema import api_tokens, users

ROLES = ("admin", "manager", "member", "partner", "viewer")
# a real hash of a random password: unknown users cost as much time as known ones
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$RdL0R3f0L3II1QMP7c6Cww$EsUd2p1RO7RLWLJ2WuLQzC4mm8nqoYWN6XxoIVB/ASU"
)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    role: str
    member_id: int | None
    team_id: int | None
    locale: str | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.username


def _user(row: sa.Row[object]) -> User:
    m = row._mapping
    return User(
        m["id"], m["username"], m["display_name"], m["role"], m["member_id"], m["team_id"], m["locale"]
    )


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username, users.c.active)).first()
    if row is None:
        verify_password(password, _DUMMY_HASH)  # spend the same time as a real check
        return None
    return _user(row) if verify_password(password, row._mapping["password_hash"]) else None


def get_user(store: Store, user_id: int) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.id == user_id, users.c.active)).first()
    return _user(row) if row is not None else None


def find_user(store: Store, username: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username)).first()
    return _user(row) if row is not None else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, user: User, name: str | None = None) -> str:
    """A new API token for ``user``; only its hash is stored, the token is shown once."""
    token = "rsb_" + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        lock_for_write(conn)
        tid = reserve(conn, "api_tokens", 1)
        conn.execute(
            api_tokens.insert().values(
                id=tid, user_id=user.id, token_hash=_token_hash(token), name=name, created_at=datetime.now()
            )
        )
    return token


def revoke_tokens(store: Store, user: User) -> int:
    with store.engine.begin() as conn:
        result = conn.execute(
            api_tokens.update()
            .where(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now())
        )
    return int(result.rowcount or 0)


def user_for_token(store: Store, token: str) -> User | None:
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == _token_hash(token),
                api_tokens.c.revoked_at.is_(None),
                users.c.active,
            )
        ).first()
    return _user(row) if row is not None else None
