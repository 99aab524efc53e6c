"""Request dependencies: the session, the signed-in user, the service facade.

``CurrentUser`` accepts an API token (``Authorization: Bearer …``) or the session cookie
(both resolved by ``web.middleware`` before the body is read); pages redirect anonymous
visitors to the login page, the API answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from rashinban.clock import Clock
from rashinban.errors import RashinbanError
from rashinban.service import Rashinban, User
from rashinban.web.formkit import form_data
from rashinban.web.i18n import request_lang
from rashinban.web.security import UNSAFE_METHODS, Session, csrf_ok
from rashinban.web.settings import WebSettings


class LoginRequired(RashinbanError):
    """Raised for an anonymous page request: the app redirects to the login page."""

    http_status = 401

    def __init__(self) -> None:
        super().__init__("login_required")


@dataclass
class Ctx:
    """Everything a route needs about the request."""

    request: Request
    session: Session
    user: User | None
    lang: str
    token_auth: bool = False
    _service: Rashinban | None = field(default=None, repr=False)

    @property
    def settings(self) -> WebSettings:
        settings: WebSettings = self.request.app.state.settings
        return settings

    @property
    def service(self) -> Rashinban:
        """The facade for this request (one data version for the whole request)."""
        if self._service is None:
            self._service = facade(self.request, self.user, self.lang)
        return self._service

    @property
    def model(self) -> str | None:
        """The model file given to ``serve --model`` (None: the store's models)."""
        return self.settings.model


def facade(request: Request, user: User | None, lang: str) -> Rashinban:
    clock: Clock = request.app.state.clock
    address = getattr(request.state, "address", None)
    versions = getattr(request.state, "versions", None)
    return Rashinban.for_store(request.app.state.store, user, lang, clock, address, versions)


def _session(request: Request) -> Session:
    session: Session = request.state.session
    return session


def lookup_user(request: Request, session: Session) -> tuple[User | None, bool]:
    """(user, authenticated by token), as the security middleware found them before the
    body was read: an API token wins over the cookie; a token that is not (or no longer)
    valid is a 401, never a fallback to the cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user: User | None = getattr(request.state, "token_user", None)
        if user is None:
            raise HTTPException(401, "invalid or revoked API token", headers={"WWW-Authenticate": "Bearer"})
        return user, True
    return getattr(request.state, "user", None), False


async def get_ctx(request: Request) -> Ctx:
    """The request's context.  Async on purpose and without blocking work: the security
    middleware already looked the session and token up in the threadpool (request.state);
    this reads headers and, for a form's CSRF token, awaits the body."""
    session = _session(request)
    user, token = lookup_user(request, session)
    lang = request_lang(request, session.lang or (user.locale if user else None))
    ctx = Ctx(request, session, user, lang, token)
    if request.method in UNSAFE_METHODS and not token:
        supplied = request.headers.get("x-csrf-token")
        if supplied is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            supplied = (await form_data(request)).get("csrf_token")
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


async def form_fields(request: Request) -> dict[str, str]:
    """The request's form fields (read on the event loop, so the route itself can be a
    plain ``def`` that FastAPI runs in the threadpool)."""
    return await form_data(request)


AnyCtx = Annotated[Ctx, Depends(get_ctx)]
PageCtx = Annotated[Ctx, Depends(page_ctx)]
ApiCtx = Annotated[Ctx, Depends(api_ctx)]
FormFields = Annotated[dict[str, str], Depends(form_fields)]
