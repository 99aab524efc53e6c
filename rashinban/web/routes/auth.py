"""Sign in, sign out, language switch."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from rashinban.web.deps import AnyCtx
from rashinban.web.templating import render

router = APIRouter()


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else "/"


@router.get("/login", include_in_schema=False)
def login_form(ctx: AnyCtx, next: str | None = None) -> Response:
    if ctx.user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(ctx, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login", include_in_schema=False)
def login(
    ctx: AnyCtx,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    limiter = ctx.request.app.state.login_limiter
    client = ctx.request.client.host if ctx.request.client else "?"
    keys = (f"user:{username.lower()}", f"ip:{client}")
    wait = limiter.blocked(*keys)
    if wait > 0:
        return render(
            ctx,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            username=username,
            error=("auth.too_many", {"seconds": int(wait) + 1}),
        )
    svc = ctx.service
    user = svc.accounts.authenticate(username.strip(), password) if username and password else None
    if user is None:
        limiter.failed(*keys)
        return render(
            ctx,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            username=username,
            error=("auth.bad_login", {}),
        )
    limiter.succeeded(*keys)
    ctx.session.user_id = user.id
    ctx.session.issued = svc.ctx.clock.instant().timestamp()
    ctx.session.csrf = secrets.token_urlsafe(24)  # a new token after sign-in
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(ctx: AnyCtx) -> Response:
    ctx.session.user_id = None
    ctx.session.csrf = secrets.token_urlsafe(24)
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{lang}", include_in_schema=False)
def set_lang(ctx: AnyCtx, lang: str, next: str | None = None) -> Response:
    if lang in ("ja", "en"):
        ctx.session.lang = lang
    return RedirectResponse(_safe_next(next), status_code=303)
