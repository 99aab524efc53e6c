"""Signing in and out: passwords, server-side sessions, the login throttle, API tokens, the
session signing secret.

Sign-in (:meth:`Accounts.sign_in`):

1. the name is normalised (NFKC, trimmed, case-folded) before anything else, so
   ``"manager "`` and ``"\\u00a0Manager"`` are ``manager`` for the lookup *and* the throttle;
2. one password check is reserved atomically in the store on the account's key and the
   client address's key — or, from a browser that signed in as this user before (the
   device cookie), on that device's key alone, so a stranger's guesses never lock the owner
   out;  past the limit every further check waits a delay that doubles (5 s … 60 s);
3. the argon2 check runs in one of a few slots per worker (64 MiB each): parallel guesses
   queue briefly or are turned away, memory stays bounded;
4. success starts a session in the store (the cookie carries its token) and is audited, as
   is every failure and throttled attempt.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from rashinban.app import audit
from rashinban.app.context import AppContext
from rashinban.app.results.audit import TokenCreated
from rashinban.auth.names import clean, username_key
from rashinban.auth.passwords import hash_password, verify_password
from rashinban.errors import FormInvalid, NotFoundError, RashinbanError
from rashinban.org.users import User
from rashinban.store import audit as audit_store
from rashinban.store import secrets as secret_store
from rashinban.store import sessions as session_store
from rashinban.store import throttle
from rashinban.store import users as user_store
from rashinban.store.audit import SECURITY

# a real hash of a random password: unknown users cost as much time as known ones
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$RdL0R3f0L3II1QMP7c6Cww$EsUd2p1RO7RLWLJ2WuLQzC4mm8nqoYWN6XxoIVB/ASU"
)
PASSWORD_MIN, PASSWORD_MAX = 10, 200


@dataclass(frozen=True)
class LoginPolicy:
    attempts: int = 5  # per account and per known device
    address_attempts: int = 20  # per client address
    window: float = 300.0
    delay: float = 5.0
    max_delay: float = 60.0
    session_hours: float = 12.0
    idle_minutes: float = 120.0
    parallel_checks: int = 2  # argon2 checks at once in this worker
    queue_wait: float = 10.0  # seconds a check may wait for a slot
    max_waiting: int = 8  # checks waiting for a slot before others are turned away

    def limits(self, kind: str) -> throttle.Limits:
        n = self.address_attempts if kind == "addr" else self.attempts
        return throttle.Limits(n, self.window, self.delay, self.max_delay)

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @property
    def lifetime(self) -> timedelta:
        return timedelta(hours=self.session_hours)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: ``ok`` (with the session token and the device id), ``bad``
    (wrong name or password), ``throttled`` (``wait`` seconds) or ``busy`` (no slot)."""

    status: str
    user: User | None = None
    token: str | None = None
    device: str | None = None
    wait: float = 0.0


class _Slots:
    """A few argon2 checks at once per worker; the rest wait briefly or are turned away."""

    def __init__(self, size: int) -> None:
        self.sem = threading.BoundedSemaphore(size)
        self.waiting = 0
        self.lock = threading.Lock()

    def acquire(self, timeout: float, max_waiting: int) -> bool:
        with self.lock:
            if self.waiting >= max_waiting:
                return False
            self.waiting += 1
        try:
            return self.sem.acquire(timeout=timeout)
        finally:
            with self.lock:
                self.waiting -= 1


_SLOTS: dict[int, _Slots] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(size: int) -> _Slots:
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(size, _Slots(size))


def password_problem(password: object, username: str | None = None) -> str | None:
    """Why a new password is refused (a ``forms.err`` code), or None."""
    if not isinstance(password, str) or not password:
        return "required"
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        return "password_length"
    if username and username_key(password) == username_key(username):
        return "password_is_name"
    return None


