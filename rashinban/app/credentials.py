"""Admins manage sign-in credentials while the server runs: reset a password, sign a user
out everywhere, list, create and revoke API tokens.  Each is audited in its own
transaction and counts on every worker at the next request (sessions carry the user's
security stamp; tokens are looked up per organisation version, which the write bumps)."""

from __future__ import annotations

from rashinban.app import audit
from rashinban.app.accounts import create_token, password_problem, revoke_tokens
from rashinban.app.context import AppContext
from rashinban.app.results.audit import RevokedCount, TokenCreated, TokenInfo, TokenList
from rashinban.app.results.common import Ok
from rashinban.auth.passwords import hash_password
from rashinban.errors import FormInvalid, NotFoundError
from rashinban.org.roles import Permission
from rashinban.org.users import User
from rashinban.store import admin as admin_store
from rashinban.store import audit as audit_store
from rashinban.store import users as user_store
from rashinban.store.audit import SECURITY


class Credentials:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _user(self, user_id: int) -> User:
        self.ctx.require(Permission.ADMINISTER)
        for row in admin_store.list_users(self.ctx.store):
            if row.id == user_id:
                return User(row.id, row.username, row.display_name, row.role, row.member_id, row.team_id)
        raise NotFoundError("user_unknown", user=str(user_id))

    def reset_password(self, user_id: int, password: object) -> Ok:
        """Set a user's password (an admin's reset): every session of the user ends."""
        target = self._user(user_id)
        if problem := password_problem(password, target.username):
            raise FormInvalid({"password": problem})
        assert isinstance(password, str)
        now = self.ctx.now()
        ev = audit.event(self.ctx, "password_reset", SECURITY, table="users", key=str(user_id))
        user_store.set_password(
            self.ctx.store, user_id, hash_password(password), now, lambda c, _: audit_store.record(c, ev, now)
        )
        return Ok(ok=True)

    def end_sessions(self, user_id: int) -> Ok:
        """Sign a user out everywhere."""
        self._user(user_id)
        hook = audit.audit_hook(self.ctx, "sessions_revoked", "users", user_id, SECURITY)
        admin_store.end_sessions(self.ctx.store, user_id, hook)
        return Ok(ok=True)

    def tokens(self, user_id: int | None = None) -> TokenList:
        """API tokens (of one user, or everyone's): never the tokens themselves."""
        self.ctx.require(Permission.ADMINISTER)
        return TokenList(tokens=[TokenInfo.of(t) for t in user_store.list_tokens(self.ctx.store, user_id)])

    def create_token(self, user_id: int, name: str | None) -> TokenCreated:
        user = self._user(user_id)
        label = (name or "").strip()[:100] or None
        if label is not None and any(ord(c) < 32 for c in label):
            raise FormInvalid({"name": "bad_chars"})
        return create_token(self.ctx, user, label)

    def revoke_token(self, token_id: int) -> RevokedCount:
        """Revoke one token: every worker refuses it from the next request on."""
        self.ctx.require(Permission.ADMINISTER)
        owner = user_store.token_owner(self.ctx.store, token_id)
        if owner is None:
            raise NotFoundError("token_unknown", token=str(token_id))
        return RevokedCount(revoked=revoke_tokens(self.ctx, self._user(owner), token_id))

    def revoke_user_tokens(self, user_id: int) -> RevokedCount:
        return RevokedCount(revoked=revoke_tokens(self.ctx, self._user(user_id), None))
