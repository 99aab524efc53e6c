"""Review meetings: the list (/reviews), one meeting (/reviews/{id}: the agenda with its
numbers, notes and decisions, action items, KPI revisions), the revision history
(/reviews/revisions) — each page with its JSON twin under /api."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid, RashinbanError
from rashinban.i18n import render_error
from rashinban.service import review_results as R
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["reviews"], responses=error_responses(403))
T = TypeVar("T")

MeetingId = Annotated[int, Path(ge=1, le=10**15, description="review meeting id")]
ItemId = Annotated[int, Path(ge=1, le=10**15, description="agenda item id")]
RevisionId = Annotated[int, Path(ge=1, le=10**15, description="KPI revision proposal id")]
Step = Literal["hold", "freeze", "refresh"]
WRITE = error_responses(400, 404, 409, 503, form=True)


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scope: str = Field(max_length=30, description="company, team:ID or member:ID")
    cadence: Literal["weekly", "monthly", "quarterly"] = "weekly"
    title: str | None = Field(default=None, max_length=200)
    period: str | None = Field(default=None, max_length=30, description="the month (default: this month)")
    template: str | None = Field(default=None, max_length=30, description="a template id (default: built-in)")
    facilitator: str | None = Field(default=None, max_length=100)


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    section: str = Field(max_length=30)
    title: str = Field(max_length=300)
    notes: str | None = Field(default=None, max_length=20000)


class ItemUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    notes: str | None = Field(default=None, max_length=20000)
    decision: str | None = Field(default=None, max_length=4000)
    title: str | None = Field(default=None, max_length=300)


class OrderIn(BaseModel):
    order: list[int] = Field(max_length=500, description="item ids in their new order")


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(max_length=300)
    owner: int = Field(ge=1, le=10**15, description="the owner's user id")
    due_on: str = Field(max_length=10, description="YYYY-MM-DD")
    node: str | None = Field(default=None, max_length=100, description="the KPI it should move")
    scope: str | None = Field(default=None, max_length=30, description="default: the meeting's scope")
    expected_change: str | None = Field(
        default=None, max_length=30, description="e.g. 3 (with expected_unit)"
    )
    expected_unit: Literal["pt", "pct", "abs"] | None = None
    detail: str | None = Field(default=None, max_length=4000)
    item_id: int | None = Field(default=None, ge=1, le=10**15)


class RevisionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: Literal["target", "model"] = "target"
    reason: str = Field(max_length=2000)
    node: str | None = Field(default=None, max_length=100)
    scope: str | None = Field(default=None, max_length=30)
    period: str | None = Field(default=None, max_length=30)
    value: str | None = Field(default=None, max_length=40, description="the new target (1200万, 25%, 0.25)")
    model_text: str | None = Field(default=None, max_length=500_000)


def _json(ctx: Ctx, fn: Callable[[], T]) -> T | JSONResponse:
    try:
        return fn()
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


# pages ---------------------------------------------------------------------------------------
@router.get("/reviews", include_in_schema=False)
def list_page(ctx: PageCtx) -> Response:
    return render(ctx, "reviews/list.html", d=ctx.service.reviews.meetings(), errors={}, values={})


@router.post("/reviews", include_in_schema=False)
def create_page(ctx: PageCtx, form: FormFields) -> Response:
    try:
        m = ctx.service.reviews.create(form, ctx.model)
    except FormInvalid as e:
        d = ctx.service.reviews.meetings()
        return render(ctx, "reviews/list.html", 422, d=d, errors=field_messages(e, ctx.lang), values=form)
    return RedirectResponse(f"/reviews/{m.id}", status_code=303)


@router.post("/reviews/templates", include_in_schema=False)
def template_page(ctx: PageCtx, form: FormFields) -> Response:
    try:
        ctx.service.reviews.save_template(form)
    except FormInvalid as e:
        d = ctx.service.reviews.meetings()
        return render(ctx, "reviews/list.html", 422, d=d, errors=field_messages(e, ctx.lang), values=form)
    return RedirectResponse("/reviews#templates", status_code=303)


@router.get("/reviews/revisions", include_in_schema=False)
def revisions_page(ctx: PageCtx) -> Response:
    return render(ctx, "reviews/revisions.html", d=ctx.service.reviews.revisions.history())


@router.get("/reviews/{meeting_id:int}", include_in_schema=False)
def meeting_page(ctx: PageCtx, meeting_id: MeetingId) -> Response:
    return _meeting(ctx, meeting_id)


def _meeting(
    ctx: Ctx, meeting_id: int, errors: dict[str, str] | None = None, status: int = 200, **extra: Any
) -> Response:
    d = ctx.service.reviews.meeting(meeting_id)
    return render(
        ctx,
        "reviews/meeting.html",
        status,
        d=d,
        errors=errors or {},
        htmx_config=HTMX_CONFIG,
        values={},
        **extra,
    )


def _post(ctx: Ctx, meeting_id: int, fn: Callable[[], Any], anchor: str = "") -> Response:
    """A form of the meeting page: back to the page (at ``anchor``), or the page with errors."""
    try:
        fn()
    except FormInvalid as e:
        return _meeting(ctx, meeting_id, field_messages(e, ctx.lang), 422)
    except RashinbanError as e:
        if e.http_status in (403, 404):
            raise
        return _meeting(ctx, meeting_id, {"form": render_error(e, ctx.lang)}, 409)
    return RedirectResponse(f"/reviews/{meeting_id}{anchor}", status_code=303)


@router.post("/reviews/{meeting_id:int}/items", include_in_schema=False)
def add_item_page(ctx: PageCtx, meeting_id: MeetingId, form: FormFields) -> Response:
    return _post(ctx, meeting_id, lambda: ctx.service.reviews.add_item(meeting_id, form), "#agenda")


@router.post("/reviews/{meeting_id:int}/items/{item_id:int}", include_in_schema=False)
def save_item_page(ctx: PageCtx, meeting_id: MeetingId, item_id: ItemId, form: FormFields) -> Response:
    data = {k: v for k, v in form.items() if k in ("notes", "decision", "title")}
    return _post(
        ctx,
        meeting_id,
        lambda: ctx.service.reviews.update_item(meeting_id, item_id, data),
        f"#item-{item_id}",
    )


@router.post("/reviews/{meeting_id:int}/items/{item_id:int}/{move}", include_in_schema=False)
def move_item_page(
    ctx: PageCtx, meeting_id: MeetingId, item_id: ItemId, move: Literal["up", "down", "delete"]
) -> Response:
    svc = ctx.service.reviews
    if move == "delete":
        return _post(ctx, meeting_id, lambda: svc.delete_item(meeting_id, item_id), "#agenda")
    step = -1 if move == "up" else 1
    return _post(ctx, meeting_id, lambda: svc.move(meeting_id, item_id, step), f"#item-{item_id}")


@router.post("/reviews/{meeting_id:int}/actions", include_in_schema=False)
def add_action_page(ctx: PageCtx, meeting_id: MeetingId, form: FormFields) -> Response:
    return _post(
        ctx, meeting_id, lambda: ctx.service.reviews.add_action(meeting_id, form, ctx.model), "#actions"
    )


@router.post("/reviews/{meeting_id:int}/revisions", include_in_schema=False)
def propose_page(ctx: PageCtx, meeting_id: MeetingId, form: FormFields) -> Response:
    return _post(
        ctx,
        meeting_id,
        lambda: ctx.service.reviews.propose_revision(meeting_id, form, ctx.model),
        "#revisions",
    )


@router.post("/reviews/revisions/{revision_id:int}/{decision}", include_in_schema=False)
def decide_page(ctx: PageCtx, revision_id: RevisionId, decision: Literal["apply", "reject"]) -> Response:
    rev = ctx.service.reviews.revisions.get_row(revision_id)
    if rev["meeting_id"] is None:
        ctx.service.reviews.decide_revision(revision_id, decision, ctx.model)
        return RedirectResponse("/reviews/revisions", status_code=303)
    mid = int(rev["meeting_id"])
    return _post(
        ctx, mid, lambda: ctx.service.reviews.decide_revision(revision_id, decision, ctx.model), "#revisions"
    )


@router.post("/reviews/{meeting_id:int}/{step}", include_in_schema=False)
def step_page(ctx: PageCtx, meeting_id: MeetingId, step: Step) -> Response:
    svc = ctx.service.reviews
    if step == "refresh":
        return _post(ctx, meeting_id, lambda: svc.refresh(meeting_id, ctx.model))
    return _post(ctx, meeting_id, lambda: svc.hold(meeting_id) if step == "hold" else svc.freeze(meeting_id))


# the JSON twins ------------------------------------------------------------------------------
@api.get("/reviews", summary="Review meetings of the scopes the user sees, templates, cadences")
def api_list(ctx: ApiCtx) -> R.MeetingList:
    return ctx.service.reviews.meetings()


@api.post(
    "/reviews",
    status_code=201,
    summary="Create a review meeting: its agenda is built from the numbers as of now",
    response_model=R.MeetingView,
    responses=WRITE,
)
def api_create(ctx: ApiCtx, body: MeetingIn) -> Any:
    return _json(ctx, lambda: ctx.service.reviews.create(body.model_dump(), ctx.model))


@api.get("/reviews/revisions", summary="KPI revision proposals and which meeting decided them")
def api_revisions(ctx: ApiCtx) -> R.RevisionList:
    return ctx.service.reviews.revisions.history()


@api.get(
    "/reviews/{meeting_id}",
    summary="A meeting: the snapshot of every number shown, agenda, actions, revisions",
    responses=error_responses(404),
)
def api_meeting(ctx: ApiCtx, meeting_id: MeetingId) -> R.MeetingView:
    return ctx.service.reviews.meeting(meeting_id)


@api.post(
    "/reviews/{meeting_id}/items",
    summary="Add a free agenda item",
    response_model=R.MeetingView,
    responses=WRITE,
)
def api_add_item(ctx: ApiCtx, meeting_id: MeetingId, body: ItemIn) -> Any:
    return _json(ctx, lambda: ctx.service.reviews.add_item(meeting_id, body.model_dump()))


@api.post(
    "/reviews/{meeting_id}/items/{item_id}",
    summary="An item's notes and decision (a free item's title)",
    response_model=R.MeetingView,
    responses=WRITE,
)
def api_update_item(ctx: ApiCtx, meeting_id: MeetingId, item_id: ItemId, body: ItemUpdate) -> Any:
    data = body.model_dump(exclude_none=True)
    return _json(ctx, lambda: ctx.service.reviews.update_item(meeting_id, item_id, data))


@api.post(
    "/reviews/{meeting_id}/order", summary="Reorder the agenda", response_model=R.MeetingView, responses=WRITE
)
def api_order(ctx: ApiCtx, meeting_id: MeetingId, body: OrderIn) -> Any:
    return _json(ctx, lambda: ctx.service.reviews.reorder(meeting_id, body.order))


@api.post(
    "/reviews/{meeting_id}/actions",
    status_code=201,
    summary="Record an action item decided in the meeting",
    response_model=R.MeetingView,
    responses=WRITE,
)
def api_add_action(ctx: ApiCtx, meeting_id: MeetingId, body: ActionIn) -> Any:
    return _json(ctx, lambda: ctx.service.reviews.add_action(meeting_id, body.model_dump(), ctx.model))


@api.post(
    "/reviews/{meeting_id}/revisions",
    status_code=201,
    summary="Propose a new target or a new model version, with its reason",
    response_model=R.MeetingView,
    responses=WRITE,
)
def api_propose(ctx: ApiCtx, meeting_id: MeetingId, body: RevisionIn) -> Any:
    return _json(ctx, lambda: ctx.service.reviews.propose_revision(meeting_id, body.model_dump(), ctx.model))


@api.post(
    "/reviews/revisions/{revision_id}/{decision}",
    summary="Apply or reject a revision proposal",
    response_model=R.RevisionList,
    responses=WRITE,
)
def api_decide(ctx: ApiCtx, revision_id: RevisionId, decision: Literal["apply", "reject"]) -> Any:
    def go() -> R.RevisionList:
        ctx.service.reviews.decide_revision(revision_id, decision, ctx.model)
        return ctx.service.reviews.revisions.history()

    return _json(ctx, go)


@api.post(
    "/reviews/{meeting_id}/{step}",
    summary="Mark held, freeze, or refresh a draft's numbers",
    response_model=R.MeetingView,
    responses=error_responses(400, 404, 409, 503),
)
def api_step(ctx: ApiCtx, meeting_id: MeetingId, step: Step) -> Any:
    svc = ctx.service.reviews
    if step == "refresh":
        return svc.refresh(meeting_id, ctx.model)
    return svc.hold(meeting_id) if step == "hold" else svc.freeze(meeting_id)


__all__ = ["api", "router"]
