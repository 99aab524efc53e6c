"""Request dependencies: the session, the signed-in user, the service facade.

``CurrentUser`` accepts an API token (``Authorization: Bearer …``) or the session cookie;
pages redirect anonymous visitors to the login page, the API answers 401.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from rashinban.auth.users import User, get_user, user_for_token
from rashinban.errors import RashinbanError
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.web.i18n import request_lang
from rashinban.web.security import UNSAFE_METHODS, Session, csrf_ok
from rashinban.web.settings import WebSettings


class LoginRequired(RashinbanError):
    """Raised for an anonymous page request: the app redirects to the login page."""

    http_status = 401

    def __init__(self) -> None:
        super().__init__("login_required")


class _UserCache:
    """Signed-in users and token owners for a few seconds, so that a burst of requests does
    not read the users table each time.  A deactivated user or a revoked token stops working
    within ``ttl`` seconds."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, User | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], User | None]) -> User | None:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        user = load()
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (now, user)
        return user


@dataclass
class Ctx:
    """Everything a route needs about the request."""

    request: Request
    session: Session
    user: User | None
    lang: str
    token_auth: bool = False

    @property
    def store(self) -> Store:
        store: Store = self.request.app.state.store
        return store

    @property
    def settings(self) -> WebSettings:
        settings: WebSettings = self.request.app.state.settings
        return settings

    @property
    def service(self) -> Rashinban:
        return Rashinban(lang=self.lang, user=self.user, store=self.store)


def _session(request: Request) -> Session:
    session: Session = request.state.session
    return session


async def get_ctx(request: Request) -> Ctx:
    session = _session(request)
    store: Store = request.app.state.store
    auth = request.headers.get("authorization", "")
    user = None
    token = False
    cache: _UserCache = request.app.state.user_cache
    if auth.lower().startswith("bearer "):
        raw = auth[7:].strip()
        user = cache.get("t:" + raw, lambda: user_for_token(store, raw))
        token = user is not None
        if user is None:
            raise HTTPException(401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"})
    elif session.user_id is not None:
        uid = int(session.user_id)
        user = cache.get(f"u:{uid}", lambda: get_user(store, uid))
    lang = request_lang(request, session.lang or (user.locale if user else None))
    ctx = Ctx(request, session, user, lang, token)
    if request.method in UNSAFE_METHODS and not token:
        supplied = request.headers.get("x-csrf-token")
        if supplied is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get("csrf_token")
            supplied = value if isinstance(value, str) else None
        if not csrf_ok(session, supplied):
            raise HTTPException(403, "CSRF token missing or wrong")
    return ctx


async def page_ctx(ctx: Annotated[Ctx, Depends(get_ctx)]) -> Ctx:
    if ctx.user is None:
        raise LoginRequired
    return ctx


async def api_ctx(ctx: Annotated[Ctx, Depends(get_ctx)]) -> Ctx:
    if ctx.user is None:
        raise HTTPException(401, "sign in or send an API token", headers={"WWW-Authenticate": "Bearer"})
    return ctx


AnyCtx = Annotated[Ctx, Depends(get_ctx)]
PageCtx = Annotated[Ctx, Depends(page_ctx)]
ApiCtx = Annotated[Ctx, Depends(api_ctx)]
