"""The signed-in user's own account: who they are, and changing their password (the current
one first).  A change ends every other session of the user; this browser gets a new one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid
from rashinban.service import Ok
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.security import new_token
from rashinban.web.templating import render

router = APIRouter()


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    current_password: str = Field(default="", max_length=200)
    new_password: str = Field(default="", max_length=200)


class Me(BaseModel):
    id: int
    username: str
    display_name: str | None
    role: str
    sessions: int = Field(description="the user's live sessions (browsers signed in)")


def _change(ctx: Ctx, current: str, new: str) -> None:
    """Change the password, then carry on in a fresh session (the old ones are over)."""
    svc = ctx.service
    policy = ctx.request.app.state.policy
    svc.accounts.change_password(current, new, policy)
    assert ctx.user is not None
    if not ctx.token_auth:
        ctx.session.token = svc.accounts.new_session(ctx.user, policy, ctx.request.headers.get("user-agent"))
        ctx.session.csrf = new_token()


@router.get("/account", include_in_schema=False)
def account_page(ctx: PageCtx, done: str | None = None) -> Response:
    return render(ctx, "account.html", errors={}, done=done == "password")


@router.post("/account/password", include_in_schema=False)
def account_password(ctx: PageCtx, form: FormFields) -> Response:
    try:
        _change(ctx, form.get("current_password", ""), form.get("new_password", ""))
    except FormInvalid as e:
        return render(ctx, "account.html", status_code=422, errors=field_messages(e, ctx.lang), done=False)
    return RedirectResponse("/account?done=password", status_code=303)


@router.get("/api/account", summary="The signed-in user", responses=error_responses())
def api_me(ctx: ApiCtx) -> Me:
    user = ctx.user
    assert user is not None
    sessions = ctx.service.accounts.live_sessions(user.id, ctx.request.app.state.policy)
    return Me(
        id=user.id, username=user.username, display_name=user.display_name, role=user.role, sessions=sessions
    )


@router.post(
    "/api/account/password",
    summary="Change the signed-in user's password (the current one first); other sessions end",
    response_model=Ok,
    responses=error_responses(403, form=True),
)
def api_password(ctx: ApiCtx, body: PasswordIn) -> Ok | JSONResponse:
    try:
        _change(ctx, body.current_password, body.new_password)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)
    return Ok(ok=True)
