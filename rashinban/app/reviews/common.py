"""Small pieces the review area's modules share: scope keys and references, node labels,
user names."""

from __future__ import annotations

from typing import Any

from rashinban.app.insight_text import label
from rashinban.app.insight_text import scope_ref as _scope_ref
from rashinban.app.results.common import ScopeRef
from rashinban.kpi.model import Model
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store.actions import member_users, user_names

ScopeKey = tuple[str, int]


def parse_scope_key(text: Any) -> ScopeKey | None:
    """``company``, ``team:3`` or ``member:5`` (None for anything else)."""
    raw = str(text or "").strip()
    if raw == COMPANY:
        return (COMPANY, 0)
    kind, _, ident = raw.partition(":")
    if kind in (TEAM, MEMBER) and ident.isdigit():
        return (kind, int(ident))
    return None


def scope_text(key: ScopeKey) -> str:
    return COMPANY if key[0] == COMPANY else f"{key[0]}:{key[1]}"


def scope_ref(scopes: ScopeIndex, key: ScopeKey) -> ScopeRef | None:
    return _scope_ref(scopes, key) if key in scopes.scopes else None


def node_label(model: Model, nid: str | None, lang: str) -> str:
    if not nid or nid not in model.nodes:
        return nid or ""
    return label(model, nid, lang)


def node_labels(model: Model, lang: str) -> dict[str, str]:
    return {nid: label(model, nid, lang) for nid in model.nodes}


__all__ = [
    "ScopeKey",
    "member_users",
    "node_label",
    "node_labels",
    "parse_scope_key",
    "scope_ref",
    "scope_text",
    "user_names",
]
