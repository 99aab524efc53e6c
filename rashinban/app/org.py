"""The organisation as the application reads it: scopes, settings and the user's access,
each cached on the data version (so a rename or a holiday set by any worker shows at once)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rashinban.app.context import AppContext
from rashinban.i18n import t
from rashinban.org.access import EVERYTHING, Access, access_for
from rashinban.org.roles import Role, role_of
from rashinban.org.scopes import MEMBER, TEAM, ScopeIndex
from rashinban.store import admin as admin_store
from rashinban.store.org import MemberChoice, active_members, load_scope_index

NOTHING = Access(frozenset(), None, read_only=True)  # an anonymous request sees nothing


def scope_index(ctx: AppContext) -> ScopeIndex:
    """The organisation's scopes; the company scope named in the context's language (全社 /
    Company): a name the system gives, not the organisation's."""
    company = t("dash.company", ctx.lang)
    return ctx.org_cached(("scopes", company), lambda: load_scope_index(ctx.store, company))


def settings(ctx: AppContext) -> dict[str, Any]:
    return ctx.org_cached(("settings",), lambda: admin_store.all_settings(ctx.store))


def company_holidays(ctx: AppContext) -> list[date]:
    value = settings(ctx).get(admin_store.COMPANY_HOLIDAYS)
    return [date.fromisoformat(d) for d in value] if isinstance(value, list) else []


def funnel_stages(ctx: AppContext) -> list[str]:
    value = settings(ctx).get(admin_store.FUNNEL_STAGES)
    return [str(s) for s in value] if isinstance(value, list) else []


def access(ctx: AppContext) -> Access:
    """The scopes the signed-in user may see (everything for the CLI)."""
    user = ctx.user
    if user is None:
        return EVERYTHING if ctx.privileged else NOTHING
    return ctx.org_cached(("access", user), lambda: access_for(user, scope_index(ctx)))


def check_scope_args(ctx: AppContext, team: str | None, member: str | None) -> Access | None:
    """For a signed-in user: the access, after checking that a named team/member is visible
    (ForbiddenError otherwise); None for the CLI."""
    if ctx.user is None and ctx.privileged:
        return None
    scopes = scope_index(ctx)
    acc = access(ctx)
    for kind, text in ((TEAM, team), (MEMBER, member)):
        found = scopes.find(text, kind) if text is not None else None
        if found is not None:
            acc.check((kind, found.id), text)
    return acc


def writable_member_ids(ctx: AppContext) -> frozenset[int] | None:
    """Members the user may write for (log activities): None means every member (admins and
    the CLI); the member scopes the user can see unless the role is read-only."""
    user = ctx.user
    role = role_of(user)
    if (user is None and ctx.privileged) or role is Role.ADMIN:
        return None
    if role not in (Role.MANAGER, Role.MEMBER, Role.PARTNER):
        return frozenset()
    acc = access(ctx)
    if acc.read_only:
        return frozenset()
    return frozenset(sid for (kind, sid) in (acc.visible or frozenset()) if kind == MEMBER)


def writable_members(ctx: AppContext) -> list[MemberChoice]:
    """Active members the user may log activities for."""
    ids = writable_member_ids(ctx)
    key = ("writable_members", None if ids is None else tuple(sorted(ids)))
    return ctx.org_cached(key, lambda: active_members(ctx.store, None if ids is None else sorted(ids)))


def active_members_all(ctx: AppContext) -> list[MemberChoice]:
    return ctx.org_cached(("active_members_all",), lambda: active_members(ctx.store))
