"""HTML pages (each has a JSON twin under /api)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from rashinban.web.deps import PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(ctx: PageCtx) -> Response:
    return render(ctx, "home.html")
