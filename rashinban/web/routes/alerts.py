"""Alerts people act on: the inbox (/alerts), one alert with its history (/alerts/{id}),
acknowledge / snooze / resolve, the deal a stalled-deal alert links to (/deals/{id}) and the
weekly digest preview (/digest) — each page with its JSON twin under /api."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import FormInvalid, UsageError
from rashinban.i18n import render_error
from rashinban.service import alert_results as R
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, invalid_json, is_htmx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api", tags=["alerts"], responses=error_responses(403))

AlertId = Annotated[int, Path(ge=1, le=10**15, description="alert id")]
DealId = Annotated[int, Path(ge=1, le=10**15, description="deal id")]
Action = Literal["acknowledge", "snooze", "resolve"]
StateQ = Annotated[Literal["open", "all"], Query(description="open: not resolved yet")]
KindQ = Annotated[
    Literal["off_pace", "late_entry", "stalled_deal", "stale_data"] | None,
    Query(description="only this kind"),
]


class ActionIn(BaseModel):
    """``snooze`` needs ``until`` (a date after today) and a ``reason``; ``resolve`` takes an
    optional ``note``; ``acknowledge`` nothing."""

    model_config = ConfigDict(extra="ignore")
    until: date | str | None = Field(default=None, description="snooze until this day (YYYY-MM-DD)")
    reason: str | None = Field(default=None, max_length=2000, description="why it is snoozed")
    note: str | None = Field(default=None, max_length=4000, description="how it was resolved")


def _tomorrow(ctx: Ctx) -> str:
    today: date = ctx.request.app.state.clock.today()
    return (today + timedelta(days=1)).isoformat()


# pages ---------------------------------------------------------------------------------------
@router.get("/alerts", include_in_schema=False)
def inbox_page(ctx: PageCtx, state: StateQ = "open", kind: KindQ = None) -> Response:
    data = ctx.service.alerts.inbox(state, kind, limit=200)
    return render(
        ctx,
        "alerts/inbox.html",
        d=data,
        state=state,
        kind=kind,
        htmx_config=HTMX_CONFIG,
        min_snooze=_tomorrow(ctx),
    )


@router.get("/alerts/{alert_id}", include_in_schema=False)
def alert_page(ctx: PageCtx, alert_id: AlertId) -> Response:
    data = ctx.service.alerts.alert(alert_id)
    return render(ctx, "alerts/detail.html", d=data, htmx_config=HTMX_CONFIG, min_snooze=_tomorrow(ctx))


@router.post("/alerts/{alert_id}/{action}", include_in_schema=False)
def alert_action(
    ctx: PageCtx, alert_id: AlertId, action: Action, form: FormFields, request: Request
) -> Response:
    """A button of the inbox: HTMX gets the card back, a plain form post the inbox again."""
    errors: dict[str, str] = {}
    status = 200
    try:
        ctx.service.alerts.act(alert_id, action, form)
    except FormInvalid as e:
        errors, status = field_messages(e, ctx.lang), 422
    except UsageError as e:
        errors, status = {"form": render_error(e, ctx.lang)}, 409
    if not is_htmx(request):
        if status != 200:
            return render(
                ctx, "error.html", status_code=status, status=status, message=" ".join(errors.values())
            )
        return RedirectResponse(form.get("next") or "/alerts", status_code=303)
    item = ctx.service.alerts.alert(alert_id).alert
    return render(
        ctx,
        "alerts/_card.html",
        status_code=status,
        a=item,
        errors=errors,
        values=form,
        open_form=action if errors else None,
        oob_count=ctx.service.alerts.count(),
        min_snooze=_tomorrow(ctx),
    )


@router.get("/deals/{deal_id}", include_in_schema=False)
def deal_page(ctx: PageCtx, deal_id: DealId) -> Response:
    return render(ctx, "alerts/deal.html", d=ctx.service.alerts.deal(deal_id))


@router.get("/digest", include_in_schema=False)
def digest_page(ctx: PageCtx, user: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    svc = ctx.service
    data = svc.alerts.digest(user, ctx.model)
    rules = svc.alerts.rules(ctx.model)
    return render(
        ctx, "alerts/digest.html", d=data, schedule=rules.digest_schedule, can_manage=rules.can_manage
    )


# the JSON twins ------------------------------------------------------------------------------
@api.get("/alerts", summary="The inbox: alerts of the user's scopes, newest first")
def api_inbox(
    ctx: ApiCtx,
    state: StateQ = "open",
    kind: KindQ = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> R.AlertList:
    return ctx.service.alerts.inbox(state, kind, limit, offset)


@api.get("/alerts/count", summary="Open alerts nobody acknowledged yet (the navigation bar's badge)")
def api_count(ctx: ApiCtx) -> R.AlertCount:
    return R.AlertCount(unacknowledged=ctx.service.alerts.count())


@api.get(
    "/alerts/{alert_id}",
    summary="One alert with its history (and its deal)",
    responses=error_responses(404),
)
def api_alert(ctx: ApiCtx, alert_id: AlertId) -> R.AlertDetail:
    return ctx.service.alerts.alert(alert_id)


@api.post(
    "/alerts/{alert_id}/{action}",
    summary="Acknowledge, snooze (until a date, with a reason) or resolve (with a note)",
    response_model=R.AlertItem,
    responses=error_responses(400, 404, 503, form=True),
)
def api_action(ctx: ApiCtx, alert_id: AlertId, action: Action, body: ActionIn | None = None) -> Any:
    data = body.model_dump() if body is not None else {}
    try:
        return ctx.service.alerts.act(alert_id, action, data)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


@api.get(
    "/deals/{deal_id}",
    summary="A deal: stage history, last activities, open alerts",
    responses=error_responses(404),
)
def api_deal(ctx: ApiCtx, deal_id: DealId) -> R.DealView:
    return ctx.service.alerts.deal(deal_id)


@api.get("/digest", summary="The weekly digest as it would be sent now", responses=error_responses(400, 404))
def api_digest(ctx: ApiCtx, user: Annotated[str | None, Query(max_length=100)] = None) -> R.DigestPreview:
    return ctx.service.alerts.digest(user, ctx.model)


@api.post(
    "/digest/send",
    summary="Send this week's digest to everyone (administrators)",
    responses=error_responses(503),
)
def api_digest_send(ctx: ApiCtx, dry_run: bool = True) -> R.DigestRun:
    return ctx.service.alerts.send_digests(dry_run, ctx.model)


__all__ = ["api", "router"]
