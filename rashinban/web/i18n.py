"""The language of a request: ?lang=, then the page's language on an htmx fragment request
(header ``X-Rashinban-Lang``, set by static/htmx-lang.js), then the session, then
Accept-Language."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from fastapi import Request

from rashinban.i18n import LANGS, t
from rashinban.i18n import format as fmt
from rashinban.i18n.stages import funnel_label, rule_label, stage_help, stage_label

PAGE_LANG_HEADER = "x-rashinban-lang"


def request_lang(request: Request, session_lang: str | None = None) -> str:
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    page = request.headers.get(PAGE_LANG_HEADER)
    if page in LANGS:  # a fragment speaks the language of the page that loads it
        return page
    if session_lang in LANGS:
        return session_lang
    return header_lang(request) or "en"


def header_lang(request: Request) -> str | None:
    """The language the browser's Accept-Language prefers among ours (None: it names neither)."""
    header = request.headers.get("accept-language", "")
    best: str | None = None
    best_q = -1.0
    for part in header.split(","):
        bits = part.strip().split(";q=")
        code = bits[0].strip().lower()
        try:
            weight = float(bits[1]) if len(bits) > 1 else 1.0
        except ValueError:
            weight = 0.0
        lang = "ja" if code.startswith("ja") else "en" if code.startswith("en") else None
        if lang and weight > best_q:
            best, best_q = lang, weight
    return best


def template_helpers(lang: str) -> dict[str, Any]:
    """Functions the templates use: ``t``, money and number formatting."""

    def tr(key: str, **params: Any) -> str:
        return t(key, lang, **params)

    def value(v: Fraction | float | int | None, unit: str, short: bool = False) -> str:
        if v is None:
            return "—"
        if unit == "yen" and not short:
            return fmt.yen_full(v)
        return fmt.value(v, unit, lang)

    return {
        "t": tr,
        "lang": lang,
        "fmt_value": value,
        "fmt_percent": lambda v: fmt.percent(v) if v is not None else "—",
        "stage": lambda name: stage_label(str(name), lang) if name is not None else "—",
        "stage_help": lambda name: stage_help(str(name), lang),
        "funnel_row": lambda name, index: funnel_label(str(name), int(index), lang),
        "rule_name": lambda name: rule_label(str(name), lang),
    }
