"""A live ``rashinban serve`` on small demo data, and Debian's chromium driven by Playwright.

* ``live`` (session): demo data generated into a temporary DuckDB file, an API token for the
  admin, then ``python -m rashinban serve`` on a free loopback port; killed at the end.
* ``browser`` (session): /usr/bin/chromium (Playwright's own browser download is not used).
  Missing chromium skips locally and fails under RASHINBAN_REQUIRE_ALL=1.
* ``page`` / ``phone`` : a fresh context per test (desktop 1280×900 / phone 375×812), Japanese
  by default; the test's last state is saved to artifacts/screenshots/<test>.png.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text as sa_text

from tests.conftest import ROOT, unavailable

CHROMIUM = Path(os.environ.get("RASHINBAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "rashinban-demo"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
START_TIMEOUT = 60.0

pytestmark = pytest.mark.browser


@dataclass
class Live:
    """The running server and what the tests need to know about its data."""

    url: str
    db: Path
    token: str  # API token of the admin user
    log: Path  # the server's output
    teams: dict[str, int] = field(default_factory=dict)  # external id -> id
    members: dict[str, int] = field(default_factory=dict)  # external id -> id
    users: dict[str, dict[str, object]] = field(default_factory=dict)  # username -> row


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _read_ids(db: Path) -> tuple[dict[str, int], dict[str, int], dict[str, dict[str, object]]]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        teams = {ext: tid for tid, ext in con.execute("select id, external_id from teams").fetchall()}
        members = {ext: mid for mid, ext in con.execute("select id, external_id from members").fetchall()}
        cols = ["id", "username", "role", "member_id", "team_id"]
        users = {
            row[1]: dict(zip(cols, row, strict=True))
            for row in con.execute(f"select {', '.join(cols)} from users").fetchall()
        }
    finally:
        con.close()
    return teams, members, users


def _make_token(db: Path) -> str:
    """An API token for ``admin`` (what ``rashinban users token admin`` does), made before the
    server opens the DuckDB file (one process at a time may write to it)."""
    from rashinban.service import Rashinban

    with Rashinban.for_cli(str(db), lang="en") as svc:
        return svc.accounts.create_token("admin", "browser-tests")


def live_sql(live: Live, tmp: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    """``query`` on a copy of the server's store as it is now (the server holds the file's lock):
    the independent side of the browser tests' checks."""
    import duckdb

    copy = tmp / f"live-copy-{len(list(tmp.glob('live-copy-*.duckdb')))}.duckdb"
    shutil.copyfile(live.db, copy)
    wal = live.db.with_name(live.db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    con = duckdb.connect(str(copy))
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def live_team_members(live: Live, tmp: Path, team: int) -> list[int]:
    """The members of ``team`` and of every team below it, by plain SQL on the live store."""
    rows = live_sql(
        live,
        tmp,
        "WITH RECURSIVE sub(id) AS (SELECT ?::BIGINT UNION"
        " SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id)"
        " SELECT m.id FROM members m JOIN sub ON m.team_id = sub.id",
        team,
    )
    return sorted(int(r[0]) for r in rows)


def _choose_japanese(db: Path) -> None:
    """The demo's users have chosen no language (their first sign-in takes the browser's).  The
    browser tests sign them in from Japanese and English browsers in any order, so each is given
    Japanese as their choice first, as a Japanese team would have it; tests/browser/test_english.py
    signs a user with no choice in for the first sign-in."""
    from rashinban.store import Store
    from rashinban.store.users import set_locale_if_unset

    store = Store.open(str(db))
    try:
        with store.engine.connect() as conn:
            ids = [row[0] for row in conn.execute(sa_text("select id from users"))]
        for user_id in ids:
            set_locale_if_unset(store, user_id, "ja")
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    db = folder / "demo.duckdb"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "RASHINBAN_SECRET": "browser-tests-secret"}
    env.pop("RASHINBAN_DB", None)
    gen = subprocess.run(
        [sys.executable, "-m", "rashinban", "demo", "generate", "--scale", "small", "--db", str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert gen.returncode == 0, f"demo generate failed:\n{gen.stdout}\n{gen.stderr}"
    _choose_japanese(db)
    token = _make_token(db)
    teams, members, users = _read_ids(db)
    port = _free_port()
    log = (folder / "serve.log").open("w")
    serve = ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rashinban", *serve],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                output = (folder / "serve.log").read_text()
                pytest.fail(f"rashinban serve exited ({proc.returncode}):\n{output}")
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"rashinban serve did not answer in {START_TIMEOUT:.0f}s")
            time.sleep(0.2)
        yield Live(url, db, token, folder / "serve.log", teams, members, users)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} missing (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # pragma: no cover - dev dependency
        unavailable(f"playwright not installed: {e}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _server_log_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failed test shows the tail of the server's output (tracebacks of 500s land there)."""
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed and "live" in request.fixturenames:
        live: Live = request.getfixturevalue("live")
        tail = live.log.read_text(errors="replace")[-6000:] if live.log.exists() else ""
        request.node.add_report_section("call", "rashinban serve", tail)


def _shot_name(nodeid: str) -> str:
    name = nodeid.split("::", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def _context(browser: object, live: Live, viewport: dict[str, int], locale: str = "ja-JP") -> object:
    ctx = browser.new_context(  # type: ignore[attr-defined]
        base_url=live.url,
        viewport=viewport,
        locale=locale,
        extra_http_headers={"Accept-Language": "ja,en;q=0.5" if locale.startswith("ja") else "en"},
    )
    ctx.set_default_timeout(10_000)
    return ctx


def _page_fixture(request: pytest.FixtureRequest, browser: object, live: Live, viewport: dict[str, int]):
    ctx = _context(browser, live, viewport)
    page = ctx.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # the test's own failure matters more than a missing screenshot
        with contextlib.suppress(Exception):
            page.screenshot(path=str(SCREENSHOTS / f"{_shot_name(request.node.nodeid)}.png"), full_page=True)
        ctx.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: object, live: Live) -> Iterator[object]:
    yield from _page_fixture(request, browser, live, DESKTOP)


@pytest.fixture
def phone(request: pytest.FixtureRequest, browser: object, live: Live) -> Iterator[object]:
    yield from _page_fixture(request, browser, live, PHONE)


def login(page: object, username: str, password: str = PASSWORD, next_path: str = "/") -> None:
    """Sign in through the login form and wait for the signed-in page."""
    page.goto(f"/login?next={next_path}")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("form[action='/login'] button[type=submit]")  # type: ignore[attr-defined]
    page.get_by_test_id("current-user").wait_for()  # type: ignore[attr-defined]


def shoot(page: object, name: str) -> Path:
    """Save a named screenshot of the whole page under artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def api_client(live: Live, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token or live.token}"}
    return httpx.Client(base_url=live.url, headers=headers, timeout=30)


@contextlib.contextmanager
def session_client(live: Live, username: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """An httpx client signed in with the session cookie (as the browser is)."""
    with httpx.Client(base_url=live.url, timeout=30, follow_redirects=False) as client:
        form = client.get("/login").text
        match = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert match, "no CSRF token on the login form"
        r = client.post("/login", data={"username": username, "password": password, "csrf_token": match[1]})
        assert r.status_code == 303, r.text
        yield client


def copy_to_docs(src: Path, name: str) -> None:
    """README screenshots: docs/screenshots/<name> (kept small)."""
    dest = ROOT / "docs" / "screenshots" / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


_KEY_RE = None


def untranslated(text: str) -> list[str]:
    """Catalogue keys (``web.nav_home``) that leaked into a page's text instead of their texts."""
    global _KEY_RE  # noqa: PLW0603 - built once from the catalogue
    if _KEY_RE is None:
        from rashinban.i18n import catalogue

        sections = "|".join(sorted(re.escape(k) for k in catalogue("en")))
        _KEY_RE = re.compile(rf"\b(?:{sections})\.[a-z][a-z0-9_]*\b")
    return sorted(set(_KEY_RE.findall(text)))


def assert_translated(page: object) -> None:
    text = page.inner_text("body")  # type: ignore[attr-defined]
    leaked = untranslated(text)
    assert not leaked, f"untranslated catalogue keys on {page.url}: {leaked}"  # type: ignore[attr-defined]


_STATES: dict[str, dict[str, object]] = {}


def signed_in_page(browser: object, live: Live, username: str, viewport: dict[str, int] = DESKTOP):
    """A new desktop context already signed in as ``username`` (one form login per user and
    session; later contexts reuse its cookies).  Close its context when done."""
    if username not in _STATES:
        ctx = _context(browser, live, viewport)
        page = ctx.new_page()  # type: ignore[attr-defined]
        login(page, username)
        _STATES[username] = ctx.storage_state()  # type: ignore[attr-defined]
        ctx.close()  # type: ignore[attr-defined]
    ctx = browser.new_context(  # type: ignore[attr-defined]
        base_url=live.url,
        viewport=viewport,
        locale="ja-JP",
        extra_http_headers={"Accept-Language": "ja,en;q=0.5"},
        storage_state=_STATES[username],
    )
    ctx.set_default_timeout(10_000)
    return ctx.new_page()
