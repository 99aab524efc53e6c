"""Signing in: passwords, API tokens, the signed-in user, the session signing secret."""

from __future__ import annotations

import os

from rashinban.app.context import AppContext
from rashinban.auth.passwords import verify_password
from rashinban.errors import NotFoundError
from rashinban.org.users import User
from rashinban.store import secrets as secret_store
from rashinban.store import users as user_store

# a real hash of a random password: unknown users cost as much time as known ones
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$RdL0R3f0L3II1QMP7c6Cww$EsUd2p1RO7RLWLJ2WuLQzC4mm8nqoYWN6XxoIVB/ASU"
)


class Accounts:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, else None (same cost either way).
        Blocking (argon2): call it from a worker thread."""
        found = user_store.user_with_hash(self.ctx.store, username)
        if found is None:
            verify_password(password, _DUMMY_HASH)  # spend the same time as a real check
            return None
        user, password_hash = found
        return user if verify_password(password, password_hash) else None

    def user(self, user_id: int) -> User | None:
        """The active user with this id (cached on the organisation version: a deactivation
        or role change by any worker counts on the next request)."""
        return self.ctx.org_cached(("user", user_id), lambda: user_store.get_user(self.ctx.store, user_id))

    def token_user(self, token: str) -> User | None:
        """The owner of an API token (None: unknown, revoked or inactive)."""
        key = ("token", user_store.token_hash(token))
        return self.ctx.org_cached(key, lambda: user_store.user_for_token(self.ctx.store, token))

    def create_token(self, username: str, name: str | None = None) -> str:
        user = user_store.find_user(self.ctx.store, username)
        if user is None:
            raise NotFoundError("user_unknown", user=username)
        return user_store.create_token(self.ctx.store, user, name, self.ctx.now())

    def revoke_tokens(self, username: str) -> int:
        user = user_store.find_user(self.ctx.store, username)
        if user is None:
            raise NotFoundError("user_unknown", user=username)
        return user_store.revoke_tokens(self.ctx.store, user, self.ctx.now())

    def signing_secret(self) -> str:
        """``RASHINBAN_SECRET``, else the key kept in the store (created once, shared by
        every worker)."""
        if env := os.environ.get("RASHINBAN_SECRET"):
            return env
        return secret_store.get_or_create(self.ctx.store, secret_store.SIGNING_KEY, self.ctx.now())
