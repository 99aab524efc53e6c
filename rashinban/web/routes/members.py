"""Member administration (admins only): /admin/members — rename, move between teams, merge
two members into one — and its JSON twin /api/admin/members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from rashinban.errors import ForbiddenError, FormInvalid, NotFoundError
from rashinban.i18n import render_error
from rashinban.service import trust_results
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import field_messages, invalid_json
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

MemberChanged = trust_results.MemberChanged
MembersList = trust_results.MembersList
MembersMerged = trust_results.MembersMerged
router = APIRouter()


class MemberIn(BaseModel):
    """Rename: ``name`` (and ``email``); move: ``team_id`` (an id or a team name); merge:
    ``into`` (the member to keep: an id, external id or name)."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = None
    email: str | None = None
    team_id: str | int | None = None
    into: str | int | None = None


def _page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    try:
        data = ctx.service.members.overview()
    except ForbiddenError as e:
        return render(ctx, "members.html", status_code=403, forbidden=render_error(e, ctx.lang))
    return render(
        ctx,
        "members.html",
        status_code=status_code,
        forbidden=None,
        data=data,
        done=ctx.request.query_params.get("done"),
        form_id=extra.pop("form_id", None),
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        **extra,
    )


@router.get("/admin/members", include_in_schema=False)
def members_page(ctx: PageCtx) -> Response:
    return _page(ctx)


def _form(
    ctx: Ctx, form: dict[str, str], form_id: str, action: Callable[[dict[str, str]], object]
) -> Response:
    try:
        action(form)
    except FormInvalid as e:
        return _page(ctx, 422, form_id=form_id, errors=field_messages(e, ctx.lang), values=form)
    except ForbiddenError as e:
        return render(ctx, "members.html", status_code=403, forbidden=render_error(e, ctx.lang))
    except NotFoundError as e:
        return _page(ctx, 404, form_id=form_id, errors={"form": render_error(e, ctx.lang)}, values=form)
    return RedirectResponse(f"/admin/members?done={form_id}", status_code=303)


@router.post("/admin/members/{member_id}/{action}", include_in_schema=False)
def members_submit(ctx: PageCtx, form: FormFields, member_id: int, action: str) -> Response:
    svc = ctx.service.members
    acts: dict[str, Callable[[dict[str, str]], object]] = {
        "rename": lambda f: svc.rename(member_id, f),
        "move": lambda f: svc.move(member_id, f),
        "merge": lambda f: svc.merge(member_id, f),
    }
    if action not in acts:
        return _page(ctx, 404)
    return _form(ctx, form, f"{action}-{member_id}", acts[action])


@router.get(
    "/api/admin/members",
    summary="Every member with its team and data (teamless first)",
    response_model=MembersList,
    responses=error_responses(403),
)
def api_members(ctx: ApiCtx) -> MembersList:
    return ctx.service.members.overview()


def _json(ctx: ApiCtx, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


WRITE_ERRORS = error_responses(400, 403, 404, 503, form=True)


@router.post(
    "/api/admin/members/{member_id}/rename",
    summary="Rename a member",
    response_model=MemberChanged,
    responses=WRITE_ERRORS,
)
def api_rename(ctx: ApiCtx, member_id: int, body: MemberIn) -> MemberChanged | JSONResponse:
    result: MemberChanged | JSONResponse = _json(
        ctx, lambda: ctx.service.members.rename(member_id, body.model_dump())
    )
    return result


@router.post(
    "/api/admin/members/{member_id}/move",
    summary="Move a member to another team",
    response_model=MemberChanged,
    responses=WRITE_ERRORS,
)
def api_move(ctx: ApiCtx, member_id: int, body: MemberIn) -> MemberChanged | JSONResponse:
    result: MemberChanged | JSONResponse = _json(
        ctx, lambda: ctx.service.members.move(member_id, body.model_dump())
    )
    return result


@router.post(
    "/api/admin/members/{member_id}/merge",
    summary="Merge a member into another (its facts re-pointed, the member removed)",
    response_model=MembersMerged,
    responses=WRITE_ERRORS,
)
def api_merge(ctx: ApiCtx, member_id: int, body: MemberIn) -> MembersMerged | JSONResponse:
    result: MembersMerged | JSONResponse = _json(
        ctx, lambda: ctx.service.members.merge(member_id, body.model_dump())
    )
    return result
