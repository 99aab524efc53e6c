"""Activity quick log: writes, idempotency, concurrency, scopes, CSRF, validation."""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

from rashinban.store import Store
from rashinban.store.activities import count_activities
from rashinban.store.users import find_user
from tests.svc import facade

from .conftest import Web


def _store(web: Web) -> Store:
    store: Store = web.client.app.state.store  # type: ignore[attr-defined]
    return store


def _calls(web: Web, member_id: int) -> Fraction | None:
    store = _store(web)
    model = web.client.app.state.settings.model  # type: ignore[attr-defined]
    report = facade(store).tracking.status(model)
    row = next(
        r for r in report.rows if r.scope_type == "member" and r.scope_id == member_id and r.node == "calls"
    )
    return row.actual


def test_logged_call_counts_at_once(web: Web) -> None:
    web.login("rep001")
    user = find_user(_store(web), "rep001")
    assert user is not None and user.member_id is not None
    before = _calls(web, user.member_id) or Fraction(0)
    r = web.post("/api/activities", json={"type": "call", "outcome": "connected"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["member_id"] == user.member_id and body["created"] is True
    assert body["logged_at"] is not None and len(body["external_id"]) == 36
    assert _calls(web, user.member_id) == before + 1
    mine = web.client.get("/api/activities?mine=true").json()["activities"]
    assert mine[0]["id"] == body["id"]


def test_quick_log_form_in_two_taps(web: Web) -> None:
    web.login("rep002")
    page = web.client.get("/log")
    assert page.status_code == 200
    for ty in ("call", "email", "visit", "web_meeting"):
        assert f'data-testid="log-type-{ty}"' in page.text
    outcomes = web.client.get("/log/outcomes?type=call")
    assert 'data-testid="log-outcome-connected"' in outcomes.text
    r = web.post(
        "/log",
        data={"type": "call", "outcome": "appointment", "idempotency_key": "tap-1"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 201 and 'data-testid="log-saved"' in r.text


def test_retry_with_the_same_key_is_stored_once(web: Web) -> None:
    web.login("rep001")
    store = _store(web)
    before = count_activities(store)
    first = web.post(
        "/api/activities", json={"type": "email", "outcome": "sent"}, headers={"Idempotency-Key": "k-1"}
    )
    again = web.post(
        "/api/activities", json={"type": "email", "outcome": "sent"}, headers={"Idempotency-Key": "k-1"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert count_activities(store) == before + 1
    other = web.post(
        "/api/activities", json={"type": "email", "outcome": "sent"}, headers={"Idempotency-Key": "k-2"}
    )
    assert other.status_code == 201 and count_activities(store) == before + 2


def test_concurrent_writes_are_all_stored(web: Web) -> None:
    store = _store(web)
    user = find_user(store, "rep003")
    svc = facade(store, user)
    before = count_activities(store)
    acked: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        for j in range(25):
            row = svc.activities.log({"type": "call", "outcome": "no_answer"}, f"c-{i}-{j}")
            assert row.created
            with lock:
                acked.append(row.id)
        # a retry of an acknowledged write changes nothing
        svc.activities.log({"type": "call", "outcome": "no_answer"}, f"c-{i}-0")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(acked) == 300 and len(set(acked)) == 300
    assert count_activities(store) == before + 300


def test_csrf_is_required(web: Web) -> None:
    web.login("rep001")
    r = web.client.post("/api/activities", json={"type": "call", "outcome": "connected"})
    assert r.status_code == 403
    r = web.client.post("/log", data={"type": "call", "outcome": "connected"})
    assert r.status_code == 403


def test_scopes(web: Web) -> None:
    store = _store(web)
    admin = facade(store, find_user(store, "admin"))
    admin.admin.create_user(
        {"username": "client1", "password": "viewer-pass-1", "role": "viewer", "team_id": "6"}
    )
    web.login("client1", "viewer-pass-1")
    r = web.post("/api/activities", json={"type": "call", "outcome": "connected", "member_id": 10})
    assert r.status_code == 403
    assert 'data-testid="log-read-only"' in web.client.get("/log").text

    web.login("partner")
    agency_member = 10  # rep010 is in the agency team
    assert (
        web.post("/api/activities", json={"type": "call", "outcome": "connected", "member_id": 1}).status_code
        == 403
    )
    ok = web.post(
        "/api/activities", json={"type": "call", "outcome": "connected", "member_id": agency_member}
    )
    assert ok.status_code == 201, ok.text

    web.login("rep001")
    assert (
        web.post("/api/activities", json={"type": "call", "outcome": "connected", "member_id": 2}).status_code
        == 403
    )

    web.login("manager")  # 東日本営業部 and its sub-team 東京第一課 (reps 1-3)
    assert (
        web.post(
            "/api/activities", json={"type": "visit", "outcome": "completed", "member_id": 2}
        ).status_code
        == 201
    )
    assert (
        web.post(
            "/api/activities", json={"type": "visit", "outcome": "completed", "member_id": 4}
        ).status_code
        == 403
    )


def test_field_errors(web: Web) -> None:
    web.login("rep001")
    r = web.post(
        "/api/activities",
        json={
            "type": "fax",
            "outcome": "x",
            "occurred_at": "yesterday",
            "duration_minutes": "long",
            "note": "a" * 301,
        },
    )
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert set(fields) >= {"type", "occurred_at", "duration_minutes", "note"}
    r = web.post("/api/activities", json={"type": "call", "outcome": "opened"})
    assert r.status_code == 422 and "outcome" in r.json()["fields"]
    r = web.post(
        "/api/activities", json={"type": "call", "outcome": "connected", "occurred_at": "2999-01-01T10:00"}
    )
    assert r.status_code == 422 and "occurred_at" in r.json()["fields"]
    r = web.post("/api/activities", json={"type": "call", "outcome": "connected", "member_id": 99999})
    assert r.status_code == 422 and "member_id" in r.json()["fields"]
    page = web.post("/log", data={"type": "call", "outcome": "nope", "occurred_at": "x"})
    assert page.status_code == 422
    assert 'data-testid="error-outcome"' in page.text and 'data-testid="error-occurred_at"' in page.text


def test_malformed_requests_never_500(web: Web) -> None:
    web.login("rep001")
    bodies: list[dict[str, Any]] = [
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        {"content": b"[1,2]", "headers": {"content-type": "application/json"}},
        {"json": {"type": None, "outcome": 5, "member_id": [1]}},
        {"json": {"type": "call", "outcome": "connected", "member_id": "1e99"}},
        {"json": {"type": "call\u0000", "outcome": "connected"}},
        {"content": b"\xff\xfe", "headers": {"content-type": "application/x-www-form-urlencoded"}},
    ]
    for kw in bodies:
        r = web.post("/api/activities", **kw)
        assert r.status_code in (400, 403, 422), (kw, r.status_code, r.text)
    for kw in bodies:
        r = web.post("/log", **kw)
        assert r.status_code < 500, (kw, r.status_code)
    assert web.client.get("/log/outcomes?type=<script>").status_code == 400
    assert web.client.get("/api/activities?limit=abc").status_code == 422


def test_ids_stay_unique_after_other_writers(web: Web) -> None:
    """The writer keeps its next id in memory; an import (any other writer) resets it."""
    import sqlalchemy as sa

    store = _store(web)
    svc = facade(store, find_user(store, "rep001"))
    first = svc.activities.log({"type": "call", "outcome": "connected"})
    with store.write() as conn:
        conn.execute(
            sa.text(
                "insert into activities (id, source, external_id, type, occurred_at) "
                "select max(id) + 1, 'other', 'o-1', 'call', current_timestamp from activities"
            )
        )
    middle = svc.activities.log({"type": "call", "outcome": "connected"})
    with store.engine.begin() as conn:  # even a writer that skips the lock only costs a retry
        conn.execute(
            sa.text(
                "insert into activities (id, source, external_id, type, occurred_at) "
                "select max(id) + 1, 'other', 'o-2', 'call', current_timestamp from activities"
            )
        )
    second = svc.activities.log({"type": "call", "outcome": "connected"})
    assert middle.id > first.id + 1
    assert second.created and second.id > middle.id + 1
    with store.engine.connect() as conn:
        total, distinct = conn.execute(sa.text("select count(*), count(distinct id) from activities")).one()
    assert total == distinct
