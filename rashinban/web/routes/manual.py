"""Manual KPI values: /manual (enter a value per scope and period, see who entered what) and
its JSON twin /api/manual."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from rashinban.errors import ForbiddenError, FormInvalid, NotFoundError
from rashinban.i18n import render_error
from rashinban.service import Permission, trust_results
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

ManualSaved = trust_results.ManualSaved
ManualValues = trust_results.ManualValues
router = APIRouter()
PeriodQ = Annotated[str | None, Query(max_length=30, description="a period name (default: all)")]


class ManualIn(BaseModel):
    """A manual KPI's value for one scope and period (an empty value clears it)."""

    model_config = ConfigDict(extra="ignore")
    node: str | None = None
    scope: str | None = None
    period: str | None = None
    value: str | float | int | None = None
    note: str | None = None


def _page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    svc = ctx.service
    data = svc.manual.values(ctx.model, extra.pop("period", None))
    scopes = svc.dashboards.scopes(ctx.model) if data.nodes else []
    return render(
        ctx,
        "manual.html",
        status_code=status_code,
        data=data,
        scopes=scopes,
        can_enter=svc.can(Permission.ENTER_VALUES),
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        saved=extra.pop("saved", None),
        **extra,
    )


@router.get("/manual", include_in_schema=False)
def manual_page(ctx: PageCtx, period: str | None = None) -> Response:
    return _page(ctx, period=period or None)


@router.post("/manual", include_in_schema=False)
def manual_submit(ctx: PageCtx, form: FormFields) -> Response:
    try:
        saved = ctx.service.manual.enter(form, ctx.model)
    except FormInvalid as e:
        return _page(ctx, 422, errors=field_messages(e, ctx.lang), values=form)
    except (ForbiddenError, NotFoundError) as e:
        status = 403 if isinstance(e, ForbiddenError) else 404
        return _page(ctx, status, errors={"form": render_error(e, ctx.lang)}, values=form)
    return _page(ctx, 201 if saved.changed else 200, saved=saved)


@router.get(
    "/api/manual",
    summary="Manual KPIs and their entered values (who, when, old → new)",
    response_model=ManualValues,
    responses=error_responses(400, 403),
)
def api_manual(ctx: ApiCtx, period: PeriodQ = None) -> ManualValues:
    return ctx.service.manual.values(ctx.model, period)


@router.post(
    "/api/manual",
    status_code=201,
    summary="Enter (or clear) a manual KPI's value for a scope and period",
    response_model=ManualSaved,
    responses={
        200: {"model": ManualSaved, "description": "The value already was this: nothing stored"},
        **error_responses(400, 403, 404, 503, form=True),
    },
)
def api_enter(ctx: ApiCtx, body: ManualIn, response: Response) -> ManualSaved | JSONResponse:
    """``scope``: company, team:ID, member:ID or a team/member name (default: one's own);
    ``period``: any day or period name inside the entry period (default: the current one)."""
    try:
        saved = ctx.service.manual.enter(body.model_dump(), ctx.model)
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)
    if not saved.changed:
        response.status_code = 200
    return saved
