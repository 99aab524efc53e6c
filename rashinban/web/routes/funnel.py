"""The funnel page (JSON twin: /api/funnel)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rashinban.web.dashkit import RangeQ, ScopeQ, dash_helpers
from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/funnel", include_in_schema=False)
def funnel_page(ctx: PageCtx, period: RangeQ = None, scope: ScopeQ = None) -> Response:
    data = ctx.service.dashboards.funnel(ctx.model, period, scope)
    return render(ctx, "dash/funnel.html", d=data.model_dump(mode="json"), **dash_helpers(ctx.lang))
