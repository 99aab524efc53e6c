"""HTML pages (each has a JSON twin under /api)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from rashinban.errors import ForbiddenError
from rashinban.web.dashkit import ScopeQ, SpanQ, dash_helpers
from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(ctx: PageCtx, period: SpanQ = None, scope: ScopeQ = None) -> Response:
    if scope is None and (agency := ctx.service.agency.landing()) is not None:
        # a partner or viewer of an agency team lands on the agency's own report (#16 item 2)
        query = f"?period={period}" if period else ""
        return RedirectResponse(f"/agency/{agency}{query}", status_code=303)
    try:
        data = ctx.service.dashboards.home(ctx.model, period, scope)
    except ForbiddenError:
        if scope is not None:
            raise
        return render(ctx, "dash/no_scope.html", status_code=403)  # a user linked to no scope
    headers = ctx.request.headers
    partial = headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"
    name = "dash/home_cards.html" if partial else "dash/home.html"
    band = ctx.service.forecasts.band(ctx.model, scope)  # the stored forecast (JSON twin: /api/forecast/band)
    sv = data.scope.type if data.scope.type == "company" else f"{data.scope.type}:{data.scope.id}"
    shown = band is not None and band.period == data.period
    extra: dict[str, Any] = {"band": band.model_dump(mode="json"), "band_scope": sv} if band and shown else {}
    return render(ctx, name, d=data.model_dump(mode="json"), **extra, **dash_helpers(ctx.lang))