class Accounts:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # signing in ------------------------------------------------------------------------
    def sign_in(
        self,
        username: str,
        password: str,
        policy: LoginPolicy,
        *,
        user_agent: str | None = None,
        device: tuple[str, int] | None = None,
        language: str | None = None,
    ) -> SignIn:
        """Check a name and password under the throttle; blocking (argon2): call it from a
        worker thread.  See the module's docstring.  ``language``: the one the browser asks
        for, stored as the user's choice when they have none yet (their first sign-in), so
        that the page's language and the stored choice agree."""
        ctx, store = self.ctx, self.ctx.store
        key = username_key(username)[:100]
        shown = clean(username)[:100] or "-"
        found = user_store.user_with_hash(store, key) if key else None
        known = found is not None and device is not None and device[1] == found[0].id
        keys = (
            {f"dev:{device[0][:60]}": policy.limits("dev")}
            if known and device is not None
            else {f"acct:{key}": policy.limits("acct"), f"addr:{ctx.address or '?'}": policy.limits("addr")}
        )
        instant = self._instant()
        wait = throttle.reserve(store, keys, instant)
        if wait > 0:
            detail: dict[str, object] = {"wait": round(wait, 1), "device": known}
            self._audit_login("login_throttled", shown, found, detail)
            return SignIn("throttled", wait=wait)
        slots = _slots(policy.parallel_checks)
        if not slots.acquire(policy.queue_wait, policy.max_waiting):
            throttle.refund(store, list(keys), keys)
            return SignIn("busy", wait=1.0)
        try:
            ok = verify_password(password, found[1] if found else _DUMMY_HASH) and found is not None
        finally:
            slots.sem.release()
        if not ok or found is None:
            throttle.failed(store, list(keys), instant)
            reason = "bad_password" if found is not None else "unknown_user"
            self._audit_login("login_failed", shown, found, {"reason": reason, "device": known})
            return SignIn("bad")
        user = found[0]
        if user.locale is None and language in ("ja", "en") and language is not None:
            user_store.set_locale_if_unset(store, user.id, language)
            user = replace(user, locale=language)
        reset = [k for k in keys if not k.startswith("addr:")]
        throttle.succeeded(store, reset, [k for k in keys if k.startswith("addr:")], keys)
        token = secrets.token_urlsafe(32)
        session_store.create(store, token, user.id, instant, policy.lifetime, user_agent, ctx.address)
        self._audit_login("login", user.username, found, {"device": known})
        if secrets.randbelow(50) == 0:  # now and then: forget ended sessions and quiet keys
            session_store.purge(store, instant)
            throttle.purge(store, instant)
        return SignIn("ok", user=user, token=token, device=device[0] if known and device else None)

    def _audit_login(
        self, action: str, name: str, found: tuple[User, str | None] | None, detail: dict[str, object]
    ) -> None:
        ev = audit.event(
            self.ctx,
            action,
            SECURITY,
            actor=name,
            actor_id=found[0].id if found else None,
            table="users",
            key=str(found[0].id) if found else None,
            detail=detail,
        )
        audit.record(self.ctx, ev)

    def _instant(self) -> datetime:
        return self.ctx.clock.instant().replace(tzinfo=None)

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, else None (no throttle, no session:
        for the CLI and tests).  Blocking (argon2)."""
        found = user_store.user_with_hash(self.ctx.store, username_key(username))
        if found is None:
            verify_password(password, _DUMMY_HASH)
            return None
        return found[0] if verify_password(password, found[1]) else None

    def user(self, user_id: int) -> User | None:
        """The active user with this id (cached on the organisation version: a deactivation
        or role change by any worker counts on the next request)."""
        return self.ctx.org_cached(("user", user_id), lambda: user_store.get_user(self.ctx.store, user_id))

    # sessions --------------------------------------------------------------------------
    def session(self, token: str, policy: LoginPolicy) -> session_store.LiveSession | None:
        """The live session of a cookie's token (None: ended, expired, idle or revoked).

        The row is cached on the organisation and sessions versions (one small query per
        request instead of a join); expiry and idle time are checked on every request, and
        when the cached row looks idle the store decides (another worker may have seen it)."""
        store, now = self.ctx.store, self._instant()
        sid = session_store.token_hash(token)
        found = self.ctx.session_cached(("session", sid), lambda: session_store.find(store, sid))
        if found is None:
            return None
        seen = max(found.last_seen_at, _touched(sid) or found.last_seen_at)
        found = replace(found, last_seen_at=seen)
        if not session_store.alive(found, now, policy.idle):
            return session_store.live(store, token, now, policy.idle)
        if now - seen >= session_store.TOUCH_EVERY and session_store.touch(store, sid, now):
            _mark_touched(sid, now)
            found = replace(found, last_seen_at=now)
        return found

    def sign_out(self, token: str | None) -> None:
        """End this browser's session (and audit it)."""
        if not token:
            return
        uid = session_store.revoke(self.ctx.store, token, self._instant())
        if uid is not None:
            user = self.ctx.user
            ev = audit.event(self.ctx, "logout", SECURITY, table="users", key=str(uid))
            if user is None or user.id != uid:
                ev = audit.event(self.ctx, "logout", SECURITY, actor_id=uid, table="users", key=str(uid))
            audit.record(self.ctx, ev)

    def new_session(self, user: User, policy: LoginPolicy, user_agent: str | None) -> str:
        token = secrets.token_urlsafe(32)
        session_store.create(
            self.ctx.store, token, user.id, self._instant(), policy.lifetime, user_agent, self.ctx.address
        )
        return token

    def live_sessions(self, user_id: int, policy: LoginPolicy) -> int:
        return session_store.count_live(self.ctx.store, user_id, self._instant(), policy.idle)

    # passwords ------------------------------------------------------------------------
    def change_password(self, current: str, new: str, policy: LoginPolicy) -> None:
        """The signed-in user's new password (their current one first).  Every session of
        the user ends; the caller starts a new one for this browser.  Blocking (argon2)."""
        user = self.ctx.user
        if user is None:
            raise RashinbanError("login_required")
        err: dict[str, str] = {}
        if problem := password_problem(new, user.username):
            err["new_password"] = problem
        elif new == current:
            err["new_password"] = "password_same"
        keys = {f"acct:{username_key(user.username)}": policy.limits("acct")}
        wait = throttle.reserve(self.ctx.store, keys, self._instant())
        if wait > 0:
            raise FormInvalid({"current_password": "too_many"}, seconds=int(wait) + 1)
        stored = user_store.password_hash_of(self.ctx.store, user.id)
        if not verify_password(current, stored):
            throttle.failed(self.ctx.store, list(keys), self._instant())
            err = {"current_password": "password_wrong", **err}
        else:
            throttle.succeeded(self.ctx.store, list(keys), [], keys)
        if err:
            raise FormInvalid(err)
        ev = audit.event(self.ctx, "password_changed", SECURITY, table="users", key=str(user.id))
        now = self.ctx.now()
        user_store.set_password(
            self.ctx.store, user.id, hash_password(new), now, lambda c, _: audit_store.record(c, ev, now)
        )

    # API tokens ------------------------------------------------------------------------
    def token_user(self, token: str) -> User | None:
        """The owner of an API token (None: unknown, revoked or inactive)."""
        key = ("token", user_store.token_hash(token))
        return self.ctx.org_cached(key, lambda: user_store.user_for_token(self.ctx.store, token))

    def _named(self, username: str) -> User:
        user = user_store.find_by_key(self.ctx.store, username_key(username))
        if user is None:
            raise NotFoundError("user_unknown", user=username)
        return user

    def create_token(self, username: str, name: str | None = None) -> str:
        """A new API token for a user (the CLI: ``rashinban users token``)."""
        user = self._named(username)
        return create_token(self.ctx, user, name).token

    def revoke_tokens(self, username: str) -> int:
        return revoke_tokens(self.ctx, self._named(username), None)

    # the cookie's signing key ----------------------------------------------------------
    def signing_secret(self) -> str:
        """``RASHINBAN_SECRET``, else the key kept in the store (created once, shared by
        every worker)."""
        if env := os.environ.get("RASHINBAN_SECRET"):
            return env
        return secret_store.get_or_create(self.ctx.store, secret_store.SIGNING_KEY, self.ctx.now())


