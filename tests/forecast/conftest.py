"""One small demo store per test worker, cut off mid-month (data up to 2026-10-15, the clock
at 2026-10-16 20:00), with the forecast run once on it; a viewer user; sign-in helpers."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from rashinban.clock import FixedClock
from rashinban.demo import DemoConfig, generate
from rashinban.service import Rashinban
from rashinban.store.db import Store
from rashinban.store.users import find_user
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings

NOW = "2026-10-16T20:00:00"
PASSWORD = "rashinban-demo"


def clock() -> FixedClock:
    return FixedClock(NOW)


def scalar(store: Store, sql: str, **params: Any) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture(scope="session")
def fc_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("forecast_demo")
    db = folder / "demo.duckdb"
    store = Store.open(str(db))
    try:
        cfg = DemoConfig.build(
            scale="small", reps=10, months=14, seed=3, end_month="2026-10", now=datetime(2026, 10, 16, 20)
        )
        generate(store, cfg, model_out=folder / "demo.model.yaml")
        admin = find_user(store, "admin")
        agency = scalar(store, "SELECT id FROM teams WHERE kind = 'agency' ORDER BY id LIMIT 1")
        Rashinban.for_store(store, admin, "en", clock()).admin.create_user(
            {"username": "viewer", "password": PASSWORD, "role": "viewer", "team_id": agency}
        )
        with Rashinban.for_job(store, "en", clock()) as svc:
            svc.forecasts.run()
    finally:
        store.dispose()
    return db


def copy_store(template: Path, folder: Path) -> Path:
    db = folder / "demo.duckdb"
    shutil.copy(template, db)
    shutil.copy(template.with_name("demo.model.yaml"), folder / "demo.model.yaml")
    return db


@pytest.fixture(scope="session")
def fc_db(fc_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(fc_template, tmp_path_factory.mktemp("forecast_app"))


class Web:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.user: str | None = None
        self.csrf = ""

    def login(self, username: str) -> Web:
        if username == self.user:
            return self
        self.client.cookies.clear()
        page = self.client.get("/login")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m
        r = self.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": m.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
        home = self.client.get("/forecast/accuracy")
        m = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
        self.csrf = m.group(1) if m else ""
        self.user = username
        return self

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.post(url, json=body, headers={"X-CSRF-Token": self.csrf})

    @property
    def store(self) -> Store:
        store: Store = self.client.app.state.store  # type: ignore[attr-defined]
        return store


@pytest.fixture(scope="session")
def web(fc_db: Path) -> Iterator[Web]:
    settings = WebSettings(
        db=str(fc_db), model=str(fc_db.with_name("demo.model.yaml")), secret_key="f" * 32, jobs=False
    )
    with TestClient(create_app(settings, clock=clock())) as client:
        yield Web(client)
