"""Server-side sessions: what ends a session ends it at once, a cookie never outlives its
session, and credentials are managed while the server runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rashinban.clock import FixedClock
from rashinban.web.security import COOKIE
from tests.security.conftest import PASSWORD, Client, make_app


def _signed_in(web: Client) -> bool:
    return web.get("/api/account").status_code == 200


def _with_cookie(web: Client, cookie: str) -> Client:
    web.client.cookies.clear()
    web.client.cookies.set(COOKIE, cookie)
    return web


def test_logout_ends_the_session_and_an_old_cookie_is_worth_nothing(web: Client) -> None:
    web.login("manager")
    stolen = web.client.cookies[COOKIE]
    assert _signed_in(web)
    assert web.post("/logout", data={"csrf_token": web.csrf}, follow_redirects=False).status_code == 303
    _with_cookie(web, stolen)
    assert web.get("/api/home").status_code == 401
    assert web.get("/", follow_redirects=False).headers["location"].startswith("/login")
    # /lang with the old cookie: an anonymous cookie at most, never a revived session
    r = web.get("/lang/ja?next=/", follow_redirects=False)
    assert r.status_code == 303
    fresh = r.cookies.get(COOKIE)
    assert fresh and fresh != stolen
    _with_cookie(web, fresh)
    assert not _signed_in(web)
    rows = web.sql(
        "SELECT revoked_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'manager'"
    )
    assert rows and all(r[0] is not None for r in rows)


def test_password_change_ends_every_other_session(web: Client) -> None:
    other = Client(TestClient(web.client.app))
    other.login("rep001")
    web.login("rep001")
    r = web.post("/api/account/password", json={"current_password": "wrong-one!", "new_password": "n" * 12})
    assert r.status_code == 422 and "current_password" in r.json()["fields"]
    r = web.post("/api/account/password", json={"current_password": PASSWORD, "new_password": "rep001"})
    assert r.status_code == 422 and "new_password" in r.json()["fields"]
    r = web.post(
        "/api/account/password", json={"current_password": PASSWORD, "new_password": "新しい合言葉-2026"}
    )
    assert r.status_code == 200, r.text
    assert _signed_in(web)  # this browser carries on in a new session
    assert not _signed_in(other)  # the other one is out
    assert other.sign_in("rep001").status_code == 401  # the old password is gone
    assert other.sign_in("rep001", "新しい合言葉-2026").status_code == 303
    hashes = web.sql("SELECT password_changed_at FROM users WHERE username = 'rep001'")
    assert hashes[0][0] is not None


@pytest.mark.parametrize("change", ["role", "team", "deactivate"])
def test_role_team_and_active_changes_end_sessions(web: Client, change: str) -> None:
    victim = Client(TestClient(web.client.app))
    victim.login("manager")
    assert _signed_in(victim)
    uid = web.sql("SELECT id FROM users WHERE username = 'manager'")[0][0]
    web.login("admin")
    body = {"role": {"role": "viewer"}, "team": {"team_id": 3}, "deactivate": {"active": False}}[change]
    assert web.post(f"/api/admin/users/{uid}", json=body).status_code == 200
    assert not _signed_in(victim)
    if change == "deactivate":  # reactivation does not bring the session back
        assert web.post(f"/api/admin/users/{uid}", json={"active": True}).status_code == 200
        assert not _signed_in(victim)


def test_deactivation_revokes_tokens(web: Client) -> None:
    web.login("admin")
    uid = web.sql("SELECT id FROM users WHERE username = 'partner'")[0][0]
    token = web.post(f"/api/admin/users/{uid}/tokens", json={"name": "script"}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.client.get("/api/home", headers=bearer).status_code == 200
    assert web.post(f"/api/admin/users/{uid}", json={"active": False}).status_code == 200
    assert web.client.get("/api/home", headers=bearer).status_code == 401
    assert web.post(f"/api/admin/users/{uid}", json={"active": True}).status_code == 200
    assert web.client.get("/api/home", headers=bearer).status_code == 401  # not revived


def test_admin_resets_a_password_and_revokes_tokens_while_the_server_runs(web: Client) -> None:
    victim = Client(TestClient(web.client.app))
    victim.login("rep002")
    web.login("admin")
    uid = web.sql("SELECT id FROM users WHERE username = 'rep002'")[0][0]
    made = web.post(f"/api/admin/users/{uid}/tokens", json={"name": "sync"})
    assert made.status_code == 201
    tid, token = made.json()["id"], made.json()["token"]
    listed = web.get(f"/api/admin/tokens?user_id={uid}").json()["tokens"]
    assert [t["id"] for t in listed] == [tid] and token not in str(listed)
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.client.get("/api/home", headers=bearer).status_code == 200
    assert web.post(f"/api/admin/tokens/{tid}/revoke").json() == {"revoked": 1}
    assert web.client.get("/api/home", headers=bearer).status_code == 401
    assert web.post(f"/api/admin/users/{uid}/password", json={"password": "short"}).status_code == 422
    assert (
        web.post(f"/api/admin/users/{uid}/password", json={"password": "reset-by-admin-1"}).status_code == 200
    )
    assert not _signed_in(victim)
    assert victim.sign_in("rep002", "reset-by-admin-1").status_code == 303
    assert web.post(f"/api/admin/users/{uid}/sessions/revoke").status_code == 200
    assert not _signed_in(victim)
    # the page does the same
    page = web.get("/admin/access")
    assert page.status_code == 200 and 'data-testid="access-users"' in page.text
    victim.login("manager")
    assert victim.get("/admin/access").status_code == 403
    assert victim.post(f"/api/admin/users/{uid}/password", json={"password": "x" * 12}).status_code == 403


@pytest.fixture
def timed(sec_db: Path) -> Iterator[tuple[Client, FixedClock]]:
    clock = FixedClock(datetime(2026, 11, 20, 1, 0, tzinfo=UTC))
    with TestClient(make_app(sec_db, clock, session_idle_minutes=30, session_hours=2)) as client:
        yield Client(client), clock


def test_idle_timeout_and_absolute_lifetime(timed: tuple[Client, FixedClock]) -> None:
    web, clock = timed
    web.login("viewer")
    clock.advance(timedelta(minutes=29))
    assert _signed_in(web)  # used: the idle clock starts again
    clock.advance(timedelta(minutes=29))
    assert _signed_in(web)
    clock.advance(timedelta(minutes=31))
    assert not _signed_in(web)  # idle too long
    web.login("viewer")
    for _ in range(4):  # busy all along, yet the session ends after 2 hours
        clock.advance(timedelta(minutes=25))
        assert _signed_in(web)
    clock.advance(timedelta(minutes=21))
    assert not _signed_in(web)
