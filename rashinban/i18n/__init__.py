"""The i18n catalogue: every user-facing text, in Japanese and English.

``t("cli.col_target", "ja")`` looks a key up; ``detect_lang()`` picks the language from
``RASHINBAN_LANG``, then the POSIX locale variables (Japanese when they say ``ja``),
else English.
"""

from __future__ import annotations

import os
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from rashinban.i18n import format as fmt

if TYPE_CHECKING:
    from rashinban.errors import RashinbanError
    from rashinban.kpi.findings import Finding

LANGS = ("ja", "en")
ROLE_NAMES = ("admin", "manager", "member", "partner", "viewer")


@cache
def catalogue(lang: str) -> dict[str, Any]:
    text = resources.files("rashinban.i18n").joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def flat_keys(lang: str) -> set[str]:
    out: set[str] = set()

    def walk(prefix: str, d: dict[str, Any]) -> None:
        for k, v in d.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict):
                walk(key, v)
            else:
                out.add(key)

    walk("", catalogue(lang))
    return out


def detect_lang(explicit: str | None = None) -> str:
    if explicit:
        return explicit if explicit in LANGS else "en"
    for var in ("RASHINBAN_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            if var == "RASHINBAN_LANG":
                return value if value in LANGS else "en"
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


class _Safe(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str = "ja", /, **params: Any) -> str:
    node: Any = catalogue(lang if lang in LANGS else "en")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            node = None
            break
        node = node[part]
    if node is None and lang != "en":
        return t(key, "en", **params)
    if not isinstance(node, str):
        return key
    return node.format_map(_Safe(params))


def _plain(v: Any) -> Any:
    if isinstance(v, Fraction):
        return fmt.number(v)
    return v


def render_error(err: RashinbanError, lang: str = "ja") -> str:
    params = {k: _plain(v) for k, v in err.params.items()}
    sugg = params.get("suggestion")
    params["suggestion_text"] = t("suggestion", lang, suggestion=sugg) if sugg else ""
    # a refusal names what kind of thing was refused, never which one (no ids, no names)
    kind = str(params.get("kind", "scope"))
    params["kind_text"] = t(f"scope_kind.{kind if kind in ('company', 'team', 'member') else 'scope'}", lang)
    role = str(params.get("role", "-"))
    params["role_text"] = t(f"web.role_{role}", lang) if role in ROLE_NAMES else "—"
    text = t(f"error.{err.code}", lang, **params)
    where = []
    if err.file:
        where.append(t("location.file", lang, file=err.file))
    if err.line:
        where.append(t("location.line", lang, line=err.line))
    if err.node:
        where.append(t("location.node", lang, node=err.node))
    return (", ".join(where) + ": " if where else "") + text


def render_finding(f: Finding, lang: str = "ja", names: dict[str, str] | None = None) -> str:
    p: dict[str, Any] = dict(f.params)
    unit = str(p.get("unit", ""))
    if f.code == "inconsistent_targets":
        gap = p["gap"]
        sign = "+" if gap > 0 else "-"
        p["stated"] = fmt.value(p["stated"], unit, lang)
        p["implied"] = fmt.value(p["implied"], unit, lang)
        p["gap_text"] = sign + fmt.value(abs(gap), unit, lang)
        ratio = p.get("gap_ratio")
        p["gap_pct"] = ("+" if ratio and ratio > 0 else "") + fmt.percent(ratio) if ratio is not None else "—"
        p.pop("needed", None)
    if f.code in ("too_many_main_kpis", "too_few_main_kpis"):
        p["owner_text"] = p.get("owner") or t("owner_model", lang)
    if f.code == "relative_no_basis":
        p["factor_text"] = fmt.percent(p["factor"])
        p["basis_text"] = t(f"tier.basis_{p['basis']}", lang)
        p["tier"] = t(f"tier.{p['tier']}", lang)
    if f.code == "achievability":
        p["limit"] = fmt.percent(p["limit"])
    for key in ("target", "best"):
        if isinstance(p.get(key), Fraction):
            p[key] = fmt.value(p[key], unit, lang)
    return t(f"finding.{f.code}", lang, **{k: _plain(v) for k, v in p.items()})


def render_needed(item: dict[str, Any], unit: str, name: str, lang: str = "ja") -> str:
    return t(
        "finding.inconsistent_needed",
        lang,
        name=name,
        required=fmt.value(item["required"], unit, lang),
        current=fmt.value(item["current"], unit, lang),
    )
