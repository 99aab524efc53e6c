"""Helpers for the write-side routes: field messages, HTMX detection, JSON errors."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from rashinban.errors import FormInvalid
from rashinban.i18n import t

# HTMX swaps 2xx only by default; our forms answer 422/400/403 with the form re-rendered
HTMX_CONFIG = (
    '{"responseHandling": [{"code": "204", "swap": false}, {"code": "[23]..", "swap": true},'
    ' {"code": "(400|403|409|413|422|503)", "swap": true, "error": false},'
    ' {"code": "[45]..", "swap": false, "error": true}]}'
)


def field_messages(exc: FormInvalid, lang: str, **params: Any) -> dict[str, str]:
    out = {}
    for field, code in exc.fields.items():
        text = t(f"forms.err.{code}", lang, **params)
        out[field] = text if text != f"forms.err.{code}" else t("forms.err.form", lang)
    return out


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def invalid_json(exc: FormInvalid, lang: str) -> JSONResponse:
    return JSONResponse(
        {"error": "validation", "fields": field_messages(exc, lang), "codes": exc.fields}, status_code=422
    )


async def form_data(request: Request) -> dict[str, str]:
    """The request's form fields as strings (files and repeated fields: the last text)."""
    try:
        form = await request.form()
    except Exception:  # a malformed body is an empty form (the fields will be missing)
        return {}
    return {k: v for k, v in form.items() if isinstance(v, str)}
