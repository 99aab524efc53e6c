"""Authorisation: every role × API × in-scope / out-of-scope id → 200 / 403 / 404, and no
foreign data in any body; the facade enforces it (the CLI, without a user, sees all)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from rashinban.errors import ForbiddenError
from rashinban.metrics.backends import load_scope_index
from rashinban.org.access import access_for
from rashinban.org.users import User
from rashinban.store.users import find_user
from tests.svc import facade
from tests.web_read.conftest import PERIOD, USERS, Org, Web, org

APIS = [
    "/api/home",
    "/api/tree",
    "/api/tree/nodes/revenue",
    "/api/teams",
    "/api/teams/1",
    "/api/members/1",
    "/api/funnel",
]


def expected_visible(user: Any, o: Org) -> set[tuple[str, int]]:
    """The rules of the issue, written out independently of rashinban.auth.access."""
    every = {("company", 0)} | {("team", t) for t in o.parent} | {("member", m) for m in o.member_team}
    if user.role == "admin":
        return every
    if user.role == "member":
        team = o.member_team.get(user.member_id)
        return {("member", user.member_id)} | ({("team", team)} if team is not None else set())
    if user.team_id is None or (user.role == "partner" and user.team_id not in o.agency):
        return set()
    teams = o.subtree(user.team_id)
    members = {m for m, t in o.member_team.items() if t in teams}
    return {("team", t) for t in teams} | {("member", m) for m in members}


def users_table(web: Web) -> dict[str, Any]:
    with web.store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT username, role, team_id, member_id FROM users")).all()
    return {r.username: r for r in rows}


@pytest.mark.parametrize("url", APIS)
def test_anonymous_api_is_401(web: Web, url: str) -> None:
    web.login(None)
    r = web.get(url)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "url", ["/", "/tree", "/teams", "/teams/1", "/members/1", "/funnel", "/tree/nodes/revenue"]
)
def test_anonymous_page_redirects_to_login(web: Web, url: str) -> None:
    web.login(None)
    r = web.get(url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("username", USERS)
def test_role_matrix(web: Web, username: str) -> None:
    o = org(web.store)
    user = users_table(web)[username]
    visible = expected_visible(user, o)
    web.login(username)
    # in scope: the cheap home API for every scope and one full team/member page each;
    # out of scope: every API
    pages = {"team": False, "member": False}
    for kind, ids in (("team", sorted(o.parent)), ("member", sorted(o.member_team))):
        for sid in ids:
            key = (kind, sid)
            code = 200 if key in visible else 403
            r = web.get(f"/api/home?period={PERIOD}&scope={kind}:{sid}")
            assert r.status_code == code, (username, "home", key, r.text[:200])
            if code == 200 and pages[kind]:
                continue
            pages[kind] = pages[kind] or code == 200
            r = web.get(f"/api/{kind}s/{sid}?period={PERIOD}")
            assert r.status_code == code, (username, key, r.text[:200])
            if code == 403:
                for url in (
                    f"/api/tree?scope={kind}:{sid}",
                    f"/api/tree/nodes/revenue?scope={kind}:{sid}",
                    f"/api/funnel?scope={kind}:{sid}",
                    f"/{kind}s/{sid}",
                ):
                    assert web.get(url).status_code == 403, (username, url)
    company = 200 if ("company", 0) in visible else 403
    for url in (
        f"/api/home?period={PERIOD}&scope=company",
        f"/api/tree?period={PERIOD}&scope=company",
        f"/api/tree/nodes/revenue?period={PERIOD}&scope=company",
        "/api/funnel?scope=company",
    ):
        assert web.get(url).status_code == company, (username, url)
    # unknown ids: 404 for everyone
    assert web.get("/api/teams/99999").status_code == 404
    assert web.get("/api/members/99999").status_code == 404
    assert web.get("/api/home?scope=member:99999").status_code == 404


@pytest.mark.parametrize("username", ["manager", "rep001", "partner", "viewer"])
def test_no_foreign_data_in_bodies(web: Web, username: str) -> None:
    o = org(web.store)
    user = users_table(web)[username]
    visible = expected_visible(user, o)
    seen_names = {o.team_names[t] for (k, t) in visible if k == "team"}
    seen_names |= {o.member_names[m] for (k, m) in visible if k == "member"}
    foreign = {name for t, name in o.team_names.items() if ("team", t) not in visible}
    foreign |= {name for m, name in o.member_names.items() if ("member", m) not in visible}
    foreign -= seen_names  # a namesake of a visible scope is not a leak
    web.login(username)
    home = web.json(f"/api/home?period={PERIOD}")
    scope = f"{home['scope']['type']}:{home['scope']['id']}"
    assert (home["scope"]["type"], home["scope"]["id"]) in visible
    bodies = [
        home,
        web.json(f"/api/tree?period={PERIOD}"),
        web.json(f"/api/tree/nodes/revenue?period={PERIOD}&scope={scope}"),
        web.json(f"/api/teams?period={PERIOD}"),
        web.json("/api/funnel"),
    ]
    if home["scope"]["type"] == "team":
        bodies.append(web.json(f"/api/teams/{home['scope']['id']}?period={PERIOD}"))
    pages = [web.get(u).text for u in ("/", "/tree", "/teams", "/funnel")]
    forbidden = [web.get(f"/api/teams/{t}").text for t in o.parent if ("team", t) not in visible]
    import json

    text = "\n".join([json.dumps(b, ensure_ascii=False) for b in bodies] + pages + forbidden)
    leaked = sorted(name for name in foreign if name in text)
    assert not leaked, (username, leaked)
    # lists hold visible scopes only
    teams = bodies[3]["teams"]
    assert all(("team", t["team"]["id"]) in visible for t in teams)
    for b in bodies[2]["breakdown"]:
        assert (b["scope"]["type"], b["scope"]["id"]) in visible


def test_member_sees_own_team_aggregate_but_not_colleagues(web: Web) -> None:
    o = org(web.store)
    user = users_table(web)["rep001"]
    team = o.member_team[user.member_id]
    assert team is not None
    web.login("rep001")
    d = web.json(f"/api/teams/{team}?period={PERIOD}")
    assert [r["member"]["id"] for r in d["ranking"]] == [user.member_id]
    colleagues = (o.members_in("team", team) or set()) - {user.member_id}
    for m in colleagues:
        assert web.get(f"/api/members/{m}").status_code == 403


def test_api_token_has_the_users_scope(web: Web) -> None:
    token = facade(web.store).accounts.create_token("partner")
    web.login(None)
    headers = {"Authorization": f"Bearer {token}"}
    r = web.get("/api/home", headers=headers)
    assert r.status_code == 200 and r.json()["scope"]["type"] == "team"
    partner_team = r.json()["scope"]["id"]
    other = next(
        t
        for t in org(web.store).parent
        if t != partner_team and t not in org(web.store).subtree(partner_team)
    )
    assert web.get(f"/api/teams/{other}", headers=headers).status_code == 403
    assert web.get("/api/home", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_facade_enforces_scopes(web: Web) -> None:
    store = web.store
    model = web.client.app.state.settings.model  # type: ignore[attr-defined]
    partner = find_user(store, "partner")
    assert partner is not None
    o = org(store)
    svc = facade(store, partner)
    outside = next(t for t in o.parent if t not in o.subtree(partner.team_id or 0))
    with pytest.raises(ForbiddenError) as exc:
        svc.tracking.status(model, period=PERIOD, team=o.team_names[outside])
    assert exc.value.http_status == 403
    with pytest.raises(ForbiddenError):
        svc.tracking.funnel(model, period=PERIOD, team=o.team_names[outside])
    report = svc.tracking.status(model, period=PERIOD)
    visible = expected_visible(partner, o)
    assert report.rows and {(r.scope_type, r.scope_id) for r in report.rows} <= visible
    rows = svc.tracking.funnel(model, period=PERIOD)
    assert {(r.scope_type, r.scope_id) for r in rows} <= visible
    with pytest.raises(ForbiddenError):
        svc.dashboards.team(model, outside, PERIOD)
    # the CLI (no user) sees every scope
    everything = facade(store).tracking.status(model, period=PERIOD)
    assert ("company", 0) in {(r.scope_type, r.scope_id) for r in everything.rows}


def _user(role: str, team: int | None = None, member: int | None = None) -> User:
    return User(1, "u", None, role, member, team)


def test_access_rules_edge_cases(web: Web) -> None:
    scopes = load_scope_index(web.store)
    o = org(web.store)
    in_house = next(t for t in o.parent if t not in o.agency)
    agency = next(iter(o.agency))
    assert access_for(None, scopes).everything
    assert access_for(_user("admin"), scopes).everything
    assert access_for(_user("manager"), scopes).visible == frozenset()  # no team: nothing
    assert access_for(_user("partner", in_house), scopes).visible == frozenset()  # not an agency
    assert access_for(_user("partner", agency), scopes).can_see(("team", agency))
    assert not access_for(_user("partner", agency), scopes).can_see(("company", 0))
    assert access_for(_user("member", None, 99999), scopes).visible == frozenset()
    assert access_for(_user("viewer", agency), scopes).read_only
    assert access_for(_user("stranger", agency), scopes).visible == frozenset()


def test_user_without_a_scope_sees_nothing(web: Web) -> None:
    web.login("stray")
    page = web.get("/")
    assert page.status_code == 403 and 'data-testid="no-scope"' in page.text
    for url in ("/api/home", "/api/tree", "/api/funnel", "/api/teams/1", "/api/members/1"):
        assert web.get(url).status_code == 403, url
    assert web.json("/api/teams")["teams"] == []
    web.login(None)
