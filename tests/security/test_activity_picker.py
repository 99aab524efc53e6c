"""The activity log's picker and undo (#16 item 4), attacked by role × scope.

The picker (``/api/activities/targets``) may only offer deals, leads and accounts the user may
write to — the rule the write path enforces (their own, or their scope's members'); a foreign
or unknown id posted to the log is refused with a field message and nothing is stored; undo
works only for the user's own, last entry, within 10 minutes.  The allowed sets come from
plain SQL over the organisation (``read_org``), not from the product's code."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rashinban.clock import FixedClock
from tests.security.conftest import Client, Org, make_app, read_org

WRITERS = ("admin", "manager", "west", "rep001", "partner")
KINDS = ("deal", "lead", "account")


def _writable(org: Org, username: str) -> set[int] | None:
    """Members a user may log for (None: all): what they may read, nobody for a viewer."""
    if org.users[username][0] == "viewer":
        return set()
    seen = org.readable(username)
    return None if seen is None else seen[1]


def _allowed(web: Client, kind: str, members: set[int] | None) -> set[int]:
    """Ids of ``kind`` the log accepts for these members, by plain SQL."""
    if kind in ("deal", "lead"):
        rows = web.sql(f"SELECT id, owner_id FROM {kind}s")
        return {int(i) for i, o in rows if members is None or o in members}
    if members is None:
        return {int(r[0]) for r in web.sql("SELECT id FROM accounts")}
    owners = ",".join(str(m) for m in members) or "NULL"
    rows = web.sql(
        f"SELECT account_id FROM deals WHERE owner_id IN ({owners}) "
        f"UNION SELECT account_id FROM leads WHERE owner_id IN ({owners})"
    )
    return {int(r[0]) for r in rows if r[0] is not None}


def _foreign(web: Client, kind: str, members: set[int] | None) -> int | None:
    """An existing id of ``kind`` outside the user's reach (None: the user reaches all)."""
    everything = _allowed(web, kind, None)
    outside = sorted(everything - _allowed(web, kind, members))
    return outside[0] if outside else None


@pytest.mark.parametrize("username", WRITERS)
def test_the_picker_offers_only_what_the_user_may_write(web: Client, username: str) -> None:
    org = read_org(web.store)
    members = _writable(org, username)
    web.login(username)
    for kind in KINDS:
        allowed = _allowed(web, kind, members)
        r = web.get("/api/activities/targets", params={"kind": kind, "q": "", "limit": 50})
        assert r.status_code == 200, (username, kind, r.text[:200])
        got = [c["id"] for c in r.json()["targets"]]
        assert set(got) <= allowed, (username, kind, sorted(set(got) - allowed)[:5])
        assert len(got) == min(50, len(allowed))
        foreign = _foreign(web, kind, members)
        if foreign is None:
            continue
        # searched by its id or by its name, a foreign row is never offered
        r = web.get("/api/activities/targets", params={"kind": kind, "q": str(foreign)})
        assert foreign not in [c["id"] for c in r.json()["targets"]]
        table = "accounts" if kind == "account" else f"{kind}s"
        name_sql = (
            "SELECT a.name FROM accounts a WHERE a.id = :i"
            if kind != "deal"
            else "SELECT coalesce(d.name, '') FROM deals d WHERE d.id = :i"
        )
        if kind == "lead":
            name_sql = "SELECT a.name FROM leads l JOIN accounts a ON a.id = l.account_id WHERE l.id = :i"
        rows = web.sql(name_sql, i=foreign)
        assert table
        if rows and rows[0][0]:
            r = web.get("/api/activities/targets", params={"kind": kind, "q": rows[0][0], "limit": 50})
            assert foreign not in [c["id"] for c in r.json()["targets"]], (username, kind, foreign)
            assert all(c["id"] in allowed for c in r.json()["targets"])


