"""Admin (admins only): users and roles, teams, funnel stages, company holidays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from rashinban.errors import ForbiddenError, FormInvalid, NotFoundError
from rashinban.i18n import render_error
from rashinban.service import (
    DEFAULT_STAGES,
    ROLES,
    AdminOverview,
    Created,
    HolidaysSaved,
    Ok,
    StagesSaved,
)
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()


def _page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    try:
        data = ctx.service.admin.page()
    except ForbiddenError as e:
        return render(ctx, "admin.html", status_code=403, forbidden=render_error(e, ctx.lang))
    return render(
        ctx,
        "admin.html",
        status_code=status_code,
        forbidden=None,
        roles=ROLES,
        default_stages=DEFAULT_STAGES,
        done=ctx.request.query_params.get("done"),
        form_id=extra.pop("form_id", None),
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        **dict(data),
        **extra,
    )


@router.get("/admin", include_in_schema=False)
def admin_page(ctx: PageCtx) -> Response:
    return _page(ctx)


def _handle(
    ctx: Ctx, form: dict[str, str], form_id: str, action: Callable[[dict[str, str]], object]
) -> Response:
    try:
        action(form)
    except FormInvalid as e:
        return _page(ctx, 422, form_id=form_id, errors=field_messages(e, ctx.lang), values=form)
    except ForbiddenError as e:
        return render(ctx, "admin.html", status_code=403, forbidden=render_error(e, ctx.lang))
    except NotFoundError as e:
        return _page(ctx, 404, form_id=form_id, errors={"form": render_error(e, ctx.lang)}, values=form)
    return RedirectResponse(f"/admin?done={form_id}#{form_id.split('-', maxsplit=1)[0]}", status_code=303)


@router.post("/admin/users", include_in_schema=False)
def admin_create_user(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "users-new", ctx.service.admin.create_user)


@router.post("/admin/users/{user_id}", include_in_schema=False)
def admin_update_user(ctx: PageCtx, form: FormFields, user_id: int) -> Response:
    def act(form: dict[str, str]) -> None:
        data: dict[str, str] = {}
        if form.get("action") in ("deactivate", "activate"):
            data["active"] = "true" if form["action"] == "activate" else "false"
        else:
            data = {k: form.get(k, "") for k in ("role", "team_id")}
        ctx.service.admin.update_user(user_id, data)

    return _handle(ctx, form, f"users-{user_id}", act)


@router.post("/admin/teams", include_in_schema=False)
def admin_create_team(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "teams-new", ctx.service.admin.create_team)


@router.post("/admin/teams/{team_id}", include_in_schema=False)
def admin_update_team(ctx: PageCtx, form: FormFields, team_id: int) -> Response:
    def act(form: dict[str, str]) -> None:
        keys = ("name",) if form.get("action") == "rename" else ("parent_id",)
        ctx.service.admin.update_team(team_id, {k: form.get(k, "") for k in keys})

    return _handle(ctx, form, f"teams-{team_id}", act)


@router.post("/admin/stages", include_in_schema=False)
def admin_stages(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "stages", lambda f: ctx.service.admin.set_funnel_stages(f.get("stages", "")))


@router.post("/admin/holidays", include_in_schema=False)
def admin_holidays(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(
        ctx, form, "holidays", lambda f: ctx.service.admin.set_company_holidays(f.get("holidays", ""))
    )


# JSON twins ---------------------------------------------------------------------------
class UserIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    username: str | None = None
    password: str | None = None
    role: str | None = None
    display_name: str | None = None
    team_id: int | str | None = None
    member_id: int | str | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: str | None = None
    team_id: int | str | None = None
    active: bool | None = None


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    parent_id: int | str | None = None
    kind: str | None = None
    client: str | None = None


class ListIn(BaseModel):
    items: list[str]


T = TypeVar("T")
WRITE = error_responses(400, 403, 503, form=True)
UPDATE = error_responses(400, 403, 404, 503, form=True)


def _json_call(ctx: Ctx, fn: Callable[[], T]) -> T | JSONResponse:
    """The write's result, or its field errors (422)."""
    try:
        return fn()
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


@router.get(
    "/api/admin",
    summary="Users, teams, funnel stages and company holidays (admin)",
    responses=error_responses(403),
)
def api_admin(ctx: ApiCtx) -> AdminOverview:
    return ctx.service.admin.overview()


@router.post(
    "/api/admin/users",
    status_code=201,
    summary="Create a user (admin)",
    response_model=Created,
    responses=WRITE,
)
def api_create_user(ctx: ApiCtx, body: UserIn) -> Created | JSONResponse:
    return _json_call(ctx, lambda: ctx.service.admin.create_user(body.model_dump()))


@router.post(
    "/api/admin/users/{user_id}",
    summary="Change a user's role, scope team or active flag (admin)",
    response_model=Ok,
    responses=UPDATE,
)
def api_update_user(ctx: ApiCtx, user_id: int, body: UserUpdate) -> Ok | JSONResponse:
    data = body.model_dump(exclude_none=True)
    return _json_call(ctx, lambda: ctx.service.admin.update_user(user_id, data))


@router.post(
    "/api/admin/teams",
    status_code=201,
    summary="Create a team (admin)",
    response_model=Created,
    responses=WRITE,
)
def api_create_team(ctx: ApiCtx, body: TeamIn) -> Created | JSONResponse:
    return _json_call(ctx, lambda: ctx.service.admin.create_team(body.model_dump()))


@router.post(
    "/api/admin/teams/{team_id}",
    summary="Rename or move a team (admin)",
    response_model=Ok,
    responses=UPDATE,
)
def api_update_team(ctx: ApiCtx, team_id: int, body: TeamIn) -> Ok | JSONResponse:
    data = body.model_dump(exclude_unset=True)
    return _json_call(ctx, lambda: ctx.service.admin.update_team(team_id, data))


@router.put(
    "/api/admin/funnel-stages",
    summary="Set the funnel stages (admin; empty: default)",
    response_model=StagesSaved,
    responses=WRITE,
)
def api_stages(ctx: ApiCtx, body: ListIn) -> StagesSaved | JSONResponse:
    return _json_call(ctx, lambda: ctx.service.admin.set_funnel_stages("\n".join(body.items)))


@router.put(
    "/api/admin/holidays",
    summary="Set the company holidays (admin; dates or ranges)",
    response_model=HolidaysSaved,
    responses=WRITE,
)
def api_holidays(ctx: ApiCtx, body: ListIn) -> HolidaysSaved | JSONResponse:
    return _json_call(ctx, lambda: ctx.service.admin.set_company_holidays("\n".join(body.items)))
