"""Jinja2 templates with the i18n helpers, autoescaping everything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from rashinban.service import Permission
from rashinban.web.deps import Ctx
from rashinban.web.i18n import template_helpers

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(ctx: Ctx, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    data = {
        "request": ctx.request,
        "user": ctx.user,
        "csrf_token": ctx.session.csrf,
        "path": ctx.request.url.path,
        "can": lambda name: ctx.user is not None and ctx.service.can(Permission(name)),
        "alert_count": lambda: _alert_count(ctx),
        "nav_items": lambda: _nav_items(ctx),
        "agency_reachable": lambda team_id: ctx.user is not None and ctx.service.agency.reachable(team_id),
        **template_helpers(ctx.lang),
        **context,
    }
    return templates.TemplateResponse(ctx.request, name, data, status_code=status_code)


def _alert_count(ctx: Ctx) -> int:
    """The navigation bar's badge: unacknowledged alerts in the user's inbox (a page never
    fails for want of it)."""
    if ctx.user is None:
        return 0
    try:
        return ctx.service.alerts.count()
    except Exception:
        return 0


def _nav_items(ctx: Ctx) -> list[tuple[str, str]]:
    """The navigation bar's (href, label key): what the user's role may use (org/nav.py)."""
    return ctx.service.agency.nav() if ctx.user is not None else []
