"""Action items (/actions: the owner's inbox and everything in one's scopes; /actions/{id}:
one action with its observed effect) and 1on1s (/one-on-ones, /one-on-ones/{id}) — each page
with its JSON twin under /api."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid, RashinbanError
from rashinban.i18n import render_error
from rashinban.service import review_results as R
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.routes.reviews import ActionIn
from rashinban.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["reviews"], responses=error_responses(403))
T = TypeVar("T")

ActionId = Annotated[int, Path(ge=1, le=10**15, description="action item id")]
OneId = Annotated[int, Path(ge=1, le=10**15, description="1on1 id")]
WRITE = error_responses(400, 404, 409, 503, form=True)
MineQ = Annotated[bool, Query(description="only the signed-in user's own actions")]
StatusQ = Annotated[Literal["open", "all"], Query(description="open: not done or cancelled")]


class ActionUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None
    title: str | None = Field(default=None, max_length=300)
    detail: str | None = Field(default=None, max_length=4000)
    due_on: str | None = Field(default=None, max_length=10)


class OneOnOneIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    member: int = Field(ge=1, le=10**9, description="the member's id")
    held_on: str | None = Field(default=None, max_length=10, description="YYYY-MM-DD (default: today)")


class OneOnOneUpdate(BaseModel):
    """The manager writes ``private_notes`` and may close it; the member writes ``member_comment``."""

    model_config = ConfigDict(extra="ignore")
    private_notes: str | None = Field(default=None, max_length=20000)
    member_comment: str | None = Field(default=None, max_length=8000)
    state: Literal["closed"] | None = None


def _json(ctx: Ctx, fn: Callable[[], T]) -> T | JSONResponse:
    try:
        return fn()
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


# action pages --------------------------------------------------------------------------------
@router.get("/actions", include_in_schema=False)
def actions_page(ctx: PageCtx, mine: MineQ = True, status: StatusQ = "open") -> Response:
    d = ctx.service.reviews.actions.inbox(mine, status)
    return render(ctx, "reviews/actions.html", d=d, mine=mine, status=status)


@router.get("/actions/{action_id:int}", include_in_schema=False)
def action_page(ctx: PageCtx, action_id: ActionId) -> Response:
    return render(ctx, "reviews/action.html", a=ctx.service.reviews.actions.get(action_id), errors={})


@router.post("/actions/{action_id:int}", include_in_schema=False)
def action_save(ctx: PageCtx, action_id: ActionId, form: FormFields) -> Response:
    svc = ctx.service.reviews.actions
    data = {k: v for k, v in form.items() if k in ("status", "title", "detail", "due_on") and v != ""}
    try:
        svc.update(action_id, data)
    except FormInvalid as e:
        return render(
            ctx, "reviews/action.html", 422, a=svc.get(action_id), errors=field_messages(e, ctx.lang)
        )
    return RedirectResponse(form.get("next") or f"/actions/{action_id}", status_code=303)


# 1on1 pages ----------------------------------------------------------------------------------
@router.get("/one-on-ones", include_in_schema=False)
def ones_page(ctx: PageCtx) -> Response:
    return render(ctx, "reviews/ones.html", d=ctx.service.reviews.one_on_ones.index(), errors={}, values={})


@router.post("/one-on-ones", include_in_schema=False)
def ones_create(ctx: PageCtx, form: FormFields) -> Response:
    svc = ctx.service.reviews.one_on_ones
    try:
        o = svc.create(form, ctx.model)
    except FormInvalid as e:
        return render(
            ctx, "reviews/ones.html", 422, d=svc.index(), errors=field_messages(e, ctx.lang), values=form
        )
    return RedirectResponse(f"/one-on-ones/{o.id}", status_code=303)


def _one(ctx: Ctx, one_id: int, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    o = ctx.service.reviews.one_on_ones.get(one_id)
    return render(ctx, "reviews/one.html", status, o=o, errors=errors or {}, htmx_config=HTMX_CONFIG)


@router.get("/one-on-ones/{one_id:int}", include_in_schema=False)
def one_page(ctx: PageCtx, one_id: OneId) -> Response:
    return _one(ctx, one_id)


def _one_post(ctx: Ctx, one_id: int, fn: Callable[[], Any], anchor: str) -> Response:
    try:
        fn()
    except FormInvalid as e:
        return _one(ctx, one_id, field_messages(e, ctx.lang), 422)
    except RashinbanError as e:
        if e.http_status in (403, 404):
            raise
        return _one(ctx, one_id, {"form": render_error(e, ctx.lang)}, 409)
    return RedirectResponse(f"/one-on-ones/{one_id}{anchor}", status_code=303)


@router.post("/one-on-ones/{one_id:int}", include_in_schema=False)
def one_save(ctx: PageCtx, one_id: OneId, form: FormFields) -> Response:
    data = {k: v for k, v in form.items() if k in ("private_notes", "member_comment", "state")}
    return _one_post(ctx, one_id, lambda: ctx.service.reviews.one_on_ones.save(one_id, data), "#notes")


@router.post("/one-on-ones/{one_id:int}/actions", include_in_schema=False)
def one_action(ctx: PageCtx, one_id: OneId, form: FormFields) -> Response:
    svc = ctx.service.reviews.one_on_ones
    return _one_post(ctx, one_id, lambda: svc.add_action(one_id, form, ctx.model), "#actions")


# the JSON twins ------------------------------------------------------------------------------
@api.get("/actions", summary="Action items: the user's own, or all in the scopes they see")
def api_actions(ctx: ApiCtx, mine: MineQ = True, status: StatusQ = "open") -> R.ActionList:
    return ctx.service.reviews.actions.inbox(mine, status)


@api.get(
    "/actions/{action_id}", summary="An action item with its observed effect", responses=error_responses(404)
)
def api_action(ctx: ApiCtx, action_id: ActionId) -> R.ActionView:
    return ctx.service.reviews.actions.get(action_id)


@api.post(
    "/actions/{action_id}",
    summary="Change an action's status (the owner) or its details (a reviewer)",
    response_model=R.ActionView,
    responses=WRITE,
)
def api_action_update(ctx: ApiCtx, action_id: ActionId, body: ActionUpdate) -> Any:
    data = body.model_dump(exclude_none=True)
    return _json(ctx, lambda: ctx.service.reviews.actions.update(action_id, data))


@api.get("/one-on-ones", summary="The 1on1s the user takes part in (admins: all)")
def api_ones(ctx: ApiCtx, member: Annotated[int | None, Query(ge=1, le=10**9)] = None) -> R.OneOnOneList:
    return ctx.service.reviews.one_on_ones.index(member)


@api.post(
    "/one-on-ones",
    status_code=201,
    summary="Start a 1on1 with a member: a snapshot of their numbers",
    response_model=R.OneOnOneView,
    responses=WRITE,
)
def api_one_create(ctx: ApiCtx, body: OneOnOneIn) -> Any:
    return _json(ctx, lambda: ctx.service.reviews.one_on_ones.create(body.model_dump(), ctx.model))


@api.get(
    "/one-on-ones/{one_id}",
    summary="A 1on1 (its manager, its member and admins only)",
    responses=error_responses(404),
)
def api_one(ctx: ApiCtx, one_id: OneId) -> R.OneOnOneView:
    return ctx.service.reviews.one_on_ones.get(one_id)


@api.post(
    "/one-on-ones/{one_id}",
    summary="Private notes (manager), the member's comment, close",
    response_model=R.OneOnOneView,
    responses=WRITE,
)
def api_one_update(ctx: ApiCtx, one_id: OneId, body: OneOnOneUpdate) -> Any:
    data = body.model_dump(exclude_none=True)
    return _json(ctx, lambda: ctx.service.reviews.one_on_ones.save(one_id, data))


@api.post(
    "/one-on-ones/{one_id}/actions",
    status_code=201,
    summary="An action agreed in the 1on1",
    response_model=R.OneOnOneView,
    responses=WRITE,
)
def api_one_action(ctx: ApiCtx, one_id: OneId, body: ActionIn) -> Any:
    return _json(
        ctx, lambda: ctx.service.reviews.one_on_ones.add_action(one_id, body.model_dump(), ctx.model)
    )


__all__ = ["api", "router"]
