"""The API documentation: the OpenAPI document and Swagger UI from vendored assets (no CDN),
for signed-in users only (a session or an API token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.templating import render

router = APIRouter()


@router.get("/api/openapi.json", include_in_schema=False)
def openapi(ctx: ApiCtx) -> Response:
    schema: dict[str, Any] = ctx.request.app.openapi()
    return JSONResponse(schema)


@router.get("/api/docs", include_in_schema=False)
def docs(ctx: PageCtx) -> Response:
    return render(ctx, "api_docs.html")
