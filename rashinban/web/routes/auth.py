"""Sign in, sign out, language switch.

The sign-in itself (normalised names, the throttle, bounded argon2 work, the session in the
store, the audit) is ``svc.accounts.sign_in``; this page only maps it to HTTP: 303 on
success (with the session cookie and the known-device cookie), 401 for a wrong name or
password, 429 with the wait for a throttled one, 503 when every password slot is busy.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from rashinban.service import LoginPolicy
from rashinban.web.deps import AnyCtx
from rashinban.web.i18n import header_lang
from rashinban.web.security import DEVICE_COOKIE, DEVICE_DAYS, new_token
from rashinban.web.settings import WebSettings
from rashinban.web.templating import render

router = APIRouter()


def login_policy(s: WebSettings) -> LoginPolicy:
    return LoginPolicy(
        attempts=s.login_attempts,
        address_attempts=s.login_address_attempts,
        window=float(s.login_window_seconds),
        delay=float(s.login_delay_seconds),
        max_delay=float(s.login_max_delay_seconds),
        session_hours=float(s.session_hours),
        idle_minutes=float(s.session_idle_minutes),
        parallel_checks=max(1, s.password_checks),
    )


def _safe_next(url: str | None) -> str:
    ok = url and url.startswith("/") and not url.startswith(("//", "/\\")) and "\\" not in url
    return url if ok and url else "/"


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
    request = ctx.request
    codec = request.app.state.codec
    device = codec.device(request.cookies.get(DEVICE_COOKIE))

    def again(status: int, error: tuple[str, dict[str, int]]) -> Response:
        return render(
            ctx, "login.html", status_code=status, next=_safe_next(next), username=username[:100], error=error
        )

    if not username.strip() or not password:
        return again(401, ("auth.bad_login", {}))
    result = ctx.service.accounts.sign_in(
        username,
        password,
        request.app.state.policy,
        user_agent=request.headers.get("user-agent"),
        device=device,
        language=request.query_params.get("lang") or ctx.session.lang or header_lang(request),
    )
    if result.status == "throttled":
        response = again(429, ("auth.too_many", {"seconds": int(result.wait) + 1}))
        response.headers["Retry-After"] = str(int(result.wait) + 1)
        return response
    if result.status == "busy":
        response = again(503, ("auth.busy", {}))
        response.headers["Retry-After"] = "1"
        return response
    if result.status != "ok" or result.user is None:
        return again(401, ("auth.bad_login", {}))
    ctx.session.token = result.token
    ctx.session.user_id = result.user.id
    ctx.session.csrf = new_token()  # a new CSRF token after sign-in
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = ctx.settings.https or request.url.scheme == "https"
    response.set_cookie(
        DEVICE_COOKIE,
        codec.device_cookie(result.user.id, result.device),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/login",
    )
    return response


@router.post("/logout", include_in_schema=False)
def logout(ctx: AnyCtx) -> Response:
    ctx.service.accounts.sign_out(ctx.session.token)
    ctx.session.sign_out()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{lang}", include_in_schema=False)
def set_lang(ctx: AnyCtx, lang: str, next: str | None = None) -> Response:
    if lang in ("ja", "en"):
        ctx.session.lang = lang
    return RedirectResponse(_safe_next(next), status_code=303)
