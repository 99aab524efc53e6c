"""Two uvicorn workers on one PostgreSQL store behave as one server.

``rashinban serve --workers 2`` on a fresh demo database, with no ``RASHINBAN_SECRET``:

* requests really are served by two processes (told apart by the kernel, see
  :class:`tests.live.server.Pinned`);
* a session signed in on worker A is signed in on worker B, and B accepts A's CSRF token;
  an API token made by ``rashinban users token`` while the server runs works on both;
* a change written through A is seen through B within a second — with B's caches warm on
  the old value first, so a cache not keyed on the data version fails the test.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.live.server import (
    PERIOD,
    Pinned,
    Server,
    cli,
    demo_store,
    login,
    note,
    poll_until,
    serving,
)

pytestmark = pytest.mark.postgres

VISIBLE_WITHIN = 1.0  # seconds


@dataclass
class Two:
    server: Server
    db: str
    a: int  # worker pids
    b: int
    spread: Counter[int]  # fresh connections per worker


@pytest.fixture(scope="module")
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh database for this module's server (``pg_url`` is per test; the server and its
    demo data are shared by the module's tests), dropped at the end."""
    import psycopg

    name = f"rashinban_test_live_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_server.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def two(pg_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Two]:
    folder = tmp_path_factory.mktemp("two_workers")
    demo_store(pg_database, folder)
    with serving(pg_database, folder, workers=2) as server:
        spread = _spread(server)
        assert len(spread) == 2, f"one process answered every fresh connection: {dict(spread)}"
        a, b = sorted(spread)
        with ThreadPoolExecutor(2) as pool:  # both at once: a worker's first dashboard is slow
            list(pool.map(lambda pid: _warm(server, pid), (a, b)))
        yield Two(server, pg_database, a, b, spread)


def _warm(server: Server, pid: int) -> None:
    """The worker computes its first dashboards (its caches, not this test's subject)."""
    client = Pinned(server, pid)
    try:
        login(client, "admin")
        for path in (f"/api/home?period={PERIOD}", f"/api/teams?period={PERIOD}"):
            assert client.get(path).status_code == 200
    finally:
        client.close()


def _spread(server: Server, tries: int = 200) -> Counter[int]:
    """Fresh TCP connections (no keep-alive) until both workers have answered."""
    seen: Counter[int] = Counter()
    for _ in range(tries):
        with httpx.Client(base_url=server.url, timeout=10) as client:
            r = client.get("/login")
            assert r.status_code == 200
            seen[server.worker_of(r)] += 1
        if len(seen) >= 2 and sum(seen.values()) >= 20:
            break
    return seen