def test_the_picker_folds_width_and_case(web: Client) -> None:
    web.login("rep001")
    member = web.sql("SELECT member_id FROM users WHERE username = 'rep001'")[0][0]
    names = [
        str(r[0])
        for r in web.sql("SELECT name FROM deals WHERE owner_id = :m AND name IS NOT NULL", m=member)
    ]
    assert names
    ascii_word = next(w for n in names for w in re.findall(r"[A-Za-z]{3,}", n))
    wide = "".join(chr(ord(c) + 0xFEE0) for c in ascii_word.lower())  # ｓｆａ: full width, lower case
    expected = {
        int(r[0])
        for r in web.sql("SELECT id, name FROM deals WHERE owner_id = :m", m=member)
        if r[1] and ascii_word.lower() in unicodedata.normalize("NFKC", r[1]).lower()
    }
    r = web.get("/api/activities/targets", params={"kind": "deal", "q": wide, "limit": 50})
    got = {c["id"] for c in r.json()["targets"]}
    assert got and got <= expected and len(got) == min(50, len(expected))


def test_viewers_and_strangers_get_no_candidates(web: Client) -> None:
    web.login(None)
    r = web.get("/api/activities/targets", params={"kind": "deal"})
    assert r.status_code == 401 and "targets" not in r.text
    web.login("viewer")
    r = web.get("/api/activities/targets", params={"kind": "deal"})
    assert r.status_code == 403 and "targets" not in r.text
    r = web.get("/api/activities/targets", params={"kind": "contract"})
    assert r.status_code in (403, 422) and "targets" not in r.text


@pytest.mark.parametrize("username", ("manager", "west", "rep001", "partner", "viewer"))
def test_a_foreign_or_unknown_id_is_refused_and_nothing_is_stored(web: Client, username: str) -> None:
    org = read_org(web.store)
    members = _writable(org, username)
    web.login(username)
    own = org.users[username][2]
    who = {"member_id": own if own is not None else min(members or {0}) or ""}  # one they may log for
    before = web.sql("SELECT count(*) FROM activities")[0][0]
    for kind in KINDS:
        for rid in (_foreign(web, kind, members), 99_999_999):
            if rid is None:
                continue
            body = {"type": "visit", "outcome": "completed", f"{kind}_id": rid, **who}
            r = web.post("/api/activities", json=body)
            if username == "viewer":
                assert r.status_code == 403, r.text[:200]
                continue
            assert r.status_code == 422, (username, kind, rid, r.status_code, r.text[:200])
            assert r.json()["codes"] == {f"{kind}_id": f"unknown_{kind}"}
            # the form too: a message next to the picker, no silent acceptance
            form = {
                "type": "visit",
                "outcome": "completed",
                f"{kind}_id": str(rid),
                "target_text": "x",
                **who,
            }
            page = web.post("/log", data=form)
            assert page.status_code == 422 and 'data-testid="error-' + kind + '_id"' in page.text
    # a name typed but nothing picked from the list is refused too
    if username != "viewer":
        page = web.post(
            "/log", data={"type": "visit", "outcome": "completed", "target_text": "なにか", **who}
        )
        assert page.status_code == 422 and 'data-testid="error-target_text"' in page.text
    assert web.sql("SELECT count(*) FROM activities")[0][0] == before


@pytest.fixture
def clocked(sec_db: Path) -> Iterator[tuple[Client, FixedClock]]:
    clock = FixedClock("2026-11-20T10:00:00")
    with TestClient(make_app(sec_db, clock=clock)) as client:
        yield Client(client), clock


