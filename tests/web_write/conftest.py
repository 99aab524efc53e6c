"""A small demo store per test worker, copied per test; a TestClient signed in as anyone."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rashinban.service import Rashinban
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings

PASSWORD = "rashinban-demo"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    Rashinban("en").generate_demo(str(db), scale="small", months=3, seed=3, end_month="2026-11")
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, db)
    shutil.copy(demo_template.with_name("demo.model.yaml"), tmp_path / "demo.model.yaml")
    return db


class Web:
    """A TestClient with sign-in and the CSRF token at hand."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def token(self) -> str:
        page = self.client.get("/login")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m, page.text[:500]
        self.csrf = m.group(1)
        return self.csrf

    def login(self, username: str, password: str = PASSWORD) -> Web:
        self.client.cookies.clear()
        token = self.token()
        r = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:500]
        page = self.client.get("/log")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m
        self.csrf = m.group(1)
        return self

    def post(self, url: str, **kw: object) -> object:
        headers = dict(kw.pop("headers", {}) or {})  # type: ignore[call-overload]
        headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.post(url, headers=headers, **kw)  # type: ignore[arg-type]


@pytest.fixture
def web(demo_db: Path) -> Iterator[Web]:
    settings = WebSettings(
        db=str(demo_db), model=str(demo_db.with_name("demo.model.yaml")), secret_key="t" * 32
    )
    with TestClient(create_app(settings)) as client:
        yield Web(client)
