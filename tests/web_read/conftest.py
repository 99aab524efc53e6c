"""One small demo store per test worker (plus a viewer user), an app on it, sign-in helpers,
and an independent SQL oracle for actuals by scope and month."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient

from rashinban.store import Store
from rashinban.store.users import find_user
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.svc import facade, generate_demo

PASSWORD = "rashinban-demo"
PERIOD = "2026-10"  # a whole month of the demo history (it runs through 2026-11)
USERS = ("admin", "manager", "rep001", "partner", "viewer")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("read_demo")
    db = folder / "demo.duckdb"
    generate_demo(db, scale="small", months=6, seed=11, end_month="2026-11")
    store = Store.open(str(db))
    try:
        admin = find_user(store, "admin")
        agency = _scalar(store, "SELECT id FROM teams WHERE kind = 'agency' ORDER BY id LIMIT 1")
        in_house = _scalar(store, "SELECT id FROM teams WHERE kind <> 'agency' ORDER BY id LIMIT 1")
        svc = facade(store, admin)
        svc.admin.create_user(
            {"username": "viewer", "password": PASSWORD, "role": "viewer", "team_id": agency}
        )
        # a partner pointed at an in-house team by mistake sees nothing
        svc.admin.create_user(
            {"username": "stray", "password": PASSWORD, "role": "partner", "team_id": in_house}
        )
    finally:
        store.dispose()
    return db


def _scalar(store: Store, sql: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def copy_demo(template: Path, folder: Path) -> Path:
    db = folder / "demo.duckdb"
    shutil.copy(template, db)
    shutil.copy(template.with_name("demo.model.yaml"), folder / "demo.model.yaml")
    return db


class Web:
    """A TestClient that signs in as anyone (cookies cleared between users)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.user: str | None = None

    def login(self, username: str | None) -> Web:
        if username == self.user:
            return self
        self.client.cookies.clear()
        self.user = None
        if username is None:
            return self
        page = self.client.get("/login")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m, page.text[:300]
        r = self.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": m.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
        self.user = username
        return self

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def json(self, url: str, status: int = 200) -> Any:
        r = self.client.get(url)
        assert r.status_code == status, (url, r.status_code, r.text[:400])
        return r.json()

    @property
    def store(self) -> Store:
        store: Store = self.client.app.state.store  # type: ignore[attr-defined]
        return store


@pytest.fixture(scope="session")
def read_db(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_demo(demo_template, tmp_path_factory.mktemp("read_app"))


@pytest.fixture(scope="session")
def web(read_db: Path) -> Iterator[Web]:
    settings = WebSettings(
        db=str(read_db), model=str(read_db.with_name("demo.model.yaml")), secret_key="r" * 32
    )
    with TestClient(create_app(settings)) as client:
        yield Web(client)


@pytest.fixture(scope="session")
def model_yaml(read_db: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(read_db.with_name("demo.model.yaml").read_text(encoding="utf-8"))
    return data


# the oracle --------------------------------------------------------------------------------
@dataclass
class Org:
    parent: dict[int, int | None]
    member_team: dict[int, int | None]
    team_names: dict[int, str]
    member_names: dict[int, str]
    agency: set[int]

    def subtree(self, team: int) -> set[int]:
        out = {team}
        changed = True
        while changed:
            changed = False
            for t, p in self.parent.items():
                if p in out and t not in out:
                    out.add(t)
                    changed = True
        return out

    def members_in(self, stype: str, sid: int) -> set[int] | None:
        """Member ids of a scope (None: the company, i.e. every row)."""
        if stype == "company":
            return None
        if stype == "member":
            return {sid}
        teams = self.subtree(sid)
        return {m for m, t in self.member_team.items() if t in teams}


def org(store: Store) -> Org:
    with store.engine.connect() as conn:
        teams = conn.execute(sa.text("SELECT id, parent_id, name, kind FROM teams")).all()
        members = conn.execute(sa.text("SELECT id, team_id, name FROM members")).all()
    return Org(
        {int(t.id): (int(t.parent_id) if t.parent_id is not None else None) for t in teams},
        {int(m.id): (int(m.team_id) if m.team_id is not None else None) for m in members},
        {int(t.id): str(t.name) for t in teams},
        {int(m.id): str(m.name) for m in members},
        {int(t.id) for t in teams if t.kind == "agency"},
    )


def month_bounds(label: str) -> tuple[datetime, datetime]:
    y, m = (int(x) for x in label.split("-"))
    start = datetime(y, m, 1)
    end = datetime(y + (m == 12), m % 12 + 1, 1)
    return start, end


def oracle(store: Store, measure: str, members: set[int] | None, label: str) -> float:
    """An independent SQL computation of a few built-in measures for a set of members."""
    start, end = month_bounds(label)
    queries = {
        "revenue": ("SELECT COALESCE(SUM(amount), 0) FROM deals WHERE is_won", "closed_at", "owner_id"),
        "won_deals": ("SELECT COUNT(*) FROM deals WHERE is_won", "closed_at", "owner_id"),
        "deals": ("SELECT COUNT(*) FROM deals WHERE TRUE", "created_at", "owner_id"),
        "leads": ("SELECT COUNT(*) FROM leads WHERE TRUE", "created_at", "owner_id"),
        "calls": ("SELECT COUNT(*) FROM activities WHERE type = 'call'", "occurred_at", "member_id"),
    }
    base, time_col, owner = queries[measure]
    sql = f"{base} AND {time_col} >= :start AND {time_col} < :end"
    params: dict[str, Any] = {"start": start, "end": end}
    if members is not None:
        if not members:
            return 0.0
        sql += f" AND {owner} IN ({', '.join(str(int(m)) for m in sorted(members))})"
    value = _scalar(store, sql, **params)
    return float(value) if isinstance(value, Decimal | int | float) else float(value or 0)


def today_month() -> str:
    return date.today().strftime("%Y-%m")
