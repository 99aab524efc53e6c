"""The drill-down's deal and customer pages and the funnel drill-down, attacked by role × scope.

Who may read a deal is decided here with plain SQL, independently of the product: a deal is
readable when its owner, its sourcing member or its lead's owner is a member of a team the
user may read (a rep: their own team) — the rows /records lists for the user's scopes.  An
account is readable when any of its deals, leads, contracts or activities is.  Everyone else
gets a 404 whose body names no deal, account, team or member.  The funnel drill-down's counts
equal the funnel page's figures and a plain-SQL count of the same cohort.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import Client, Org, read_org

USERS = ("admin", "manager", "west", "partner", "viewer", "rep001")


def _readable_members(org: Org, username: str) -> set[int] | None:
    seen = org.readable(username)
    if seen is None:
        return None
    teams, members = seen
    out = set(members)
    for t in teams:  # a team's scope counts the members of every team below it
        sub = org.subtree(t)
        out |= {m for m, mt in org.member_team.items() if mt in sub}
    return out


def _deals(web: Client) -> list[Any]:
    return web.sql(
        "SELECT d.id, d.name, d.owner_id, d.source_member_id, l.owner_id AS lead_owner, d.account_id, "
        "a.name AS account_name FROM deals d LEFT JOIN leads l ON l.id = d.lead_id "
        "LEFT JOIN accounts a ON a.id = d.account_id ORDER BY d.id"
    )


def _deal_readable(row: Any, members: set[int] | None) -> bool:
    if members is None:
        return True
    return any(p in members for p in (row.owner_id, row.source_member_id, row.lead_owner) if p is not None)


def _account_readable(web: Client, account: int, members: set[int] | None) -> bool:
    if members is None:
        return True
    ids = ",".join(str(m) for m in sorted(members)) or "-999"
    n = web.sql(
        f"SELECT (SELECT count(*) FROM deals d LEFT JOIN leads l ON l.id = d.lead_id WHERE d.account_id = :a"
        f" AND (d.owner_id IN ({ids}) OR d.source_member_id IN ({ids}) OR l.owner_id IN ({ids})))"
        f" + (SELECT count(*) FROM leads WHERE account_id = :a AND owner_id IN ({ids}))"
        f" + (SELECT count(*) FROM contracts WHERE account_id = :a AND owner_id IN ({ids}))"
        f" + (SELECT count(*) FROM activities WHERE account_id = :a AND member_id IN ({ids}))",
        a=account,
    )[0][0]
    return bool(n)


def _assert_refusal_clean(r: Any, org: Org, username: str, *secrets: str) -> None:
    assert r.status_code == 404, (username, r.status_code, r.text[:300])
    for name in (*org.foreign_names(username), *secrets):
        if name and len(name) >= 2:
            assert name not in r.text, (username, name)
    if r.headers["content-type"].startswith("application/json"):
        assert set(r.json()) <= {"error", "message", "params"}


@pytest.mark.parametrize("username", USERS)
def test_deal_page_only_within_the_users_scope(web: Client, username: str) -> None:
    org = read_org(web.store)
    members = _readable_members(org, username)
    deals = _deals(web)
    inside = [d for d in deals if _deal_readable(d, members)]
    outside = [d for d in deals if not _deal_readable(d, members)]
    assert inside, username  # every role reads some deals …
    assert bool(outside) == (username != "admin"), username  # … and only an admin all of them
    web.login(username)
    for d in inside[:: max(1, len(inside) // 4)][:4]:
        for url in (f"/api/records/deals/{d.id}", f"/records/deals/{d.id}"):
            r = web.get(url)
            assert r.status_code == 200, (username, url, r.status_code, r.text[:300])
        body = web.get(f"/api/records/deals/{d.id}").json()
        assert body["id"] == d.id and (body["account"] or {}).get("id") == d.account_id
        hist = web.sql("SELECT count(*) FROM deal_stage_history WHERE deal_id = :d", d=d.id)[0][0]
        acts = web.sql("SELECT count(*) FROM activities WHERE deal_id = :d", d=d.id)[0][0]
        assert len(body["history"]) == hist and len(body["activities"]) == acts
    for d in outside[:: max(1, len(outside) // 6)][:6]:
        for url in (f"/api/records/deals/{d.id}", f"/records/deals/{d.id}"):
            r = web.get(url, headers={"Accept": "application/json"})
            _assert_refusal_clean(r, org, username, d.name or "", d.account_name or "")
    missing = web.get("/api/records/deals/999999999")  # absent answers exactly as out of reach
    assert missing.status_code == 404
    if outside:
        assert missing.json() == web.get(f"/api/records/deals/{outside[0].id}").json()


@pytest.mark.parametrize("username", USERS)
def test_customer_page_only_within_the_users_scope(web: Client, username: str) -> None:
    org = read_org(web.store)
    members = _readable_members(org, username)
    accounts = [int(r[0]) for r in web.sql("SELECT id FROM accounts ORDER BY id")]
    sample = accounts[:: max(1, len(accounts) // 40)]
    inside = [a for a in sample if _account_readable(web, a, members)]
    outside = [a for a in sample if not _account_readable(web, a, members)]
    if username != "admin":
        assert outside, username
    web.login(username)
    ids = ",".join(str(m) for m in sorted(members)) if members is not None else None
    for a in inside[:3]:
        r = web.get(f"/api/customers/{a}")
        assert r.status_code == 200, (username, a, r.text[:300])
        body = r.json()
        # the deals listed are exactly the account's deals the user may read (plain SQL)
        where = (
            ""
            if ids is None
            else f" AND (d.owner_id IN ({ids}) OR d.source_member_id IN ({ids}) OR l.owner_id IN ({ids}))"
        )
        want = web.sql(
            "SELECT d.id, d.amount, d.is_won FROM deals d LEFT JOIN leads l ON l.id = d.lead_id "
            f"WHERE d.account_id = :a{where}",
            a=a,
        )
        assert sorted(x["id"] for x in body["deals"]) == sorted(int(w.id) for w in want)
        assert body["won_amount"] == sum(int(w.amount or 0) for w in want if w.is_won)
        assert web.get(f"/customers/{a}").status_code == 200
    for a in outside[:4]:
        name = web.sql("SELECT name FROM accounts WHERE id = :a", a=a)[0][0]
        for url in (f"/api/customers/{a}", f"/customers/{a}"):
            r = web.get(url, headers={"Accept": "application/json"})
            _assert_refusal_clean(r, org, username, name)


def test_anonymous_is_sent_to_sign_in(web: Client) -> None:
    web.login(None)
    for url in ("/api/records/deals/1", "/api/customers/1", "/api/records/funnel?stage=0"):
        assert web.get(url).status_code == 401
    for url in ("/records/deals/1", "/customers/1", "/records/funnel?stage=0"):
        r = web.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("username", ("manager", "partner", "viewer", "rep001", "west"))
def test_funnel_drill_down_of_another_scope_is_refused(web: Client, username: str) -> None:
    org = read_org(web.store)
    seen = org.readable(username)
    assert seen is not None
    foreign = next(t for t in sorted(org.team_names) if t not in seen[0])
    web.login(username)
    for url in (
        f"/api/records/funnel?stage=0&scope=team:{foreign}",
        f"/api/records/funnel/export?stage=0&scope=team:{foreign}",
        "/api/records/funnel?stage=0&scope=company",
    ):
        r = web.get(url)
        assert r.status_code == 403, (username, url, r.status_code)
        assert "rows" not in r.json()
        for name in org.foreign_names(username):
            assert name not in r.text


FUNNEL_SQL = """
WITH staged AS (
  SELECT h.deal_id, s.idx, h.entered_at FROM deal_stage_history h
  JOIN (SELECT * FROM (VALUES {stages}) AS v(stage, idx)) s ON s.stage = h.stage
), per_deal AS (
  SELECT deal_id, max(idx) AS reached, min(entered_at) AS entered FROM staged GROUP BY deal_id
)
SELECT p.reached, count(*) FROM per_deal p JOIN deals d ON d.id = p.deal_id
WHERE p.entered >= :lo AND p.entered < :hi AND d.owner_id IN ({members})
GROUP BY p.reached
"""


def test_funnel_drill_down_counts_equal_the_figures_and_plain_sql(web: Client) -> None:
    org = read_org(web.store)
    web.login("manager")
    funnel = web.get("/api/funnel").json()
    team = funnel["scope"]["id"]
    assert funnel["scope"]["type"] == "team"
    stages = funnel["stages"]
    members = sorted(m for m, t in org.member_team.items() if t in org.subtree(team))
    lo, _, hi = funnel["period"].partition("..")
    values = ", ".join(f"('{s}', {i})" for i, s in enumerate(stages))
    reached = dict(
        web.sql(
            FUNNEL_SQL.format(stages=values, members=",".join(map(str, members))),
            lo=f"{lo}-01",
            hi=_month_after(hi or lo),
        )
    )
    checked = 0
    for row in funnel["total"]:
        i = row["index"]
        by_sql = sum(n for k, n in reached.items() if k >= i)
        listed = web.get(
            "/api/records/funnel",
            params={"stage": i, "scope": f"team:{team}", "period": funnel["period"], "page_size": 25},
        ).json()
        assert listed["total"] == row["count"] == by_sql, (i, listed["total"], row["count"], by_sql)
        assert len(listed["rows"]) == min(25, by_sql)
        checked += by_sql > 0
    assert checked >= 3  # the demo's funnel is not empty
    # one month of the by-month table drills to the same count too
    month = funnel["periods"][-1]
    first = month["stages"][0]
    listed = web.get(
        "/api/records/funnel", params={"stage": 0, "scope": f"team:{team}", "period": month["period"]}
    ).json()
    assert listed["total"] == first["count"]
    csv = web.get(
        "/api/records/funnel/export",
        params={"stage": 0, "scope": f"team:{team}", "period": month["period"], "format": "csv"},
    )
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").count("\n") == first["count"] + 1


def _month_after(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return f"{y:04d}-{m:02d}-01"


def test_the_json_twins_match_their_declared_schemas(web: Client) -> None:
    from tests.web_read.conformance import Conformance

    spec = Conformance(web.client.app)  # type: ignore[arg-type]
    web.login("manager")
    team = web.get("/api/funnel").json()["scope"]["id"]
    listed = web.get("/api/records/funnel", params={"stage": 1, "scope": f"team:{team}"})
    spec.check("GET", "/api/records/funnel", listed)
    deal = listed.json()["rows"][0]
    spec.check("GET", "/api/records/deals/{deal_id}", web.get(f"/api/records/deals/{deal['id']}"))
    spec.check("GET", "/api/customers/{account_id}", web.get(f"/api/customers/{deal['account_id']}"))
    spec.check("GET", "/api/records/deals/{deal_id}", web.get("/api/records/deals/999999999"))  # the 404
    spec.check("GET", "/api/customers/{account_id}", web.get("/api/customers/999999999"))