def test_undo_only_own_last_entry_within_ten_minutes(clocked: tuple[Client, FixedClock]) -> None:
    web, clock = clocked
    web.login("rep001")
    deal = web.get("/api/activities/targets", params={"kind": "deal"}).json()["targets"][0]["id"]
    r = web.post(
        "/api/activities",
        json={"type": "visit", "outcome": "completed", "deal_id": deal, "idempotency_key": "k1"},
    )
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    assert web.sql("SELECT deal_id FROM activities WHERE id = :i", i=first) == [(deal,)]
    # someone else (even an admin, even a manager of the rep) cannot undo it with the same key
    for other in ("admin", "manager", "west", "partner", "viewer"):
        web.login(other)
        r = web.post(f"/api/activities/{first}/undo", json={"idempotency_key": "k1"})
        assert r.status_code in (403, 404), (other, r.status_code)
        assert "visit" not in r.text and str(deal) not in r.text
    assert web.sql("SELECT count(*) FROM activities WHERE id = :i", i=first) == [(1,)]
    web.login("rep001")
    r = web.post(f"/api/activities/{first}/undo", json={"idempotency_key": "wrong"})
    assert r.status_code == 404
    # a second entry makes the first one no longer the last
    r = web.post("/api/activities", json={"type": "call", "outcome": "no_answer", "idempotency_key": "k2"})
    second = r.json()["id"]
    r = web.post(f"/api/activities/{first}/undo", json={"idempotency_key": "k1"})
    assert r.status_code == 409 and r.json()["error"] == "undo_not_last"
    # the last one: undone, audited
    version = web.sql("SELECT version FROM data_version WHERE id = 1")[0][0]
    r = web.post(f"/api/activities/{second}/undo", json={"idempotency_key": "k2"})
    assert r.status_code == 200, r.text
    assert web.sql("SELECT count(*) FROM activities WHERE id = :i", i=second) == [(0,)]
    assert web.sql("SELECT version FROM data_version WHERE id = 1")[0][0] > version
    trail = web.sql("SELECT actor, row_key, before_json FROM audit_log WHERE action = 'activity_undone'")
    assert [(a, k) for a, k, _ in trail] == [("rep001", str(second))] and "no_answer" in trail[0][2]
    # undone twice: nothing left to undo
    assert web.post(f"/api/activities/{second}/undo", json={"idempotency_key": "k2"}).status_code == 404
    # now the first is the last again, but 11 minutes have passed
    clock.set("2026-11-20T10:11:00")
    r = web.post(f"/api/activities/{first}/undo", json={"idempotency_key": "k1"})
    assert r.status_code == 409 and r.json()["error"] == "undo_too_late"
    assert web.sql("SELECT count(*) FROM activities WHERE id = :i", i=first) == [(1,)]


@pytest.mark.parametrize("username", (None, "admin", "manager", "west", "rep001", "partner", "viewer"))
def test_my_activity_is_only_ever_ones_own(web: Client, username: str | None) -> None:
    """/api/home/activity and its HTML block: the signed-in user's own member or nothing."""
    org = read_org(web.store)
    web.login(username)
    r = web.get("/api/home/activity")
    block = web.get("/home/activity", follow_redirects=False)
    if username is None:
        assert r.status_code == 401 and block.status_code in (303, 401)
        assert "kpis" not in r.text and "my-activity" not in block.text
        return
    assert r.status_code == 200 and block.status_code == 200
    own = org.users[username][2]
    body = r.json()
    assert body["member_id"] == own
    if own is None:
        assert body["kpis"] == [] and 'data-testid="my-activity"' not in block.text
        return
    # the counts are the member's own: plain SQL on the activities table for this month
    if username == "rep001":  # a field rep: a visits target
        assert "visits" in [k["node"] for k in body["kpis"]]
    start = date.fromisoformat(body["period"] + "-01")
    end = (start + timedelta(days=32)).replace(day=1)
    for k in body["kpis"]:
        kind = {
            "visits": "type = 'visit'",
            "calls": "type = 'call'",
            "appointments": "outcome = 'appointment'",
        }
        if k["node"] in kind:
            n = web.sql(
                f"SELECT count(*) FROM activities WHERE member_id = :m AND {kind[k['node']]} "
                "AND occurred_at >= :s AND occurred_at < :e",
                m=own,
                s=start,
                e=end,
            )[0][0]
            assert k["actual"] == n, (username, k)
    others = {n for m, n in org.member_names.items() if m != own and len(n) > 2}
    assert not [n for n in others if n in block.text]


def test_the_undo_form_refuses_without_data(web: Client) -> None:
    web.login("rep001")
    r = web.post("/log", data={"type": "call", "outcome": "connected", "idempotency_key": "f1"})
    assert r.status_code == 201
    rid = web.sql("SELECT max(id) FROM activities WHERE source = 'rashinban'")[0][0]
    web.login("manager")
    r = web.post("/log/undo", data={"activity_id": str(rid), "undo_key": "f1"})
    assert r.status_code == 404 and 'data-testid="log-undone"' not in r.text
    assert web.sql("SELECT count(*) FROM activities WHERE id = :i", i=rid) == [(1,)]
    web.login("viewer")
    assert web.post("/log/undo", data={"activity_id": str(rid), "undo_key": "f1"}).status_code == 403
    web.login("rep001")
    r = web.post("/log/undo", data={"activity_id": str(rid), "undo_key": "f1"})
    assert r.status_code == 200 and 'data-testid="log-undone"' in r.text
    assert web.sql("SELECT count(*) FROM activities WHERE id = :i", i=rid) == [(0,)]
