"""The attack suite's fixtures: one small demo store per worker (plus a viewer of the agency
team and a manager of 西日本営業部), copied per test; a TestClient that signs in as anyone;
the organisation as SQL reads it (who may read what), independent of the product's code."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from rashinban.clock import FixedClock
from rashinban.store import Store
from rashinban.store.users import find_user
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.svc import facade, generate_demo

PASSWORD = "rashinban-demo"
ROLES = ("admin", "manager", "rep001", "partner", "viewer")


@pytest.fixture(scope="session")
def sec_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sec_demo")
    db = folder / "demo.duckdb"
    generate_demo(db, scale="small", months=3, seed=5, end_month="2026-11")
    store = Store.open(str(db))
    try:
        admin = find_user(store, "admin")
        agency = _scalar(store, "SELECT id FROM teams WHERE kind = 'agency' ORDER BY id LIMIT 1")
        west = _scalar(store, "SELECT id FROM teams WHERE name = '西日本営業部'")
        svc = facade(store, admin)
        svc.admin.create_user(
            {"username": "viewer", "password": PASSWORD, "role": "viewer", "team_id": agency}
        )
        svc.admin.create_user({"username": "west", "password": PASSWORD, "role": "manager", "team_id": west})
    finally:
        store.dispose()
    return db


def _scalar(store: Store, sql: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture
def sec_db(sec_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    shutil.copy(sec_template, db)
    shutil.copy(sec_template.with_name("demo.model.yaml"), tmp_path / "demo.model.yaml")
    return db


class Client:
    """A TestClient that signs in as anyone, with the CSRF token at hand."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""
        self.user: str | None = None

    @property
    def store(self) -> Store:
        store: Store = self.client.app.state.store  # type: ignore[attr-defined]
        return store

    def token(self) -> str:
        page = self.client.get("/login")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m, page.text[:300]
        self.csrf = m.group(1)
        return self.csrf

    def sign_in(self, username: str, password: str = PASSWORD, keep_cookies: bool = False) -> httpx.Response:
        if not keep_cookies:
            self.client.cookies.clear()
        token = self.token()
        r = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        if r.status_code == 303:
            page = self.client.get("/log")
            m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
            self.csrf = m.group(1) if m else ""
            self.user = username
        return r

    def login(self, username: str | None) -> Client:
        if username is None:
            self.client.cookies.clear()
            self.user = None
            self.token()
            return self
        r = self.sign_in(username)
        assert r.status_code == 303, (username, r.status_code, r.text[:300])
        return self

    def get(self, url: str, **kw: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, **kw)
        return response

    def post(self, url: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        headers.setdefault("X-CSRF-Token", self.csrf)
        response: httpx.Response = self.client.post(url, headers=headers, **kw)
        return response

    def sql(self, query: str, **params: Any) -> list[Any]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params).all())


def make_app(db: Path, clock: FixedClock | None = None, jobs: bool = False, **settings: Any) -> Any:
    ws = WebSettings(
        db=str(db), model=str(db.with_name("demo.model.yaml")), secret_key="s" * 32, jobs=jobs, **settings
    )
    return create_app(ws, clock=clock)


@pytest.fixture
def web(sec_db: Path) -> Iterator[Client]:
    with TestClient(make_app(sec_db)) as client:
        yield Client(client)


# the organisation, read with plain SQL ------------------------------------------------------
@dataclass(frozen=True)
class Org:
    team_parent: dict[int, int | None]
    team_names: dict[int, str]
    member_team: dict[int, int | None]
    member_names: dict[int, str]
    agency: frozenset[int]
    users: dict[str, tuple[str, int | None, int | None]]  # username -> (role, team_id, member_id)

    def subtree(self, team: int) -> set[int]:
        out = {team}
        grew = True
        while grew:
            grew = False
            for t, p in self.team_parent.items():
                if p in out and t not in out:
                    out.add(t)
                    grew = True
        return out

    def readable(self, username: str) -> tuple[set[int], set[int]] | None:
        """(teams, members) a user may read; None: everything (admins)."""
        role, team, member = self.users[username]
        if role == "admin":
            return None
        if role == "member":
            own = self.member_team.get(member) if member is not None else None
            return ({own} if own is not None else set()), ({member} if member is not None else set())
        if team is None or (role == "partner" and team not in self.agency):
            return set(), set()
        teams = self.subtree(team)
        return teams, {m for m, t in self.member_team.items() if t in teams}

    def foreign_names(self, username: str) -> set[str]:
        """Names of teams and members the user may not read (long enough to be telling)."""
        seen = self.readable(username)
        if seen is None:
            return set()
        teams, members = seen
        names = {n for t, n in self.team_names.items() if t not in teams}
        names |= {n for m, n in self.member_names.items() if m not in members}
        return {n for n in names if len(n) >= 2}


def read_org(store: Store) -> Org:
    with store.engine.connect() as conn:
        teams = conn.execute(sa.text("SELECT id, parent_id, name, kind FROM teams")).all()
        members = conn.execute(sa.text("SELECT id, team_id, name FROM members")).all()
        users = conn.execute(sa.text("SELECT username, role, team_id, member_id FROM users")).all()
    return Org(
        {int(t.id): (int(t.parent_id) if t.parent_id is not None else None) for t in teams},
        {int(t.id): str(t.name) for t in teams},
        {int(m.id): (int(m.team_id) if m.team_id is not None else None) for m in members},
        {int(m.id): str(m.name) for m in members},
        frozenset(int(t.id) for t in teams if t.kind == "agency"),
        {str(u.username): (str(u.role), u.team_id, u.member_id) for u in users},
    )
