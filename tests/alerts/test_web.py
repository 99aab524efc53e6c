"""The alerts pages and their JSON twins for every role: admin, manager (a department),
member reps, partner (the agency team), viewer — what each sees, what each may do, and that
a refusal (401/403/404) carries no data."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.alerts import oracle
from tests.alerts.conftest import NOW
from tests.svc import facade

PASSWORD = "rashinban-demo"
ROLES = ("admin", "manager", "rep", "partner", "viewer")


@dataclass
class Env:
    client: TestClient
    tokens: dict[str, str]  # role → API token
    users: dict[str, Any]  # role → User
    store: Store
    org: oracle.Org

    def api(self, role: str | None, method: str, url: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        headers |= kw.pop("headers", {})
        return self.client.request(method, url, headers=headers, **kw)

    def visible(self, role: str) -> set[tuple[str, int]] | None:
        """The alert scopes each role's inbox holds, computed from the team tree here."""
        u = self.users[role]
        if role == "admin":
            return None
        if role == "rep":
            return {("member", u.member_id)}
        teams = {t for t in self.org.parent if u.team_id in self.org.chain(t)}
        members = {m for m, t in self.org.member_team.items() if t in teams}
        return {("team", t) for t in teams} | {("member", m) for m in members}


@pytest.fixture(scope="module")
def env(alerts_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    folder = tmp_path_factory.mktemp("alerts_web")
    db = folder / "demo.duckdb"
    shutil.copy(alerts_template, db)
    shutil.copy(alerts_template.with_name("demo.model.yaml"), folder / "demo.model.yaml")
    clock = FixedClock(NOW)
    store = Store.open(str(db))
    store.ready()
    admin = find_user(store, "admin")
    with store.engine.connect() as conn:
        agency = conn.execute(
            sa.text("SELECT id FROM teams WHERE kind = 'agency' ORDER BY id LIMIT 1")
        ).scalar()
    facade(store, admin).admin.create_user(
        {"username": "viewer", "password": PASSWORD, "role": "viewer", "team_id": agency}
    )
    Rashinban.for_job(store, "ja", clock).alerts.run()  # the default rules, over every scope
    o = oracle.org(store)
    manager = find_user(store, "manager")
    rep = next(
        u
        for u in (find_user(store, f"rep{i:03d}") for i in range(1, 40))
        if u is not None and manager.team_id in o.chain(o.member_team.get(u.member_id))  # type: ignore[union-attr]
    )
    users = {
        "admin": admin,
        "manager": manager,
        "rep": rep,
        "partner": find_user(store, "partner"),
        "viewer": find_user(store, "viewer"),
    }
    tokens = {
        role: facade(store).accounts.create_token(u.username, "alerts-tests") for role, u in users.items()
    }
    store.dispose()
    app = create_app(WebSettings(db=str(db), secret_key="a" * 32, jobs=False), clock=clock)
    with TestClient(app) as client:
        yield Env(client, tokens, users, client.app.state.store, o)  # type: ignore[attr-defined]


def inbox(env: Env, role: str, state: str = "all") -> list[dict[str, Any]]:
    r = env.api(role, "GET", f"/api/alerts?state={state}&limit=1000")
    assert r.status_code == 200, r.text
    return r.json()["alerts"]


@pytest.mark.parametrize("role", ROLES)
def test_each_inbox_holds_exactly_its_scopes(env: Env, role: str) -> None:
    mine = inbox(env, role)
    everything = inbox(env, "admin")
    allowed = env.visible(role)
    expected = {
        a["id"] for a in everything if allowed is None or (a["scope"]["type"], a["scope"]["id"]) in allowed
    }
    assert {a["id"] for a in mine} == expected
    if role in ("admin", "manager", "rep"):
        assert mine, f"{role} should have alerts on the demo"
    count = env.api(role, "GET", "/api/alerts/count").json()["unacknowledged"]
    assert count == sum(1 for a in mine if a["state"] == "open")
    assert all(a["can_act"] == (role != "viewer") for a in mine if a["state"] != "resolved")


def outside(env: Env, role: str) -> dict[str, Any]:
    allowed = env.visible(role) or set()
    return next(a for a in inbox(env, "admin") if (a["scope"]["type"], a["scope"]["id"]) not in allowed)


@pytest.mark.parametrize("role", ("manager", "rep", "partner", "viewer"))
def test_an_alert_outside_ones_scope_is_not_found(env: Env, role: str) -> None:
    a = outside(env, role)
    for method, url, body in (
        ("GET", f"/api/alerts/{a['id']}", None),
        ("POST", f"/api/alerts/{a['id']}/acknowledge", {}),
        ("POST", f"/api/alerts/{a['id']}/resolve", {"note": "x"}),
    ):
        r = env.api(role, method, url, json=body)
        assert r.status_code in (403, 404), (role, url, r.status_code)
        assert a["message"] not in r.text and str(a["entity_id"]) not in r.json().get("message", "")
    if a["deal_id"]:
        r = env.api(role, "GET", f"/api/deals/{a['deal_id']}")
        assert r.status_code == 404 and a["message"] not in r.text
    assert env.api("admin", "GET", f"/api/alerts/{a['id']}").json()["alert"]["state"] == a["state"]


def test_anonymous_gets_nothing(env: Env) -> None:
    for url in (
        "/api/alerts",
        "/api/alerts/count",
        "/api/alerts/rules",
        "/api/digest",
        "/api/alerts/preferences",
    ):
        r = env.api(None, "GET", url)
        assert r.status_code == 401 and "alerts" not in r.json()
    assert env.client.get("/alerts", follow_redirects=False).status_code == 303


def test_acting_on_alerts(env: Env) -> None:
    mine = [a for a in inbox(env, "rep", "open") if a["state"] == "open"]
    assert len(mine) >= 2
    first, second = mine[0], mine[1]
    r = env.api("viewer", "POST", f"/api/alerts/{first['id']}/acknowledge")
    assert r.status_code in (403, 404)
    r = env.api("rep", "POST", f"/api/alerts/{first['id']}/acknowledge")
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    assert r.json()["acknowledged_by"] == env.users["rep"].username
    bad = env.api("rep", "POST", f"/api/alerts/{second['id']}/snooze", json={"until": "2026-10-01"})
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"until", "reason"}
    ok = env.api(
        "rep", "POST", f"/api/alerts/{second['id']}/snooze", json={"until": "2026-10-30", "reason": "出張中"}
    )
    assert ok.status_code == 200 and (ok.json()["state"], ok.json()["snooze_reason"]) == ("snoozed", "出張中")
    done = env.api("manager", "POST", f"/api/alerts/{second['id']}/resolve", json={"note": "対応済み"})
    assert done.status_code == 200 and done.json()["resolution"] == "manual"
    again = env.api("manager", "POST", f"/api/alerts/{second['id']}/acknowledge")
    assert again.status_code == 400 and again.json()["error"] == "alert_resolved"
    history = env.api("rep", "GET", f"/api/alerts/{second['id']}").json()["events"]
    assert [(e["event"], e["actor"]) for e in history] == [
        ("opened", None),
        ("snoozed", env.users["rep"].username),
        ("resolved", "manager"),
    ]
    assert "出張中" in history[1]["text"] and "対応済み" in history[2]["text"]