def create_token(ctx: AppContext, user: User, name: str | None) -> TokenCreated:
    """A new API token for ``user``, audited in the same transaction."""
    detail = {"user": user.username, "name": name}
    ev = audit.event(ctx, "token_created", SECURITY, table="api_tokens", detail=detail)
    now = ctx.now()

    def hook(conn: Any, tid: int) -> None:
        audit_store.record(conn, replace(ev, key=str(tid)), now)

    tid, token = user_store.create_token(ctx.store, user, name, now, hook)
    return TokenCreated(id=tid, token=token)


def revoke_tokens(ctx: AppContext, user: User, token_id: int | None) -> int:
    """Revoke a user's live tokens (or one of them), audited in the same transaction."""
    now = ctx.now()
    key = str(token_id) if token_id is not None else None

    def hook(conn: Any, count: int) -> None:
        detail = {"user": user.username, "count": count}
        audit_store.record(
            conn, audit.event(ctx, "token_revoked", SECURITY, table="api_tokens", key=key, detail=detail), now
        )

    return user_store.revoke_tokens(ctx.store, user.id, now, token_id, hook)


# When this process last refreshed a session's last_seen_at: the cached row keeps the time it
# was read, and without this every request after the first minute would write again.  Only
# an optimisation: the store stays the judge of whether a session is alive.
_TOUCHED: dict[str, datetime] = {}
_TOUCHED_LOCK = threading.Lock()
_TOUCHED_MAX = 10_000


def _touched(sid: str) -> datetime | None:
    with _TOUCHED_LOCK:
        return _TOUCHED.get(sid)


def _mark_touched(sid: str, now: datetime) -> None:
    with _TOUCHED_LOCK:
        if len(_TOUCHED) >= _TOUCHED_MAX:
            _TOUCHED.clear()
        _TOUCHED[sid] = now
