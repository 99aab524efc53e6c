"""The forecast pages and their JSON twins, for every demo role: what each may read and
write (a refusal carries no data), and the numbers against the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rashinban.service import Rashinban
from rashinban.store.users import find_user
from tests.forecast.conftest import Web, clock, scalar

USERS = ("admin", "manager", "rep001", "partner", "viewer")


def _home_scope(web: Web, user: str) -> str:
    u = find_user(web.store, user)
    assert u is not None
    if u.role == "admin":
        return "company"
    if u.role == "member":
        return f"member:{u.member_id}"
    return f"team:{u.team_id}"


def _no_data(body: dict[str, Any]) -> None:
    assert set(body) <= {"error", "message", "params", "detail"}, body


def test_anonymous_gets_401(web: Web) -> None:
    web.client.cookies.clear()
    web.user = None
    for url in ("/api/forecast", "/api/forecast/deals", "/api/forecast/stages", "/api/forecast/backtest"):
        assert web.get(url).status_code == 401


@pytest.mark.parametrize("user", USERS)
def test_each_role_reads_its_own_scope_and_no_other(web: Web, user: str) -> None:
    web.login(user)
    home = _home_scope(web, user)
    r = web.get("/api/forecast")
    assert r.status_code == 200, r.text
    f = r.json()
    assert f"{f['scope']['type']}:{f['scope']['id']}".replace("company:0", "company") == home
    assert {k["kpi"] for k in f["kpis"]} == {"revenue", "won_deals"}
    for k in f["kpis"]:
        assert k["p10"] <= k["p50"] <= k["p90"] and k["closed"] <= k["p10"] + 1e-6
    company = web.get("/api/forecast?scope=company")
    if user == "admin":
        assert company.status_code == 200
    else:
        assert company.status_code == 403
        _no_data(company.json())
        d = web.get("/api/forecast/deals?scope=company")
        assert d.status_code == 403
        _no_data(d.json())
    page = web.get("/forecast")
    assert page.status_code == 200 and 'data-testid="kpi-forecast"' in page.text


@pytest.mark.parametrize("user", ["manager", "rep001", "partner"])
def test_deals_listed_are_the_scopes_own(web: Web, user: str) -> None:
    web.login(user)
    body = web.get("/api/forecast/deals?limit=500").json()
    home = _home_scope(web, user)
    kind, _, ident = home.partition(":")
    if kind == "member":
        owners = {int(ident)}
    else:
        owners = {
            int(r[0])
            for r in web.store.engine.connect().exec_driver_sql(
                f"WITH RECURSIVE sub(id) AS (SELECT {int(ident)} UNION ALL "
                "SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id) "
                "SELECT m.id FROM members m WHERE m.team_id IN (SELECT id FROM sub)"
            )
        }
    assert {d["owner"]["id"] for d in body["deals"]} <= owners
    expected = scalar(
        web.store,
        f"SELECT COUNT(*) FROM deal_scores s JOIN deals d ON d.id = s.deal_id "
        f"WHERE d.owner_id IN ({', '.join(map(str, owners))})",
    )
    assert body["total"] == expected
    assert expected > 0 or user == "partner"  # the agency's reps hand leads over; they own no deals


def test_scores_are_the_stored_ones_with_factors(web: Web) -> None:
    web.login("admin")
    body = web.get("/api/forecast/deals?scope=company&limit=20").json()
    assert body["model"]["enough"] and body["model"]["algorithm"] == "logistic"
    for d in body["deals"]:
        p = scalar(web.store, "SELECT p_win FROM deal_scores WHERE deal_id = :i", i=d["id"])
        assert d["p_win"] == pytest.approx(p)
        assert d["p_win_text"] == f"{round(p * 100)}%"
        assert d["factors"] and all(f["label"] and f["effect"] != 0 for f in d["factors"])
    stages = web.get("/api/forecast/stages").json()
    assert stages["rows"] and all(0 <= r["p_win"] <= 1 for r in stages["rows"])


def _deal_of(web: Web, member_user: str, own: bool) -> int:
    u = find_user(web.store, member_user)
    assert u is not None
    op = "=" if own else "<>"
    return int(
        scalar(
            web.store,
            "SELECT MIN(s.deal_id) FROM deal_scores s JOIN deals d ON d.id = s.deal_id "
            f"WHERE d.owner_id {op} :m",
            m=u.member_id,
        )
    )


def test_categories_are_set_by_the_owner_only(web: Web) -> None:
    mine, other = _deal_of(web, "rep001", True), _deal_of(web, "rep001", False)
    web.login("rep001")
    r = web.post(f"/api/forecast/deals/{mine}/category", {"category": "commit"})
    assert r.status_code == 200, r.text
    listed = {d["id"]: d for d in web.get("/api/forecast/deals?limit=500").json()["deals"]}
    assert listed[mine]["category"] == "commit" and listed[mine]["overridden"]
    refused = web.post(f"/api/forecast/deals/{other}/category", {"category": "commit"})
    assert refused.status_code == 403
    _no_data(refused.json())
    assert web.post(f"/api/forecast/deals/{mine}/category", {"category": "maybe"}).status_code == 400
    assert web.post("/api/forecast/deals/999999999/category", {"category": "commit"}).status_code == 404
    for user in ("manager", "viewer", "partner"):
        web.login(user)
        assert web.post(f"/api/forecast/deals/{mine}/category", {"category": "omitted"}).status_code == 403
    web.login("admin")
    assert web.post(f"/api/forecast/deals/{mine}/category", {"category": None}).status_code == 200
    assert scalar(web.store, "SELECT COUNT(*) FROM forecast_categories WHERE deal_id = :d", d=mine) == 0


def test_adjustments_by_managers_in_their_scope(web: Web) -> None:
    web.login("manager")
    home = _home_scope(web, "manager")
    ok = web.post(
        "/api/forecast/adjustments", {"scope": home, "value": 123_000_000, "reason": "大型案件の前倒し"}
    )
    assert ok.status_code == 200, ok.text
    f = web.get(f"/api/forecast?scope={home}").json()
    revenue = next(k for k in f["kpis"] if k["kpi"] == "revenue")
    assert revenue["adjusted"] == 123_000_000
    assert f["adjustments"][0]["reason"] == "大型案件の前倒し" and f["adjustments"][0]["author"] == "manager"
    assert f["adjustments"][0]["model_p50"] == pytest.approx(revenue["p50"])
    assert (
        web.post("/api/forecast/adjustments", {"scope": "company", "value": 1, "reason": "x"}).status_code
        == 403
    )
    assert web.post("/api/forecast/adjustments", {"scope": home, "value": 1, "reason": ""}).status_code == 422
    for user in ("rep001", "viewer", "partner"):
        web.login(user)
        r = web.post(
            "/api/forecast/adjustments", {"scope": _home_scope(web, user), "value": 1, "reason": "x"}
        )
        assert r.status_code == 403
        _no_data(r.json())


def test_submissions_and_accuracy(web: Web) -> None:
    web.login("rep001")
    me = _home_scope(web, "rep001")
    assert (
        web.post("/api/forecast/submissions", {"scope": me, "value": 5_000_000, "note": "w42"}).status_code
        == 200
    )
    u = find_user(web.store, "rep001")
    assert u is not None
    team = f"team:{u.team_id}"
    assert web.post("/api/forecast/submissions", {"scope": team, "value": 1}).status_code == 403
    web.login("viewer")
    assert (
        web.post("/api/forecast/submissions", {"scope": _home_scope(web, "viewer"), "value": 1}).status_code
        == 403
    )
    web.login("rep001")
    acc = web.get("/api/forecast/accuracy").json()
    rows = [r for r in acc["rows"] if r["member"]["id"] == u.member_id]
    assert rows and rows[-1]["submitted"] == 5_000_000 and rows[-1]["period"] == "2026-10"
    assert rows[-1]["actual"] is None  # the month is not over
    web.login("partner")
    assert all(r["member"]["id"] != u.member_id for r in web.get("/api/forecast/accuracy").json()["rows"])
    assert web.get("/forecast/accuracy").status_code == 200


def test_home_shows_the_band_of_the_stored_forecast(web: Web) -> None:
    web.login("admin")
    band = web.get("/api/forecast/band?scope=company").json()
    f = web.get("/api/forecast?scope=company").json()
    revenue = next(k for k in f["kpis"] if k["kpi"] == "revenue")
    assert band["p50"] == revenue["p50"] and band["target"] == revenue["target"]
    page = web.get("/?scope=company&period=2026-10")
    assert page.status_code == 200 and 'data-testid="forecast-band"' in page.text
    assert web.get("/forecast/model").status_code == 200
    assert web.get("/forecast/leads").status_code == 200


def test_status_json_carries_the_forecast(fc_db: Path) -> None:
    model = str(fc_db.with_name("demo.model.yaml"))
    with Rashinban.for_cli(str(fc_db), "en", clock()) as svc:
        report = svc.tracking.status(model, "2026-10")
        from rashinban.cli.metrics import status_view

        rows = svc.forecasts.status_fields(status_view(report), model)
        stored = svc.forecasts.scope(model, "company")
    company = [r for r in rows if r["scope_type"] == "company" and r["forecast"] is not None]
    assert {r["node"] for r in company} == {"revenue", "won_deals"}
    revenue = next(r for r in company if r["node"] == "revenue")["forecast"]
    k = next(k for k in stored.kpis if k.kpi == "revenue")
    assert revenue["p50"] == k.p50 and revenue["p_achieve"] == k.p_achieve
    assert all(r["forecast"] is None for r in rows if r["node"] not in ("revenue", "won_deals"))