def test_rules_are_administered_and_tuned_by_the_right_people(env: Env) -> None:
    body = {
        "name": "架電の下限",
        "kind": "late_entry",
        "check": "count",
        "enter": 15,
        "activity_type": "call",
    }
    for role in ("manager", "rep", "partner", "viewer"):
        assert env.api(role, "POST", "/api/alerts/rules", json=body).status_code == 403
    created = env.api("admin", "POST", "/api/alerts/rules", json=body)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    bad = env.api(
        "admin", "POST", "/api/alerts/rules", json={"name": "架電の下限", "kind": "off_pace", "enter": "x"}
    )
    assert bad.status_code == 422 and bad.json()["codes"] == {"name": "taken", "enter": "not_number"}
    assert env.api("manager", "PUT", f"/api/alerts/rules/{rid}", json=body).status_code == 403
    assert env.api("manager", "DELETE", f"/api/alerts/rules/{rid}").status_code == 403
    manager = env.users["manager"]
    own_member = next(m for m, t in env.org.member_team.items() if manager.team_id in env.org.chain(t))
    foreign_team = next(t for t in env.org.parent if manager.team_id not in env.org.chain(t))
    ok = env.api(
        "manager", "PUT", f"/api/alerts/rules/{rid}/overrides/member:{own_member}", json={"enter": 10}
    )
    assert ok.status_code == 200 and ok.json()["overrides"][0]["values"] == {"enter": 10.0}
    no = env.api(
        "manager", "PUT", f"/api/alerts/rules/{rid}/overrides/team:{foreign_team}", json={"enter": 1}
    )
    assert no.status_code == 403 and "overrides" not in no.text
    assert (
        env.api(
            "rep", "PUT", f"/api/alerts/rules/{rid}/overrides/member:{own_member}", json={"enter": 1}
        ).status_code
        == 403
    )
    # a member sees the rule but not another member's thresholds
    rules = env.api("rep", "GET", "/api/alerts/rules").json()
    mine = next(r for r in rules["rules"] if r["id"] == rid)
    expected = [] if own_member != env.users["rep"].member_id else mine["overrides"]
    assert mine["overrides"] == expected and not rules["can_manage"] and not rules["can_tune"]
    assert env.api("admin", "DELETE", f"/api/alerts/rules/{rid}").status_code == 200
    assert env.api("admin", "GET", f"/api/alerts/rules/{rid}").status_code == 404


