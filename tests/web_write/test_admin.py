"""Admin: users and roles, teams, funnel stages and company holidays that the dashboards use."""

from __future__ import annotations

from datetime import date

from rashinban.store import Store
from rashinban.store.users import find_user
from tests.svc import facade

from .conftest import Web


def test_admin_creates_a_user_who_can_sign_in(web: Web) -> None:
    web.login("admin")
    page = web.client.get("/admin")
    assert page.status_code == 200 and 'data-testid="admin-users"' in page.text
    bad = web.post("/admin/users", data={"username": "a b", "password": "short", "role": "boss"})
    assert bad.status_code == 422
    for field in ("username", "password", "role"):
        assert f'data-testid="error-{field}"' in bad.text
    r = web.post(
        "/admin/users",
        data={
            "username": "newrep",
            "password": "a-long-password",
            "role": "member",
            "member_id": "4",
            "display_name": "<script>alert('x')</script> \"quoted\"",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    taken = web.post(
        "/admin/users", data={"username": "newrep", "password": "a-long-password", "role": "member"}
    )
    assert taken.status_code == 422 and 'data-testid="error-username"' in taken.text
    listing = web.client.get("/admin").text
    assert "<script>alert('x')</script>" not in listing and "&lt;script&gt;" in listing
    web.login("newrep", "a-long-password")
    assert web.post("/api/activities", json={"type": "call", "outcome": "connected"}).json()["member_id"] == 4

    web.login("admin")
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    user = find_user(store, "newrep")
    assert user is not None
    r = web.post(f"/admin/users/{user.id}", data={"action": "deactivate"}, follow_redirects=False)
    assert r.status_code == 303
    web.client.cookies.clear()
    token = web.token()
    r = web.client.post(
        "/login",
        data={"username": "newrep", "password": "a-long-password", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 401


def test_teams_rename_and_move(web: Web) -> None:
    web.login("admin")
    r = web.post("/admin/teams", data={"name": "名古屋課", "parent_id": "3"}, follow_redirects=False)
    assert r.status_code == 303
    teams = web.client.get("/api/admin").json()["teams"]
    new = next(t for t in teams if t["name"] == "名古屋課")
    assert new["parent_id"] == 3
    assert (
        web.post(
            f"/admin/teams/{new['id']}", data={"action": "move", "parent_id": "2"}, follow_redirects=False
        ).status_code
        == 303
    )
    cycle = web.post("/admin/teams/2", data={"action": "move", "parent_id": str(new["id"])})
    assert cycle.status_code == 422 and 'data-testid="error-parent_id"' in cycle.text
    assert web.post(f"/admin/teams/{new['id']}", data={"action": "rename", "name": ""}).status_code == 422
    assert web.post("/api/admin/teams/999999", json={"name": "x"}).status_code == 404


def test_holidays_change_business_days_and_pace(web: Web) -> None:
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    model = web.client.app.state.settings.model  # type: ignore[attr-defined]
    svc = facade(store, find_user(store, "admin"))
    before_days = svc.planning.period_info("2026-11", model)["business_days"]
    before = svc.tracking.status(model, period="2026-11", as_of="2026-11-20")
    web.login("admin")
    bad = web.post("/admin/holidays", data={"holidays": "2026-02-30"})
    assert bad.status_code == 422 and 'data-testid="error-holidays"' in bad.text
    r = web.post(
        "/admin/holidays", data={"holidays": "2026-11-04\n2026-11-05..2026-11-06"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert web.client.get("/api/admin").json()["company_holidays"] == [
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
    ]
    svc = facade(store, find_user(store, "admin"))  # a new unit of work sees the new data version
    assert svc.planning.period_info("2026-11", model)["business_days"] == before_days - 3
    after = svc.tracking.status(model, period="2026-11", as_of="2026-11-20")

    def pace(report: object) -> object:
        return next(r.pace for r in report.rows if r.scope_type == "company" and r.node == "revenue")  # type: ignore[attr-defined]

    assert pace(before) is not None and pace(after) != pace(before)
    assert date(2026, 11, 4) in svc.models.load(model).holidays


def test_funnel_stages_setting(web: Web) -> None:
    web.login("admin")
    r = web.post("/admin/stages", data={"stages": "リード獲得\nアポイント\n受注"}, follow_redirects=False)
    assert r.status_code == 303
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    model = web.client.app.state.settings.model  # type: ignore[attr-defined]
    rows = facade(store).tracking.funnel(model, period="2026-11")
    assert {r.stage for r in rows} <= {"リード獲得", "アポイント", "受注"}
    assert web.post("/admin/stages", data={"stages": "A\nA"}).status_code == 422
    r = web.client.put("/api/admin/funnel-stages", json={"items": []}, headers={"X-CSRF-Token": web.csrf})
    assert r.status_code == 200


def test_only_admins(web: Web) -> None:
    web.login("manager")
    assert web.client.get("/admin").status_code == 403
    assert web.client.get("/api/admin").status_code == 403
    assert web.post("/admin/holidays", data={"holidays": "2026-11-04"}).status_code == 403
    assert (
        web.post(
            "/api/admin/users", json={"username": "x", "password": "0123456789", "role": "admin"}
        ).status_code
        == 403
    )
