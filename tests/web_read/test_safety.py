"""Malformed input never gives a 500; names render as text; Japanese and English; actuals
are never cached (a new row shows at once); the APIs are in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.web_read.conftest import PERIOD, Web, copy_demo, oracle

XSS = "<script>alert(1)</script>\"'"

BAD = [
    "/api/home?period=2026-13",
    "/api/home?period=26-10",
    "/api/home?period=2026-10-01",
    "/api/home?scope=team:abc",
    "/api/home?scope=teams:1",
    "/api/home?scope=member:",
    "/api/home?scope=" + "9" * 400,
    "/api/tree?period=%00",
    "/api/tree/nodes/%3Cscript%3E",
    "/api/tree/nodes/" + "a" * 200,
    "/api/teams/abc",
    "/api/teams/0",
    "/api/teams/-1",
    "/api/teams/99999999999999999999",
    "/api/members/1.5",
    "/api/funnel?period=2026-10..x",
    "/api/funnel?period=2026-12..2026-01",
    "/api/funnel?scope=company%27%20or%201=1",
    "/teams/abc",
    "/members/%F0%9F%98%80",
    "/tree/nodes/..%2F..%2Fetc",
    "/?period=%E2%80%AE",
]


@pytest.mark.parametrize("url", BAD)
def test_malformed_requests_never_500(web: Web, url: str) -> None:
    web.login("manager")
    r = web.get(url)
    assert r.status_code in (400, 403, 404, 422), (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")


def test_openapi_lists_the_read_apis(web: Web) -> None:
    paths = web.json("/api/openapi.json")["paths"]
    for p in (
        "/api/home",
        "/api/tree",
        "/api/tree/nodes/{node}",
        "/api/teams",
        "/api/teams/{team_id}",
        "/api/members/{member_id}",
        "/api/funnel",
    ):
        assert p in paths and "get" in paths[p], p


@pytest.fixture(scope="module")
def xss_web(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    db = copy_demo(demo_template, tmp_path_factory.mktemp("xss"))
    settings = WebSettings(db=str(db), model=str(db.with_name("demo.model.yaml")), secret_key="x" * 32)
    with TestClient(create_app(settings)) as client:
        web = Web(client)
        with web.store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE members SET name = :n WHERE id = 1"), {"n": XSS})
            conn.execute(sa.text("UPDATE teams SET name = :n WHERE id = 7"), {"n": "課<b>" + XSS})
        yield web


def test_names_render_as_text(xss_web: Web) -> None:
    web = xss_web.login("admin")
    for url in (
        f"/teams/7?period={PERIOD}",
        f"/members/1?period={PERIOD}",
        "/teams",
        "/tree?scope=team:7",
        "/funnel?scope=team:7",
        f"/tree/nodes/revenue?scope=team:7&period={PERIOD}",
    ):
        r = web.get(url)
        assert r.status_code == 200, url
        assert "<script>alert(1)</script>" not in r.text, url
        assert "<b>" not in r.text, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text, url
    team = web.json(f"/api/teams/7?period={PERIOD}")
    assert team["scope"]["name"] == "課<b>" + XSS
    assert XSS in [r["member"]["name"] for r in team["ranking"]]
    assert web.json(f"/api/members/1?period={PERIOD}")["scope"]["name"] == XSS
    # chart data travels as JSON in a <script type="application/json">: no closing tag inside
    page = web.get(f"/teams/7?period={PERIOD}").text
    body = page.split('id="team-trend-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body


def test_japanese_and_english(web: Web) -> None:
    web.login("viewer")  # no locale of its own: the browser's Accept-Language decides
    # the viewer of the agency lands on the agency report (#16 item 2): ask for the home of its scope
    home = web.json("/api/home")["scope"]
    ja = web.get(
        f"/?period={PERIOD}&scope=team:{home['id']}", headers={"Accept-Language": "ja-JP,ja;q=0.9"}
    ).text
    assert 'lang="ja"' in ja and "ダッシュボード" in ja and "主要KPI" in ja and "円" in ja
    en = web.get(
        f"/?period={PERIOD}&scope=team:{home['id']}", headers={"Accept-Language": "en-US,en;q=0.9"}
    ).text
    assert 'lang="en"' in en and "Dashboard" in en and "Main KPIs" in en and "¥" in en
    assert web.json("/api/home?lang=en")["kgi"]["label"] == "Revenue"
    assert web.json("/api/home?lang=ja")["kgi"]["label"] == "売上"
    web.login("manager")
    web.get("/lang/ja?next=/")  # a language chosen with the switcher beats the browser's
    assert "KPIツリー" in web.get("/tree", headers={"Accept-Language": "en"}).text
    r = web.get("/lang/en?next=/tree", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/tree"
    tree = web.get("/tree", headers={"Accept-Language": "ja"}).text
    assert "KPI tree" in tree and "Click a KPI" in tree
    web.get("/lang/ja?next=/")
    assert "KPIツリー" in web.get("/tree").text
    web.login(None)


def test_actuals_are_live(web: Web) -> None:
    web.login("rep001")
    me = web.json("/api/home")["scope"]
    before = web.json(f"/api/home?period={PERIOD}")["kgi"]["actual"]
    store = web.store
    with store.write() as conn:  # any process's writer: bumps the data version in its transaction
        deal_id = conn.execute(sa.text("SELECT MAX(id) + 1000 FROM deals")).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO deals (id, source, external_id, owner_id, stage, amount, currency, created_at,"
                " closed_at, is_closed, is_won) VALUES (:id, 'test', :ext, :owner, '受注', 1234567, 'JPY',"
                " :at, :at, TRUE, TRUE)"
            ),
            {"id": deal_id, "ext": f"live-{deal_id}", "owner": me["id"], "at": datetime(2026, 10, 15, 11)},
        )
    try:
        # a write committed outside the app's request shows on the next request
        after = web.json(f"/api/home?period={PERIOD}")["kgi"]["actual"]
        assert after == pytest.approx(before + 1234567)
        assert after == pytest.approx(oracle(store, "revenue", {me["id"]}, PERIOD))
    finally:
        with store.write() as conn:
            conn.execute(sa.text("DELETE FROM deals WHERE id = :id"), {"id": deal_id})


def _calls(tree: dict[str, Any]) -> float:
    (node,) = [n for n in tree["nodes"] if n["id"] == "calls"]
    return float(node["actual"])


def test_a_write_through_the_app_shows_at_once(web: Web) -> None:
    """The dashboards are cached per data version; an activity logged in the app bumps it."""
    web.login("rep001")
    before = web.json(f"/api/tree?period={PERIOD}")
    assert web.json(f"/api/tree?period={PERIOD}") == before  # the cached answer is the same
    page = web.get("/log")
    m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert m
    res = web.client.post(
        "/api/activities",
        json={"type": "call", "outcome": "connected", "occurred_at": "2026-10-15T10:00:00"},
        headers={"X-CSRF-Token": m.group(1)},
    )
    assert res.status_code in (200, 201), res.text
    after = web.json(f"/api/tree?period={PERIOD}")
    assert _calls(after) == _calls(before) + 1
