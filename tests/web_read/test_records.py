"""Drill-down (issue #16 item 1): the records behind a figure are the rows the figure counts —
their count (or sum) equals an independent SQL computation and the dashboard's own figure —
sorted, paginated, exported (CSV, XLSX), and only within the user's access (every role ×
in-scope / out-of-scope scope; a refusal carries no data)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.web_read.conftest import PERIOD, Web, oracle, org

# node of the demo model → the oracle's measure
NODES = {"revenue": "revenue", "won_deals": "won_deals", "deals": "deals", "leads": "leads", "calls": "calls"}


def users_table(web: Web) -> dict[str, Any]:
    with web.store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT username, role, team_id, member_id FROM users")).all()
    return {r.username: r for r in rows}


def scopes_to_check(web: Web) -> list[tuple[str, int]]:
    """The company, a top team, a team below one, and a member with deals."""
    o = org(web.store)
    top = min(t for t, p in o.parent.items() if p is None)
    sub = min((t for t, p in o.parent.items() if p is not None), default=top)
    with web.store.engine.connect() as conn:
        member = conn.execute(
            sa.text(
                "SELECT owner_id FROM deals WHERE is_won GROUP BY owner_id ORDER BY COUNT(*) DESC LIMIT 1"
            )
        ).scalar()
    return [("company", 0), ("team", top), ("team", sub), ("member", int(member))]


def scope_text(key: tuple[str, int]) -> str:
    return "company" if key[0] == "company" else f"{key[0]}:{key[1]}"


def all_rows(web: Web, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        body = web.json(f"{url}&page_size=200&page={page}")
        out += body["rows"]
        if page >= body["pages"]:
            return out
        page += 1


@pytest.mark.parametrize("node", sorted(NODES))
def test_record_count_equals_the_figure(web: Web, node: str) -> None:
    web.login("admin")
    o = org(web.store)
    for key in scopes_to_check(web):
        url = f"/api/records?node={node}&scope={scope_text(key)}&period={PERIOD}"
        body = web.json(url)
        expected = oracle(web.store, NODES[node], o.members_in(*key), PERIOD)
        # the figure on the dashboard's tree for the same scope and period
        tree = web.json(f"/api/tree?period={PERIOD}&scope={scope_text(key)}")
        figure = next(n["actual"] for n in tree["nodes"] if n["id"] == node)
        if node == "revenue":
            rows = all_rows(web, url)
            assert len(rows) == body["total"]
            assert sum(r["amount"] or 0 for r in rows) == pytest.approx(expected)
            assert body["value"] == pytest.approx(expected) == pytest.approx(figure or 0)
        else:
            assert body["total"] == expected == (figure or 0), (node, key)
            assert body["value"] == body["total"]


def test_a_rate_drills_to_its_inputs(web: Web) -> None:
    """受注率 = 受注件数 ÷ 商談数: both measures are offered, each listing its own rows."""
    web.login("admin")
    body = web.json(f"/api/records?node=win_rate&scope=company&period={PERIOD}")
    ids = [m["id"] for m in body["measures"]]
    assert len(ids) == 2
    counts = {}
    for mid in ids:
        counts[mid] = web.json(f"/api/records?node=win_rate&scope=company&period={PERIOD}&measure={mid}")[
            "total"
        ]
    tree = web.json(f"/api/tree?period={PERIOD}&scope=company")
    rate = next(n["actual"] for n in tree["nodes"] if n["id"] == "win_rate")
    num, den = (counts[i] for i in ids)
    assert rate == pytest.approx(num / den) or rate == pytest.approx(den / num)


def test_sorted_paginated_and_exported(web: Web) -> None:
    web.login("admin")
    base = f"/api/records?node=calls&scope=company&period={PERIOD}"
    first = web.json(f"{base}&sort=occurred_at&dir=asc&page_size=25")
    assert first["pages"] > 1 and len(first["rows"]) == 25
    whens = [r["occurred_at"] for r in first["rows"]]
    assert whens == sorted(whens)
    second = web.json(f"{base}&sort=occurred_at&dir=asc&page_size=25&page=2")
    assert not {r["id"] for r in first["rows"]} & {r["id"] for r in second["rows"]}
    assert second["rows"][0]["occurred_at"] >= whens[-1]
    every = all_rows(web, base)
    assert len({r["id"] for r in every}) == first["total"]

    r = web.get(f"/api/records/export?node=calls&scope=company&period={PERIOD}&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(table) - 1 == first["total"]
    r = web.get(f"/api/records/export?node=revenue&scope=company&period={PERIOD}&format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content), read_only=True).active
    sheet = list(ws.iter_rows(values_only=True))
    revenue = web.json(f"/api/records?node=revenue&scope=company&period={PERIOD}")
    assert len(sheet) - 1 == revenue["total"]
    amount = [c["key"] for c in revenue["columns"]].index("amount")
    assert sheet[0][amount] == revenue["columns"][amount]["label"]
    assert sum(row[amount] or 0 for row in sheet[1:]) == pytest.approx(revenue["value"])

    page = web.get(f"/records?node=revenue&scope=company&period={PERIOD}")
    assert page.status_code == 200 and 'data-testid="records-table"' in page.text


def test_roles_cannot_drill_outside_their_scope(web: Web) -> None:
    o = org(web.store)
    users = users_table(web)
    tops = sorted(t for t, p in o.parent.items() if p is None)
    rep = users["rep001"]
    own_team = o.member_team[rep.member_id]
    other_team = next(t for t in o.parent if t != own_team and t not in o.subtree(own_team))
    other_member = next(m for m, t in o.member_team.items() if t != own_team)
    manager = users["manager"]
    outside = next(t for t in tops if t not in o.subtree(manager.team_id))
    partner = users["partner"]
    in_house = next(t for t in tops if t not in o.agency)
    cases = [
        ("rep001", f"team:{other_team}"),
        ("rep001", f"member:{other_member}"),
        ("rep001", "company"),
        ("manager", f"team:{outside}"),
        ("manager", "company"),
        ("partner", f"team:{in_house}"),
        ("viewer", "company"),
    ]
    if partner.team_id is not None:
        cases.append(("partner", "company"))
    for user, scope in cases:
        web.login(user)
        for url in (
            f"/api/records?node=won_deals&scope={scope}&period={PERIOD}",
            f"/api/records/export?node=won_deals&scope={scope}&period={PERIOD}&format=csv",
        ):
            r = web.get(url)
            assert r.status_code == 403, (user, url, r.status_code)
            body = r.json()
            assert "rows" not in body and body.get("params") == {}, body
        page = web.get(f"/records?node=won_deals&scope={scope}&period={PERIOD}")
        assert page.status_code == 403 and 'data-testid="record-row"' not in page.text
    # and within their access they see the rows
    web.login("rep001")
    own = web.json(f"/api/records?node=calls&scope=member:{rep.member_id}&period={PERIOD}")
    assert own["scope"]["id"] == rep.member_id
    web.login("manager")
    mine = web.json(f"/api/records?node=won_deals&scope=team:{manager.team_id}&period={PERIOD}")
    assert mine["total"] == oracle(web.store, "won_deals", o.members_in("team", manager.team_id), PERIOD)


def test_the_dashboards_link_their_figures_to_the_records(web: Web) -> None:
    web.login("admin")
    home = web.get(f"/?period={PERIOD}").text
    assert f"/records?node=revenue&amp;scope=company&amp;period={PERIOD}" in home
    users = users_table(web)
    team = users["manager"].team_id
    page = web.get(f"/teams/{team}?period={PERIOD}").text
    assert f"/records?node=revenue&amp;scope=team%3A{team}&amp;period={PERIOD}" in page
    detail = web.get(f"/tree/nodes/won_deals?period={PERIOD}&scope=company").text
    assert 'data-testid="drill-breakdown"' in detail