@pytest.mark.parametrize("role", ("manager", "rep", "partner", "viewer"))
def test_administration_is_for_administrators(env: Env, role: str) -> None:
    for method, url, body in (
        ("POST", "/api/alerts/run", None),
        ("GET", "/api/alerts/mail", None),
        ("PUT", "/api/alerts/mail", {"host": "smtp.example.jp", "sender": "a@example.jp"}),
        ("POST", "/api/digest/send?dry_run=true", None),
        ("GET", "/api/digest?user=admin", None),
        ("GET", "/api/alerts/deliveries?all=true", None),
    ):
        r = env.api(role, method, url, json=body)
        assert r.status_code == 403, (role, url, r.status_code, r.text[:200])
        assert "smtp" not in r.text and "subject" not in r.text


def test_each_user_keeps_their_own_preferences(env: Env) -> None:
    r = env.api("rep", "PUT", "/api/alerts/preferences", json={"channels": ["webhook"]})
    assert r.status_code == 422 and r.json()["codes"] == {"webhook_url": "required"}
    r = env.api(
        "rep",
        "PUT",
        "/api/alerts/preferences",
        json={
            "channels": ["webhook"],
            "webhook_url": "https://hooks.example.jp/rep",
            "quiet_start": "21:00",
            "quiet_end": "7:00",
        },
    )
    assert r.status_code == 422 and r.json()["codes"] == {"quiet_end": "bad_time"}
    r = env.api(
        "rep",
        "PUT",
        "/api/alerts/preferences",
        json={
            "channels": ["webhook"],
            "webhook_url": "https://hooks.example.jp/rep",
            "quiet_start": "21:00",
            "quiet_end": "07:00",
        },
    )
    assert r.status_code == 200 and r.json()["webhook_secret"].startswith("whsec_")
    assert env.api("manager", "GET", "/api/alerts/preferences").json()["channels"] == []
    assert env.api("rep", "GET", "/api/alerts/preferences").json()["quiet_end"] == "07:00"


def test_pages_render_the_same_alerts_as_their_twins(env: Env) -> None:
    c = env.client
    c.cookies.clear()
    page = c.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post(
        "/login",
        data={"username": "manager", "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = c.get("/alerts?state=all").text
    ids = {int(x) for x in re.findall(r'data-testid="alert-card" data-alert-id="(\d+)"', html)}
    assert ids == {a["id"] for a in inbox(env, "manager")}
    badge = re.search(r'data-testid="nav-alert-count"[^>]*>(\d+)<', html)
    assert (
        badge
        and int(badge.group(1)) == env.api("manager", "GET", "/api/alerts/count").json()["unacknowledged"]
    )
    a = inbox(env, "manager")[0]
    detail = c.get(f"/alerts/{a['id']}")
    assert detail.status_code == 200 and a["message"] in detail.text
    assert c.get(f"/alerts/{outside(env, 'manager')['id']}").status_code == 404
    settings = c.get("/alerts/settings")
    assert settings.status_code == 200 and 'data-testid="prefs-form"' in settings.text
    assert 'data-testid="mail-form"' not in settings.text  # administrators only
    rule = c.get(f"/alerts/rules/{a['rule_id']}")
    assert rule.status_code == 200 and 'data-testid="tune-form"' in rule.text
    digest = c.get("/digest")
    assert digest.status_code == 200 and 'data-audience="manager"' in digest.text
    stalled = next((x for x in inbox(env, "manager") if x["deal_id"]), None)
    if stalled:
        deal = c.get(f"/deals/{stalled['deal_id']}?lang=ja")  # the stored stage names are Japanese
        assert deal.status_code == 200 and 'data-testid="deal-history"' in deal.text
        twin = env.api("manager", "GET", f"/api/deals/{stalled['deal_id']}").json()
        assert twin["stage"] in deal.text and len(twin["history"]) >= 1
        full = c.get(f"/records/deals/{stalled['deal_id']}")  # the alert's deal links its full record
        assert f'href="/records/deals/{stalled["deal_id"]}"' in deal.text and full.status_code == 200
    c.cookies.clear()


def test_messages_in_japanese_and_english(env: Env) -> None:
    a = inbox(env, "admin")[0]
    ja = env.api("admin", "GET", f"/api/alerts/{a['id']}?lang=ja").json()["alert"]["message"]
    en = env.api("admin", "GET", f"/api/alerts/{a['id']}?lang=en", headers={"Accept-Language": "en"}).json()
    assert ja != en["alert"]["message"] and re.search(r"[ぁ-んァ-ン一-龥]", ja)
    assert en["events"][0]["text"].startswith("Opened by Rashinban")
