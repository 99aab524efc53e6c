"""Writes that succeed answer what the OpenAPI document declares (the refusals and field
errors are checked read-only in tests/web_read/test_openapi.py)."""

from __future__ import annotations

from datetime import date

from rashinban.service import (
    ActivityLogged,
    AdminOverview,
    Created,
    HolidaysSaved,
    Ok,
    PlanningView,
    PlanSaved,
    StagesSaved,
)
from tests.web_read.conformance import Conformance

from .conftest import Web


def test_successful_writes_conform(web: Web) -> None:
    spec = Conformance(web.client.app)  # type: ignore[arg-type]

    web.login("rep001")
    body = {"type": "call", "outcome": "connected", "idempotency_key": "openapi-1"}
    first = spec.check("POST", "/api/activities", web.post("/api/activities", json=body))
    again = web.post("/api/activities", json=body)
    assert again.status_code == 200
    replay = spec.check("POST", "/api/activities", again)
    assert isinstance(first, ActivityLogged) and first.created and not replay.created
    assert replay.id == first.id

    web.login("admin")
    csrf = {"X-CSRF-Token": web.csrf}
    plan = {"values": {"revenue": "4000万"}, "reason": "typed results", "period": "2026-12"}
    saved = spec.check("POST", "/api/planning/save", web.post("/api/planning/save", json=plan))
    assert isinstance(saved, PlanSaved) and saved.saved > 0
    view = spec.check("GET", "/api/planning", web.client.get("/api/planning?limit=5"))
    assert isinstance(view, PlanningView) and len(view.history) == 5
    assert {h.reason for h in view.history} == {"typed results"}

    user = {"username": "typed-viewer", "password": "Typed-Results-2026!", "role": "viewer", "team_id": 1}
    created = web.post("/api/admin/users", json=user)
    assert created.status_code == 201, created.text
    new_user = spec.check("POST", "/api/admin/users", created)
    assert isinstance(new_user, Created)
    path = "/api/admin/users/{user_id}"
    ok = spec.check("POST", path, web.post(f"/api/admin/users/{new_user.id}", json={"active": False}))
    assert ok == Ok(ok=True)

    team = spec.check("POST", "/api/admin/teams", web.post("/api/admin/teams", json={"name": "Typed"}))
    assert isinstance(team, Created)
    moved = web.post(f"/api/admin/teams/{team.id}", json={"name": "Typed results"})
    assert spec.check("POST", "/api/admin/teams/{team_id}", moved) == Ok(ok=True)

    stages = web.client.put(
        "/api/admin/funnel-stages",
        json={"items": ["lead", "deal", "won"]},
        headers=csrf,
    )
    assert spec.check("PUT", "/api/admin/funnel-stages", stages) == StagesSaved(
        ok=True, items=["lead", "deal", "won"]
    )
    days = web.client.put("/api/admin/holidays", json={"items": ["2026-12-30..2027-01-02"]}, headers=csrf)
    saved_days = spec.check("PUT", "/api/admin/holidays", days)
    assert isinstance(saved_days, HolidaysSaved) and saved_days.items[0] == date(2026, 12, 30)
    assert days.json()["items"] == ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]

    overview = spec.check("GET", "/api/admin", web.client.get("/api/admin"))
    assert isinstance(overview, AdminOverview)
    assert overview.funnel_stages == ["lead", "deal", "won"] and len(overview.company_holidays) == 4
    assert any(u.username == "typed-viewer" and not u.active for u in overview.users)
    assert any(t.id == team.id and t.name == "Typed results" for t in overview.teams)
