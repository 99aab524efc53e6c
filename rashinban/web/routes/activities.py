"""Activity quick log: /log (phone-first, type → outcome → saved) and its JSON twin."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from rashinban.errors import ForbiddenError, FormInvalid, RashinbanError
from rashinban.i18n import render_error
from rashinban.service import OUTCOMES, TYPES, ActivityLogged, ActivityRow, Permission, RecentActivities
from rashinban.service import activity_results as results
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, invalid_json, is_htmx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
MAIN_TYPES = ("call", "email", "visit", "web_meeting")
TARGET_KINDS = ("deal", "lead", "account")  # what an activity may name (the picker's kinds)


class ActivityIn(BaseModel):
    """An activity to log.  Every field is checked by the service; errors come back per field."""

    model_config = ConfigDict(extra="ignore")
    type: str | None = None
    outcome: str | None = None
    occurred_at: str | None = None
    member_id: int | str | None = None
    note: str | None = None
    duration_minutes: int | str | None = None
    deal_id: int | str | None = None
    lead_id: int | str | None = None
    account_id: int | str | None = None
    idempotency_key: str | None = None


def _page(ctx: Ctx, status_code: int = 200, template: str = "activity.html", **extra: Any) -> Response:
    user = ctx.user
    assert user is not None
    svc = ctx.service
    can_log = svc.can(Permission.LOG_ACTIVITY)
    members = svc.activities.members() if can_log else []
    selected = extra.pop("type", None)
    data = {
        "types": MAIN_TYPES,
        "outcomes": OUTCOMES,
        "selected_type": selected if selected in TYPES else None,
        "can_log": can_log,
        "members": members,
        "needs_member": can_log and user.member_id is None,
        "recent": svc.activities.recent(mine=user.member_id is not None, limit=10).activities
        if can_log
        else [],
        "idem_key": extra.pop("idem_key", None) or str(uuid.uuid4()),
        "target_kinds": TARGET_KINDS,
        "undo_key": None,
        "undone": None,
        "errors": {},
        "values": {},
        "saved": None,
        "htmx_config": HTMX_CONFIG,
        **extra,
    }
    return render(ctx, template, status_code=status_code, **data)


@router.get("/log", include_in_schema=False)
def log_page(ctx: PageCtx, type: str | None = None) -> Response:
    return _page(ctx, type=type)


@router.get("/log/outcomes", include_in_schema=False)
def log_outcomes(ctx: PageCtx, type: str = "") -> Response:
    if type not in TYPES:
        return render(
            ctx, "partials/activity_outcomes.html", status_code=400, selected_type=None, outcomes={}
        )
    return render(ctx, "partials/activity_outcomes.html", selected_type=type, outcomes=OUTCOMES)


@router.post("/log", include_in_schema=False)
def log_submit(ctx: PageCtx, form: FormFields, request: Request) -> Response:
    """The quick-log form.  HTMX gets the form back (fresh, or with messages next to the
    fields); a plain form post gets the whole page."""
    key = form.get("idempotency_key") or None
    template = "partials/activity_form.html" if is_htmx(request) else "activity.html"
    try:
        saved = ctx.service.activities.log(form, key)
    except FormInvalid as e:
        errors = field_messages(e, ctx.lang)
        return _page(ctx, 422, template, errors=errors, values=form, type=form.get("type"), idem_key=key)
    except ForbiddenError as e:
        message = {"form": render_error(e, ctx.lang)}
        return _page(ctx, 403, template, errors=message, values=form, type=form.get("type"), idem_key=key)
    status = 201 if saved.created else 200
    return _page(ctx, status, template, saved=saved, created=saved.created, type=saved.type, undo_key=key)


@router.post("/log/undo", include_in_schema=False)
def log_undo(ctx: PageCtx, form: FormFields, request: Request) -> Response:
    """Undo the entry just saved (the form carries its id and idempotency key)."""
    template = "partials/activity_form.html" if is_htmx(request) else "activity.html"
    raw = str(form.get("activity_id") or "")
    try:
        undone = ctx.service.activities.undo(int(raw) if raw.isdigit() else 0, form.get("undo_key") or None)
    except RashinbanError as e:
        return _page(ctx, e.http_status, template, errors={"form": render_error(e, ctx.lang)})
    return _page(ctx, 200, template, undone=undone)


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    idempotency_key: str


@router.post(
    "/api/activities/{activity_id}/undo",
    summary="Undo the activity just logged",
    responses=error_responses(403, 404, 409, 503, form=True),
)
def api_undo(ctx: ApiCtx, activity_id: Annotated[int, Path(ge=1, le=2**62)], body: UndoIn) -> ActivityRow:
    """Delete the activity this user logged with ``idempotency_key`` — only its member's last
    entry, within 10 minutes of logging it (404 for anyone else's, 409 too late / not last)."""
    return ctx.service.activities.undo(activity_id, body.idempotency_key)


@router.get(
    "/api/activities/targets",
    summary="Deals, leads or accounts an activity may name",
    responses=error_responses(403),
)
def api_targets(
    ctx: ApiCtx,
    kind: Annotated[str, Query(pattern="^(deal|lead|account)$")] = "deal",
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> results.ActivityTargets:
    """The log form's picker: rows the user may write to (their own, or their scope's), whose
    name or account name holds every word of ``q`` (full/half width and case folded), or
    whose id is ``q``; newest first."""
    return ctx.service.activities.targets(kind, q, limit)


@router.get("/home/activity", include_in_schema=False)
def home_activity(ctx: PageCtx) -> Response:
    """The home page's "my activity" block (loaded and refreshed by HTMX)."""
    return render(ctx, "dash/home_activity.html", a=ctx.service.dashboards.my_activity(ctx.model))


@router.get(
    "/api/home/activity", summary="My activity KPIs: today and this period", responses=error_responses()
)
def api_home_activity(ctx: ApiCtx) -> results.MyActivity:
    return ctx.service.dashboards.my_activity(ctx.model)


@router.post(
    "/api/activities",
    status_code=201,
    summary="Log an activity",
    response_model=ActivityLogged,
    responses={
        200: {"model": ActivityLogged, "description": "Replayed: the key was used before"},
        **error_responses(400, 403, 409, 503, form=True),
    },
)
def api_log(
    ctx: ApiCtx,
    body: ActivityIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> ActivityLogged | JSONResponse:
    """Store one activity.  Send an ``Idempotency-Key`` header (or ``idempotency_key``) so a
    retried request returns the first row instead of storing it twice."""
    data = body.model_dump()
    try:
        saved = ctx.service.activities.log(data, idempotency_key or body.idempotency_key)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)
    if not saved.created:
        response.status_code = 200
    return saved


@router.get("/api/activities", summary="Recently logged activities", responses=error_responses())
def api_recent(
    ctx: ApiCtx,
    mine: bool = True,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> RecentActivities:
    return ctx.service.activities.recent(mine=mine, limit=limit)