@dataclass
class Admin:
    """The admin signed in on worker A; B sends the same session cookie."""

    a: Pinned
    b: Pinned
    csrf: str  # the session's CSRF token, read from a page worker A rendered

    def writes(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


@pytest.fixture(scope="module")
def admin(two: Two) -> Iterator[Admin]:
    a = Pinned(two.server, two.a)
    b = Pinned(two.server, two.b)
    try:
        csrf = login(a, "admin")
        b.cookies.update(a.cookies)
        yield Admin(a, b, csrf)
    finally:
        a.close()
        b.close()


def test_requests_are_served_by_two_processes(two: Two) -> None:
    # two pids, both children of `rashinban serve` (uvicorn's workers), neither the server itself
    assert len(two.spread) == 2 and set(two.spread) <= set(two.server.workers())
    assert two.server.proc.pid not in two.spread
    note(f"two workers: fresh connections answered per worker pid {dict(two.spread)}")


def test_a_session_from_one_worker_is_signed_in_on_the_other(two: Two, admin: Admin) -> None:
    for path in ("/", "/log", "/planning", f"/api/home?period={PERIOD}"):
        r = admin.b.get(path)
        assert r.status_code == 200, f"{path} on worker B: {r.status_code} {r.headers.get('location')}"
    assert 'data-testid="current-user"' in admin.b.get("/").text
    # a CSRF-protected POST through B with the token A put in its page
    preview = {"values": {"revenue": "5000万"}}
    r = admin.b.post("/api/planning/preview", json=preview, headers=admin.writes())
    assert r.status_code == 200 and r.json()["kgi_target"] == 50_000_000, r.text
    # …and B does check it
    assert admin.b.post("/api/planning/preview", json=preview).status_code == 403
    bad = {"X-CSRF-Token": admin.csrf[:-2] + "xx"}
    assert admin.b.post("/api/planning/preview", json=preview, headers=bad).status_code == 403
    # without the cookie B sends the visitor to the login page
    anon = Pinned(two.server, two.b)
    try:
        assert anon.get("/").status_code == 303  # no cookie: to the login page
    finally:
        anon.close()
    # one signing key, made by whichever worker asked first, kept in the store
    import psycopg

    from rashinban.store.secrets import SIGNING_KEY

    with psycopg.connect(two.db) as conn:
        keys = conn.execute("SELECT count(*) FROM app_secrets WHERE key = %s", (SIGNING_KEY,)).fetchone()
    assert keys == (1,)


def test_a_sign_out_on_one_worker_ends_the_session_on_the_other(two: Two) -> None:
    """Each worker caches the session row (on the organisation and sessions versions): a
    sign-out through A must end the session on B at its next request, though B served it
    from its cache a moment before."""
    a, b = Pinned(two.server, two.a), Pinned(two.server, two.b)
    try:
        csrf = login(a, "manager")
        b.cookies.update(a.cookies)
        for _ in range(3):  # B's cache now holds the row
            assert b.get(f"/api/home?period={PERIOD}").status_code == 200
        r = a.post("/logout", data={"csrf_token": csrf})
        assert r.status_code in (302, 303), r.status_code
        assert b.get("/").status_code == 303  # to the login page
        assert b.get(f"/api/home?period={PERIOD}").status_code == 401
    finally:
        a.close()
        b.close()


def test_an_api_token_made_by_the_cli_works_on_both_workers(two: Two) -> None:
    # made while the server runs: both workers have warm organisation caches by now
    token = cli("users", "token", "admin", "--db", two.db, "--name", "live-tests").strip()
    assert token.startswith("rsb_") and "\n" not in token
    for pid in (two.a, two.b):
        client = Pinned(two.server, pid, headers={"Authorization": f"Bearer {token}"})
        wrong = Pinned(two.server, pid, headers={"Authorization": f"Bearer {token[:-3]}abc"})
        try:
            r = client.get(f"/api/home?period={PERIOD}")
            assert r.status_code == 200 and r.json()["scope"]["type"] == "company", (pid, r.status_code)
            assert client.get("/api/admin").status_code == 200
            assert wrong.get(f"/api/home?period={PERIOD}").status_code == 401
        finally:
            client.close()
            wrong.close()


# changes through A, seen through B ------------------------------------------------------------
@dataclass
class Change:
    """Read a value through a worker; write through a worker; is the written value seen?"""

    read: Callable[[Pinned], Any]
    write: Callable[[Admin, Any], Any]  # (admin, value before) -> the value expected after


def _home_kgi(client: Pinned) -> dict[str, Any]:
    r = client.get(f"/api/home?period={PERIOD}")
    assert r.status_code == 200, r.text
    kgi: dict[str, Any] = r.json()["kgi"]
    return kgi


def _team_names(client: Pinned) -> dict[int, str]:
    r = client.get(f"/api/teams?period={PERIOD}")
    assert r.status_code == 200, r.text
    return {t["team"]["id"]: t["team"]["name"] for t in r.json()["teams"]}


def _rename(admin: Admin, before: dict[int, str]) -> dict[int, str]:
    team_id = sorted(before)[1]
    name = f"{before[team_id].split(' #', 1)[0]} #{uuid.uuid4().hex[:6]}"
    r = admin.a.post(f"/api/admin/teams/{team_id}", json={"name": name}, headers=admin.writes())
    assert r.status_code == 200, r.text
    return {**before, team_id: name}


def _pace(client: Pinned) -> float:
    return float(_home_kgi(client)["pace"])


def _holidays(admin: Admin, before: float) -> Callable[[float], bool]:
    # the rest of October's business days (the clock stands on 2026-10-20) become holidays:
    # fewer business days in the month, so the pace changes
    days = admin.a.get("/api/admin").json()["company_holidays"]
    items = [] if "2026-10-26" in days else ["2026-10-26..2026-10-30"]
    r = admin.a.put("/api/admin/holidays", json={"items": items}, headers=admin.writes())
    assert r.status_code == 200, r.text
    return lambda pace: abs(pace - before) > 1e-9


def _target(client: Pinned) -> float:
    return float(_home_kgi(client)["target"])


def _save_target(admin: Admin, before: float) -> float:
    new = int(before) + 1_234_567
    body = {"values": {"revenue": str(new)}, "period": PERIOD, "reason": "live: two workers"}
    r = admin.a.post("/api/planning/save", json=body, headers=admin.writes())
    assert r.status_code == 200 and r.json()["saved"] > 0, r.text
    return float(new)


REP = 1  # member id of rep001


def _calls(client: Pinned) -> float:
    r = client.get(f"/api/tree?period={PERIOD}&scope=member:{REP}")
    assert r.status_code == 200, r.text
    return float(next(n["actual"] for n in r.json()["nodes"] if n["id"] == "calls"))


def _log_call(admin: Admin, before: float) -> float:
    body = {"type": "call", "outcome": "connected", "member_id": REP}
    r = admin.a.post("/api/activities", json=body, headers=admin.writes())
    assert r.status_code == 201 and r.json()["occurred_at"].startswith(PERIOD), r.text
    return before + 1


CHANGES = {
    "team rename": Change(_team_names, _rename),
    "company holidays": Change(_pace, _holidays),
    "target save": Change(_target, _save_target),
    "activity": Change(_calls, _log_call),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_change_through_one_worker_is_seen_by_the_other_within_a_second(admin: Admin, kind: str) -> None:
    change = CHANGES[kind]
    before = change.read(admin.b)  # B computes and caches the old value…
    assert change.read(admin.b) == before  # …and serves it again
    expected = change.write(admin, before)
    seen: Callable[[Any], bool] = expected if callable(expected) else (lambda value: value == expected)
    latency, reads, last = poll_until(lambda: change.read(admin.b), seen, VISIBLE_WITHIN)
    assert latency <= VISIBLE_WITHIN, f"{kind}: worker B still shows {last!r} after {VISIBLE_WITHIN}s"
    note(
        f"two workers: {kind} written through A, seen through B after {latency * 1000:.0f} ms "
        f"(read #{reads} after the write returned)"
    )
