"""Write scope follows read scope: role × write endpoint × scope.

The demo's ``manager`` runs 東日本営業部 (and 東京第一課 below it); ``west`` runs 西日本営業部.
Each write is tried inside and outside the writer's branch and the store is read back with
plain SQL: what is outside is refused or rejected and stays exactly as it was."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import Client, make_app, read_org


def _targets(web: Client, scope_type: str, scope_id: int | None) -> list[tuple[str, Decimal]]:
    cond = "scope_id IS NULL" if scope_id is None else f"scope_id = {int(scope_id)}"
    return [
        (str(r[0]), Decimal(r[1]))
        for r in web.sql(
            f"SELECT node, value FROM targets WHERE scope_type = :t AND {cond} "
            "ORDER BY node, period, revision",
            t=scope_type,
        )
    ]


def _team(web: Client, name: str) -> int:
    return int(web.sql("SELECT id FROM teams WHERE name = :n", n=name)[0][0])


def test_a_manager_plans_only_their_branch(web: Client) -> None:
    east, west, tokyo = _team(web, "東日本営業部"), _team(web, "西日本営業部"), _team(web, "東京第一課")
    org = read_org(web.store)
    mine = {m for m, t in org.member_team.items() if t in org.subtree(east)}
    web.login("manager")
    page = web.get("/planning")
    assert page.status_code == 200 and 'data-testid="plan-scope"' in page.text
    for m, name in org.member_names.items():  # the page lists only the branch's members
        if org.member_team.get(m) in (west,) and len(name) > 2:
            assert name not in page.text, name
    view = web.get("/api/planning").json()
    members = {a["member"] for a in view["plan"]["allocations"]} if view["plan"] else set()
    names = {org.member_names[m] for m in mine}
    ext = {
        r[0]
        for r in web.sql("SELECT external_id FROM members WHERE id IN (" + ",".join(map(str, mine)) + ")")
    }
    assert members and members <= names | ext
    before_company, before_west = _targets(web, "company", None), _targets(web, "team", west)
    r = web.post("/api/planning/save", json={"values": {"revenue": "2600万"}, "reason": "東日本の期初計画"})
    assert r.status_code == 200, r.text
    assert _targets(web, "company", None) == before_company  # the company plan is the admins'
    assert _targets(web, "team", west) == before_west  # another department: untouched
    written = web.sql("SELECT DISTINCT scope_type, scope_id FROM targets WHERE author = 'manager'")
    assert written and all(
        (t == "team" and i in org.subtree(east)) or (t == "member" and i in mine) for t, i in written
    ), written
    revenue = dict(_targets(web, "team", east))
    assert revenue["revenue"] == Decimal(26_000_000)  # the KGI is the manager's team's
    assert dict(_targets(web, "team", tokyo))["revenue"] == Decimal(26_000_000)  # all of it in 東京第一課
    hist = web.get("/api/planning").json()["history"]
    assert hist and all(h["scope_type"] != "company" for h in hist)
    # the other department's manager sees none of it
    web.login("west")
    assert all(h["author"] != "manager" for h in web.get("/api/planning").json()["history"])


def test_the_company_plan_is_for_admins(web: Client) -> None:
    web.login("admin")
    r = web.post("/api/planning/save", json={"values": {"revenue": "9000万"}, "reason": "全社"})
    assert r.status_code == 200, r.text
    assert dict(_targets(web, "company", None))["revenue"] == Decimal(90_000_000)


@pytest.mark.parametrize("who", ["rep001", "partner", "viewer"])
def test_non_planners_are_refused_with_no_data(web: Client, who: str) -> None:
    foreign = read_org(web.store).foreign_names(who)
    web.login(who)
    for url, kw in (
        ("/planning/save", {"data": {"node.revenue": "1億", "reason": "x", "csrf_token": web.csrf}}),
        ("/api/planning/save", {"json": {"values": {"revenue": "1億"}, "reason": "x"}}),
    ):
        r = web.post(url, **kw)
        assert r.status_code == 403
        assert not [n for n in foreign if n in r.text]
    assert web.sql("SELECT count(*) FROM targets")[0][0] == 0


def _deal(web: Client, team: str) -> tuple[int, str, Decimal]:
    row = web.sql(
        "SELECT d.id, d.external_id, d.amount FROM deals d JOIN members m ON m.id = d.owner_id "
        "JOIN teams t ON t.id = m.team_id WHERE t.name = :t AND d.amount IS NOT NULL ORDER BY d.id LIMIT 1",
        t=team,
    )[0]
    return int(row[0]), str(row[1]), Decimal(row[2])


def _seed_crm(web: Client) -> None:
    """Deals that came from Salesforce earlier (an admin's import): one owned in 東京第一課,
    one in 大阪第一課, and an account both departments sell to."""
    tokyo, osaka = _team(web, "東京第一課"), _team(web, "大阪第一課")
    with web.store.write() as conn:
        import sqlalchemy as sa

        for mid, ext, team in ((9001, "005E1", tokyo), (9002, "005W1", osaka)):
            conn.execute(
                sa.text(
                    "INSERT INTO members (id, source, external_id, name, team_id) "
                    "VALUES (:i, 'salesforce', :e, :n, :t)"
                ),
                {"i": mid, "e": ext, "n": f"SF {ext}", "t": team},
            )
        conn.execute(
            sa.text(
                "INSERT INTO accounts (id, source, external_id, name) "
                "VALUES (9001, 'salesforce', '001A', '共有商事')"
            )
        )
        for did, ext, owner in ((9001, "006E1", 9001), (9002, "006W1", 9002)):
            conn.execute(
                sa.text(
                    "INSERT INTO deals (id, source, external_id, name, owner_id, account_id, stage, amount, "
                    "currency, is_closed, is_won) "
                    "VALUES (:i, 'salesforce', :e, :e, :o, 9001, 'Prospecting', 500000, 'JPY', FALSE, FALSE)"
                ),
                {"i": did, "e": ext, "o": owner},
            )


CSV_HEAD = "Id,Name,AccountId,OwnerId,StageName,Amount,CreatedDate\n"


def _import(web: Client, csv: str) -> dict:
    r = web.post(
        "/api/imports",
        files={"file": ("Opportunity.csv", csv.encode(), "text/csv")},
        data={"preset": "salesforce-opportunity", "skip_invalid": "true"},
    )
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    state = _wait(web, job)
    if state["can_confirm"]:
        assert web.post(f"/api/imports/{job}/confirm?skip_invalid=true").status_code == 202
        state = _wait(web, job)
    return state


def _wait(web: Client, job: int) -> dict:
    for _ in range(600):
        state = web.get(f"/api/imports/{job}").json()
        if state["status"] != "running":
            return state
        time.sleep(0.05)
    raise AssertionError("import did not finish")


@pytest.fixture
def jobs_web(sec_db: Path) -> Iterator[Client]:
    with TestClient(make_app(sec_db, jobs=True)) as client:  # the jobs runner checks and loads
        yield Client(client)


def test_a_managers_import_cannot_touch_other_departments(jobs_web: Client) -> None:
    web = jobs_web
    _seed_crm(web)
    web.login("manager")
    csv = CSV_HEAD + (
        "006E1,東の商談,001A,005E1,Prospecting,1234567,2026-10-01\n"
        "006W1,西の商談,001A,005W1,Prospecting,999999999,2026-10-01\n"  # another department's deal
        "006X1,乗っ取り,001A,005E1,Prospecting,1,2026-10-01\n"  # a new deal of the branch: fine
        "006W2,新規,001A,005W1,Prospecting,5,2026-10-01\n"  # a new deal for a rep outside: no
    )
    state = _import(web, csv)
    assert state["status"] == "done", state
    amounts = {
        r[0]: Decimal(r[1])
        for r in web.sql("SELECT external_id, amount FROM deals WHERE source = 'salesforce'")
    }
    assert amounts["006W1"] == Decimal(500000)  # never written
    assert amounts["006E1"] == Decimal(1234567)
    assert "006X1" in amounts and "006W2" not in amounts
    rejects = {r["value"]: r for r in state["rejects"]}
    assert set(rejects) == {"006W1", "006W2"}
    assert all(r["reason"] == "out_of_scope" and "SF 005W1" in r["message"] for r in rejects.values())
    # taking a foreign deal over by naming oneself its owner does not work either
    state = _import(web, CSV_HEAD + "006W1,乗っ取り,001A,005E1,Prospecting,1,2026-10-01\n")
    owner = web.sql("SELECT owner_id, amount FROM deals WHERE external_id = '006W1'")[0]
    assert (owner[0], Decimal(owner[1])) == (9002, Decimal(500000))
    assert [r["value"] for r in state["rejects"]] == ["006W1"]
    # the shared account cannot be renamed by a manager; an admin's import may
    audits = web.sql("SELECT count(*) FROM audit_log WHERE action = 'import' AND actor = 'manager'")
    assert audits[0][0] == 2


def test_activities_reference_only_writable_rows(web: Client) -> None:
    own_deal = _deal(web, "東京第一課")[0]
    foreign_deal = _deal(web, "大阪第一課")[0]
    missing = int(web.sql("SELECT max(id) + 1000 FROM deals")[0][0])
    web.login("rep001")
    base = {"type": "call", "outcome": "connected"}
    for deal in (foreign_deal, missing):
        r = web.post("/api/activities", json={**base, "deal_id": deal})
        assert r.status_code == 422 and set(r.json()["fields"]) == {"deal_id"}, r.text
    mine = web.sql(
        "SELECT d.id FROM deals d JOIN users u ON u.member_id = d.owner_id "
        "WHERE u.username = 'rep001' LIMIT 1"
    )
    if mine:
        assert web.post("/api/activities", json={**base, "deal_id": int(mine[0][0])}).status_code == 201
    web.login("manager")  # a manager may log against deals of the branch, not beyond
    assert (
        web.post(
            "/api/activities", json={**base, "member_id": _member(web, "東京第一課"), "deal_id": own_deal}
        ).status_code
        == 201
    )
    r = web.post(
        "/api/activities", json={**base, "member_id": _member(web, "東京第一課"), "deal_id": foreign_deal}
    )
    assert r.status_code == 422 and "deal_id" in r.json()["fields"]
    lead = web.sql(
        "SELECT l.id FROM leads l JOIN members m ON m.id = l.owner_id JOIN teams t ON t.id = m.team_id "
        "WHERE t.name = '大阪第一課' LIMIT 1"
    )
    if lead:
        r = web.post(
            "/api/activities",
            json={**base, "member_id": _member(web, "東京第一課"), "lead_id": int(lead[0][0])},
        )
        assert r.status_code == 422 and "lead_id" in r.json()["fields"]
    r = web.post(
        "/api/activities", json={**base, "member_id": _member(web, "東京第一課"), "account_id": 10**9}
    )
    assert r.status_code == 422 and "account_id" in r.json()["fields"]
    stored = web.sql("SELECT count(*) FROM activities WHERE deal_id IN (:a, :b)", a=foreign_deal, b=missing)
    assert stored[0][0] == 0


def _member(web: Client, team: str) -> int:
    return int(
        web.sql(
            "SELECT m.id FROM members m JOIN teams t ON t.id = m.team_id "
            "WHERE t.name = :t ORDER BY m.id LIMIT 1",
            t=team,
        )[0][0]
    )
