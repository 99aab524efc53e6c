"""Admins manage credentials while the server runs: reset a password, sign a user out
everywhere, create and revoke API tokens — a page (/admin/access) and its JSON twins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import ForbiddenError, FormInvalid, NotFoundError
from rashinban.i18n import render_error
from rashinban.service import Ok, RevokedCount, TokenCreated, TokenList
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="ignore")
    password: str = Field(default="", max_length=200)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str | None = Field(default=None, max_length=100)


def _page(ctx: Ctx, status_code: int = 200, **extra: object) -> Response:
    try:
        overview = ctx.service.admin.overview()
        tokens = ctx.service.credentials.tokens().tokens
    except ForbiddenError as e:
        return render(ctx, "error.html", status_code=403, status=403, message=render_error(e, ctx.lang))
    data = {
        "users": overview.users,
        "tokens": tokens,
        "errors": {},
        "created": None,
        "done": None,
        "form_id": None,
    }
    return render(ctx, "admin_access.html", status_code=status_code, **{**data, **extra})


def _act(ctx: Ctx, form_id: str, action: Callable[[], object]) -> Response:
    try:
        out = action()
    except FormInvalid as e:
        return _page(ctx, 422, errors=field_messages(e, ctx.lang), form_id=form_id)
    except NotFoundError as e:
        return _page(ctx, 404, errors={"form": render_error(e, ctx.lang)}, form_id=form_id)
    if isinstance(out, TokenCreated):  # shown once, on this answer only
        return _page(ctx, 201, created=out, done=form_id)
    return RedirectResponse(f"/admin/access?done={form_id}", status_code=303)


@router.get("/admin/access", include_in_schema=False)
def access_page(ctx: PageCtx, done: str | None = None) -> Response:
    return _page(ctx, done=done)


@router.post("/admin/access/users/{user_id}/password", include_in_schema=False)
def access_password(ctx: PageCtx, form: FormFields, user_id: int) -> Response:
    return _act(
        ctx, f"pw-{user_id}", lambda: ctx.service.credentials.reset_password(user_id, form.get("password"))
    )


@router.post("/admin/access/users/{user_id}/signout", include_in_schema=False)
def access_signout(ctx: PageCtx, form: FormFields, user_id: int) -> Response:
    return _act(ctx, f"so-{user_id}", lambda: ctx.service.credentials.end_sessions(user_id))


@router.post("/admin/access/users/{user_id}/tokens", include_in_schema=False)
def access_token(ctx: PageCtx, form: FormFields, user_id: int) -> Response:
    return _act(ctx, f"tk-{user_id}", lambda: ctx.service.credentials.create_token(user_id, form.get("name")))


@router.post("/admin/access/tokens/{token_id}/revoke", include_in_schema=False)
def access_revoke(ctx: PageCtx, form: FormFields, token_id: int) -> Response:
    return _act(ctx, f"rv-{token_id}", lambda: ctx.service.credentials.revoke_token(token_id))


# JSON twins ---------------------------------------------------------------------------
@router.get(
    "/api/admin/tokens",
    summary="API tokens (admin; never the tokens themselves)",
    responses=error_responses(403),
)
def api_tokens(ctx: ApiCtx, user_id: Annotated[int | None, Query(ge=1)] = None) -> TokenList:
    return ctx.service.credentials.tokens(user_id)


@router.post(
    "/api/admin/users/{user_id}/tokens",
    status_code=201,
    summary="Create an API token for a user (admin); the token is shown once",
    response_model=TokenCreated,
    responses=error_responses(403, 404, form=True),
)
def api_create_token(ctx: ApiCtx, user_id: int, body: TokenIn) -> TokenCreated | JSONResponse:
    try:
        return ctx.service.credentials.create_token(user_id, body.name)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


@router.post(
    "/api/admin/tokens/{token_id}/revoke",
    summary="Revoke an API token (admin): refused by every worker from the next request",
    responses=error_responses(403, 404, form=True),
)
def api_revoke_token(ctx: ApiCtx, token_id: int) -> RevokedCount:
    return ctx.service.credentials.revoke_token(token_id)


@router.post(
    "/api/admin/users/{user_id}/tokens/revoke",
    summary="Revoke every API token of a user (admin)",
    responses=error_responses(403, 404, form=True),
)
def api_revoke_user_tokens(ctx: ApiCtx, user_id: int) -> RevokedCount:
    return ctx.service.credentials.revoke_user_tokens(user_id)


@router.post(
    "/api/admin/users/{user_id}/password",
    summary="Reset a user's password (admin); every session of the user ends",
    response_model=Ok,
    responses=error_responses(403, 404, form=True),
)
def api_reset_password(ctx: ApiCtx, user_id: int, body: PasswordReset) -> Ok | JSONResponse:
    try:
        return ctx.service.credentials.reset_password(user_id, body.password)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


@router.post(
    "/api/admin/users/{user_id}/sessions/revoke",
    summary="Sign a user out everywhere (admin)",
    responses=error_responses(403, 404, form=True),
)
def api_end_sessions(ctx: ApiCtx, user_id: int) -> Ok:
    return ctx.service.credentials.end_sessions(user_id)
