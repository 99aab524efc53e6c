"""The API documentation: the OpenAPI document and Swagger UI from vendored assets (no CDN),
for signed-in users only (a session or an API token)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response

from rashinban.web.deps import ApiCtx, PageCtx
from rashinban.web.templating import render

router = APIRouter()

REF = "#/components/schemas/"
# what the HTTP layer answers before a route runs, for an operation that takes a body: a body
# that cannot be parsed (400), a session write without the CSRF token (403), a body off the
# schema (422, rendered as RequestInvalid by the app's handler, never FastAPI's default)
HTTP_LAYER = {"400": "HttpError", "403": "HttpError", "422": "RequestInvalid"}
DESCRIPTION = {
    "400": "The body cannot be parsed",
    "403": "A session write without the CSRF token",
    "422": "The body does not match the schema",
}


def _refs(response: dict[str, Any]) -> list[dict[str, Any]]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return list(schema.get("anyOf", [schema] if schema else []))


def declare_http_layer(doc: dict[str, Any]) -> dict[str, Any]:
    """Every operation states what the HTTP layer may answer for it (see ``HTTP_LAYER``), and
    no response names FastAPI's HTTPValidationError (the app answers RequestInvalid)."""
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            for response in responses.values():
                refs = _refs(response)
                if any(r.get("$ref") == REF + "HTTPValidationError" for r in refs):
                    refs = [r for r in refs if r.get("$ref") != REF + "HTTPValidationError"]
                    refs.append({"$ref": REF + "RequestInvalid"})
                    _set(response, refs)
            if "requestBody" not in op:
                continue
            for code, name in HTTP_LAYER.items():
                response = responses.setdefault(code, {"description": DESCRIPTION[code]})
                refs = _refs(response)
                if {"$ref": REF + name} not in refs:
                    _set(response, [*refs, {"$ref": REF + name}])
    schemas = doc.get("components", {}).get("schemas", {})
    used = str(doc.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and REF + name not in used and REF + name not in str(schemas):
            del schemas[name]
    return doc


def _set(response: dict[str, Any], refs: list[dict[str, Any]]) -> None:
    schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
    response.setdefault("content", {}).setdefault("application/json", {})["schema"] = schema


def describe(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi``: FastAPI's document, completed by :func:`declare_http_layer` once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_http_layer(generate())
        return app.openapi_schema

    return openapi


@router.get("/api/openapi.json", include_in_schema=False)
def openapi(ctx: ApiCtx) -> Response:
    schema: dict[str, Any] = ctx.request.app.openapi()
    return JSONResponse(schema)


@router.get("/api/docs", include_in_schema=False)
def docs(ctx: PageCtx) -> Response:
    return render(ctx, "api_docs.html")
