"""The audit trail (admins): a filterable page and its JSON twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from rashinban.errors import ForbiddenError, RashinbanError
from rashinban.i18n import render_error
from rashinban.service import AuditPage
from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()

ActionQ = Annotated[str | None, Query(max_length=200, description="event types, comma-separated")]
CategoryQ = Annotated[str | None, Query(max_length=20, description="security | config | data")]
ActorQ = Annotated[str | None, Query(max_length=100, description="the user name")]
DayQ = Annotated[str | None, Query(max_length=30, description="a day or period: 2026-11-20, 2026-11")]
TextQ = Annotated[str | None, Query(max_length=100, description="text in the row, values or address")]
BeforeQ = Annotated[int | None, Query(ge=1, description="events older than this id (paging)")]


@router.get("/admin/audit", include_in_schema=False)
def audit_page(
    ctx: PageCtx,
    action: ActionQ = None,
    category: CategoryQ = None,
    actor: ActorQ = None,
    since: DayQ = None,
    until: DayQ = None,
    q: TextQ = None,
    before: BeforeQ = None,
) -> Response:
    filters = {"action": action, "category": category, "actor": actor, "since": since, "until": until, "q": q}
    try:
        page = ctx.service.audit.entries(
            action=action,
            category=category or None,
            actor=actor,
            since=since,
            until=until,
            text=q,
            before_id=before,
            limit=100,
        )
    except ForbiddenError as e:
        return render(ctx, "error.html", status_code=403, status=403, message=render_error(e, ctx.lang))
    except RashinbanError as e:
        return render(
            ctx, "audit.html", status_code=400, page=None, error=render_error(e, ctx.lang), filters=filters
        )
    actions = ctx.service.audit.actions()
    return render(ctx, "audit.html", page=page, error=None, filters=filters, actions=actions)


@router.get(
    "/api/audit",
    summary="The audit trail, newest first (admins): sign-ins, refusals, changes (old → new), imports",
    responses=error_responses(400, 403),
)
def api_audit(
    ctx: ApiCtx,
    action: ActionQ = None,
    category: CategoryQ = None,
    actor: ActorQ = None,
    since: DayQ = None,
    until: DayQ = None,
    q: TextQ = None,
    before: BeforeQ = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    return ctx.service.audit.entries(
        action=action,
        category=category or None,
        actor=actor,
        since=since,
        until=until,
        text=q,
        before_id=before,
        limit=limit,
    )
