"""The JSON twins against an independent SQL oracle, and the pages render the same data."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.web_read.conftest import PERIOD, Web, month_bounds, oracle, org, today_month

MEASURED = {n: n for n in ("revenue", "won_deals", "deals", "leads", "calls")}


def scope_members(web: Web, scope: dict[str, Any]) -> set[int] | None:
    return org(web.store).members_in(scope["type"], int(scope["id"]))


@pytest.mark.parametrize(
    ("user", "scope"),
    [
        ("admin", {"type": "company", "id": 0}),
        ("manager", None),
        ("rep001", None),
        ("partner", None),
        ("viewer", None),
    ],
)
def test_home_kgi_and_kpis_equal_sql(web: Web, model_yaml: dict[str, Any], user: str, scope: Any) -> None:
    d = web.login(user).json(f"/api/home?period={PERIOD}")
    assert d["period"] == PERIOD
    if scope is not None:
        assert {k: d["scope"][k] for k in ("type", "id")} == scope
    members = scope_members(web, d["scope"])
    kgi = d["kgi"]
    assert kgi["id"] == model_yaml["kgi"] == "revenue"
    assert kgi["actual"] == pytest.approx(oracle(web.store, "revenue", members, PERIOD))
    if kgi["target"]:
        assert kgi["achievement"] == pytest.approx(kgi["actual"] / kgi["target"])
    assert 3 <= len(d["kpis"]) <= 5
    main = [n for n, spec in model_yaml["nodes"].items() if spec.get("role") == "main" and n != "revenue"]
    assert [k["id"] for k in d["kpis"]] == main[: len(d["kpis"])]
    for k in d["kpis"]:
        assert k["status"] in ("on_track", "behind", "at_risk", "no_target", "no_data")
        if k["id"] in MEASURED:
            assert k["actual"] == pytest.approx(oracle(web.store, MEASURED[k["id"]], members, PERIOD)), k


def test_company_target_is_the_models(web: Web, model_yaml: dict[str, Any]) -> None:
    d = web.login("admin").json(f"/api/home?period={PERIOD}&scope=company")
    assert d["kgi"]["target"] == pytest.approx(float(model_yaml["nodes"]["revenue"]["target"]))


def test_default_period_is_the_current_month_and_periods_listed(web: Web) -> None:
    d = web.login("manager").json("/api/home")
    assert d["period"] == today_month()
    assert d["periods"][0] == today_month() and len(d["periods"]) == 12
    assert PERIOD in d["periods"]


def test_team_target_is_the_sum_of_its_members(web: Web) -> None:
    web.login("admin")
    team = web.json(f"/api/teams/7?period={PERIOD}")
    ids = [r["member"]["id"] for r in team["ranking"]]
    targets = [web.json(f"/api/members/{m}?period={PERIOD}")["kgi"]["target"] for m in ids]
    assert team["kgi"]["target"] == pytest.approx(sum(targets))


def test_tree_nodes_and_values(web: Web, model_yaml: dict[str, Any]) -> None:
    d = web.login("manager").json(f"/api/tree?period={PERIOD}")
    ids = [n["id"] for n in d["nodes"]]
    assert set(ids) == set(model_yaml["nodes"])
    assert d["roots"][0] == "revenue"
    nodes = {n["id"]: n for n in d["nodes"]}
    assert set(nodes["revenue"]["children"]) == {"won_deals", "avg_deal_size"}
    members = scope_members(web, d["scope"])
    for nid, measure in MEASURED.items():
        assert nodes[nid]["actual"] == pytest.approx(oracle(web.store, measure, members, PERIOD)), nid
    # the tree's formulas hold on actuals: 売上 = 受注件数 × 平均受注単価
    rev, won, size = (nodes[n]["actual"] for n in ("revenue", "won_deals", "avg_deal_size"))
    if won:
        assert rev == pytest.approx(won * size)


def test_node_detail_trend_and_breakdown(web: Web) -> None:
    web.login("admin")
    d = web.json(f"/api/tree/nodes/revenue?period={PERIOD}&scope=company")
    assert [t["period"] for t in d["trend"]][-1] == PERIOD and len(d["trend"]) == 12
    assert d["trend"][-1]["actual"] == pytest.approx(oracle(web.store, "revenue", None, PERIOD))
    before = d["trend"][-2]
    assert before["actual"] == pytest.approx(oracle(web.store, "revenue", None, before["period"]))
    assert d["breakdown"], "the company breaks down into its teams"
    o = org(web.store)
    for b in d["breakdown"]:
        members = o.members_in(b["scope"]["type"], b["scope"]["id"])
        assert b["actual"] == pytest.approx(oracle(web.store, "revenue", members, PERIOD)), b["scope"]
    html = web.get(f"/tree/nodes/revenue?period={PERIOD}&scope=company")
    assert html.status_code == 200 and 'data-testid="node-detail-body"' in html.text


def test_team_ranking_sorted_and_equal_sql(web: Web) -> None:
    d = web.login("manager").json(f"/api/teams/7?period={PERIOD}")
    o = org(web.store)
    assert {r["member"]["id"] for r in d["ranking"]} == o.members_in("team", 7)
    ach = [r["achievement"] for r in d["ranking"] if r["achievement"] is not None]
    assert ach == sorted(ach, reverse=True)
    assert [r["rank"] for r in d["ranking"]] == list(range(1, len(d["ranking"]) + 1))
    for r in d["ranking"]:
        assert r["actual"] == pytest.approx(oracle(web.store, "revenue", {r["member"]["id"]}, PERIOD))
    assert len(d["trend"]) == 12 and d["trend"][-1]["period"] == PERIOD
    assert d["kgi"]["actual"] == pytest.approx(oracle(web.store, "revenue", o.members_in("team", 7), PERIOD))


def test_member_page_shows_own_pace(web: Web) -> None:
    web.login("rep001")
    me = web.json("/api/home")["scope"]
    assert me["type"] == "member"
    d = web.json(f"/api/members/{me['id']}?period={PERIOD}")
    assert d["kgi"]["actual"] == pytest.approx(oracle(web.store, "revenue", {me["id"]}, PERIOD))
    assert d["kgi"]["pace"] is not None
    page = web.get(f"/members/{me['id']}?period={PERIOD}")
    assert page.status_code == 200 and 'data-testid="member-pace"' in page.text


def test_teams_list_in_hierarchy_with_sql_actuals(web: Web) -> None:
    d = web.login("admin").json(f"/api/teams?period={PERIOD}")
    o = org(web.store)
    assert {t["team"]["id"] for t in d["teams"]} == set(o.parent)
    for t in d["teams"]:
        members = o.members_in("team", t["team"]["id"])
        assert t["actual"] == pytest.approx(oracle(web.store, "revenue", members, PERIOD))


def test_funnel_totals_and_conversion(web: Web) -> None:
    web.login("manager")
    d = web.json("/api/funnel?period=2026-05..2026-10&scope=team:2")
    assert d["scope"]["id"] == 2 and d["period"] == "2026-05..2026-10"
    assert [p["period"] for p in d["periods"]] == [f"2026-{m:02d}" for m in range(5, 11)]
    counts = [s["count"] for s in d["total"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    for i, s in enumerate(d["total"]):
        assert s["count"] == sum(p["stages"][i]["count"] for p in d["periods"])
        if i:
            assert s["conversion"] == pytest.approx(s["count"] / counts[i - 1])
            assert d["total"][i - 1]["drop_off"] == counts[i - 1] - s["count"]
    # the same numbers as the facade's funnel (what `rashinban funnel` prints)
    from tests.svc import facade

    model = web.client.app.state.settings.model  # type: ignore[attr-defined]
    rows = facade(web.store).tracking.funnel(model, period="2026-05..2026-10", team="2", by="month")
    mine = {(r.period, r.index): r.count for r in rows if (r.scope_type, r.scope_id) == ("team", 2)}
    assert mine == {(p["period"], s["index"]): s["count"] for p in d["periods"] for s in p["stages"]}


def test_pages_render_with_testids(web: Web) -> None:
    web.login("manager")
    wanted = {
        "/": ["kgi-card", "kgi-actual", "kgi-target", "kpi-card", "period-select", "current-user"],
        "/tree": ["tree-chart", "node-detail", "period-select"],
        "/teams/7": ["ranking-table", "kgi-card", "period-select"],
        "/funnel": ["funnel-table", "period-select"],
        "/teams": ["teams-table"],
    }
    for url, ids in wanted.items():
        r = web.get(url)
        assert r.status_code == 200, url
        for testid in ids:
            assert f'data-testid="{testid}"' in r.text, (url, testid)


def test_home_values_on_cards_short_in_tables_full(web: Web) -> None:
    web.login("admin")
    d = web.json(f"/api/home?period={PERIOD}&scope=company&lang=ja")
    page = web.get(f"/?period={PERIOD}&scope=company&lang=ja").text
    assert d["kgi"]["actual_text"].endswith("万円") and d["kgi"]["actual_text"] in page
    team = web.get(f"/teams/7?period={PERIOD}&lang=ja").text
    assert "¥" in team  # tables: full figures


def test_htmx_period_switch_returns_the_cards_only(web: Web) -> None:
    web.login("manager")
    r = web.get("/?period=2026-09", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="home-cards"') and "<html" not in r.text
    assert 'data-period="2026-09"' in r.text


def test_breakdown_by_company_size_equals_sql(web: Web) -> None:
    """Revenue per account size band (small < 100 ≤ medium < 1,000 ≤ large employees; none:
    no account or no head count) against SQL; an unknown scope is a 404, not a 500."""
    web.login("admin")
    d = web.json(f"/api/breakdown?by=size&period={PERIOD}&scope=company")
    got = {
        v["value"]: v["actual"] or 0.0
        for s in d["scopes"]
        if s["scope"]["type"] == "company"
        for v in s["values"]
        if v["node"] == "revenue"
    }
    start, end = month_bounds(PERIOD)
    band = (
        "CASE WHEN a.employees IS NULL THEN '' WHEN a.employees < 100 THEN 'small' "
        "WHEN a.employees < 1000 THEN 'medium' ELSE 'large' END"
    )
    with web.store.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT {band} AS b, SUM(d.amount) FROM deals d LEFT JOIN accounts a ON a.id = d.account_id "
                "WHERE d.is_won AND d.closed_at >= :start AND d.closed_at < :end GROUP BY b"
            ),
            {"start": start, "end": end},
        ).all()
    expected = {str(b): float(v) for b, v in rows if v}
    assert expected and {k: v for k, v in got.items() if v} == pytest.approx(expected)
    assert web.client.get("/api/breakdown?scope=team:0").status_code == 404
