"""Every route × every role: a refusal (401/403/404) carries no data.

The routes are read from the app itself (``app.routes``), so a page or API added by anyone
later is walked too.  Each is asked by each demo role (and anonymously) with its path
parameters pointing *outside* the role's scope (another department's team, a member of
another team, another user) and a scope query of such a team; unsafe methods carry a valid
CSRF token and an empty body.  Whatever the answer, never a 5xx; a 401/403/404 body names no
team or member the role may not read (read with plain SQL) and shows no company figure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.routing import APIRoute
from starlette.routing import Route

from tests.security.conftest import Client, Org, read_org

WALKERS = (None, "admin", "manager", "rep001", "partner", "viewer")
SKIP = {("POST", "/logout")}  # tested in test_sessions: it would end the walker's session


def _flat(routes: list[Any]) -> list[Any]:
    """Routes, with included routers opened (FastAPI wraps them in their own route)."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out += _flat(list(inner.routes)) if inner is not None else [route]
    return out


def _routes(app: Any) -> list[tuple[str, str]]:
    out = []
    for route in _flat(list(app.routes)):
        if not isinstance(route, APIRoute | Route) or route.path.startswith("/static"):
            continue
        for method in sorted(route.methods or ()):
            if method in ("HEAD", "OPTIONS") or (method, route.path) in SKIP:
                continue
            out.append((method, route.path))
    return sorted(set(out))


def _outside(org: Org, username: str | None) -> dict[str, int]:
    """Ids of a team, a member and a user outside the role's scope (anything for admins)."""
    seen = org.readable(username) if username else (set(), set())
    teams, members = seen if seen is not None else (set(), set())
    team = next(t for t in sorted(org.team_names) if t not in teams)
    member = next(m for m in sorted(org.member_names) if m not in members)
    return {"team": team, "member": member}


def _fill(path: str, ids: dict[str, int], user_ids: dict[str, int]) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if "team" in name:
            return str(ids["team"])
        if "member" in name:
            return str(ids["member"])
        if "user" in name:
            return str(user_ids["west"])
        if name in ("node", "node_id"):
            return "revenue"
        return "1"

    return re.sub(r"\{([a-zA-Z_]+)(?::[a-z]+)?\}", value, path)


def _figures(db_model: str) -> set[str]:
    model = yaml.safe_load(Path(db_model).read_text(encoding="utf-8"))
    target = int(model["nodes"][model["kgi"]]["target"])
    return {f"{target:,}", str(target)}


@pytest.mark.routes_walk
def test_refusals_carry_no_data_for_any_route_and_role(web: Client) -> None:
    app = web.client.app
    routes = _routes(app)
    assert len(routes) >= 60, routes  # the walk sees the whole app, not a fixed list
    org = read_org(web.store)
    user_ids = {r[0]: int(r[1]) for r in web.sql("SELECT username, id FROM users")}
    figures = _figures(app.state.settings.model)  # type: ignore[attr-defined]
    refusals = 0
    problems: list[str] = []
    for who in WALKERS:
        web.login(who)
        ids = _outside(org, who) if who != "admin" else {"team": 3, "member": 4}
        foreign = (
            org.foreign_names(who) if who else set(org.team_names.values()) | set(org.member_names.values())
        )
        if who not in ("admin",):
            foreign |= figures
        for method, path in routes:
            url = _fill(path, ids, user_ids)
            kw: dict[str, Any] = {"follow_redirects": False}
            if method == "GET":
                kw["params"] = {"scope": f"team:{ids['team']}"}
                r = web.client.get(url, **kw)
            else:
                headers = {"X-CSRF-Token": web.csrf}
                body = {"json": {}} if path.startswith("/api/") else {"data": {"csrf_token": web.csrf}}
                r = web.client.request(method, url, headers=headers, **body, **kw)
            if r.status_code >= 500:
                problems.append(f"{who} {method} {url}: {r.status_code}")
                continue
            if r.status_code in (401, 403, 404):
                refusals += 1
                leaked = sorted(n for n in foreign if n in r.text)
                if leaked:
                    problems.append(f"{who} {method} {url} {r.status_code} shows {leaked[:5]}")
        if who is not None:
            assert web.get("/api/account").status_code == 200, f"{who}'s session ended during the walk"
    assert not problems, "\n".join(problems[:40])
    assert refusals > 100  # the walk met refusals for real
